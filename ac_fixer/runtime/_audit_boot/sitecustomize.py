"""Started in every Python process of ``ac-fixer audit`` through ``PYTHONPATH``.

When ``AC_FIXER_AUDIT_DIR`` is set it starts the audit (hooks wait for torch's import),
then runs the ``sitecustomize`` this one hides, if the environment has one. Errors of that
one propagate to ``site`` exactly as they would without the audit.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))


def _start_audit():
    directory = os.environ.get("AC_FIXER_AUDIT_DIR")
    if not directory:
        return
    # ac-fixer may live in another environment than the audited interpreter (pipx):
    # import it from where the parent found it, without leaving that path behind.
    home = os.environ.get("AC_FIXER_AUDIT_HOME")
    added = bool(home) and home not in sys.path
    try:
        if added:
            sys.path.insert(0, home)
        try:
            from ac_fixer.runtime import audit
        finally:
            if added and home in sys.path:
                sys.path.remove(home)
        audit.start_from_environment()
    except Exception as exc:
        _report_failure(directory, exc)


def _report_failure(directory, exc):
    try:
        import json

        record = {
            "version": 1,
            "pid": os.getpid(),
            "executable": sys.executable,
            "sites": [],
            "errors": ["cannot start the audit: %s: %s" % (type(exc).__name__, exc)],
        }
        path = os.path.join(directory, "%d-boot.json" % os.getpid())
        with open(path, "w") as handle:
            json.dump(record, handle)
    except Exception:
        pass


def _run_hidden_sitecustomize():
    sys.path[:] = [entry for entry in sys.path if os.path.abspath(entry or os.curdir) != _HERE]
    import importlib.machinery
    import importlib.util

    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", sys.path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    sys.modules["sitecustomize"] = module
    spec.loader.exec_module(module)


_start_audit()
_run_hidden_sitecustomize()
