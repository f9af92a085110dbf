"""Started in every Python process of ``ac-fixer audit`` through ``PYTHONPATH``.

When ``AC_FIXER_AUDIT_DIR`` is set it starts the audit (hooks wait for torch's import),
then runs the ``sitecustomize`` this one hides, if the environment has one. Errors of that
one propagate to ``site`` exactly as they would without the audit.
"""

import os
import sys

_HERE = os.path.dirname(os.path.abspath(__file__))
_AUDIT_NAME = "ac_fixer.runtime.audit"


def _start_audit():
    directory = os.environ.get("AC_FIXER_AUDIT_DIR")
    if not directory:
        return
    try:
        _load_audit_module().start_from_environment()
    except Exception as exc:
        _report_failure(directory, exc)


def _load_audit_module():
    """``ac_fixer.runtime.audit``, loaded from its file next to this folder.

    Only that module: its packages (``ac_fixer``, ``ac_fixer.runtime``) stay unimported,
    so that pytest, which marks the ``ac_fixer`` package of its ``pytest11`` plugin for
    assertion rewriting at startup, finds it not yet imported and adds no
    ``PytestAssertRewriteWarning`` (an error under ``-W error``). The module is registered
    under its own name: a later ``from ac_fixer.runtime import audit`` (the pytest plugin)
    gets this one. Found by path, it also works when ac-fixer lives in another environment
    than the audited interpreter (pipx).
    """
    import importlib.util

    module = sys.modules.get(_AUDIT_NAME)
    if module is not None:
        return module
    path = os.path.join(os.path.dirname(_HERE), "audit.py")
    spec = importlib.util.spec_from_file_location(_AUDIT_NAME, path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[_AUDIT_NAME] = module
    try:
        spec.loader.exec_module(module)
    except BaseException:
        sys.modules.pop(_AUDIT_NAME, None)
        raise
    return module


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
