"""pytest plugin: ``--ac-fixer-audit=FILE`` writes the runtime audit's JSON report of a test run.

Registered through the ``pytest11`` entry point, so it is loaded in every pytest session
where ac-fixer is installed: at import time it needs nothing but pytest and the standard
library. The audit (and with it the hooks on torch) starts only when the option is given.
"""

from __future__ import annotations

import json
import os

import pytest

_OPTION = "ac_fixer_audit"
_FOLLOW_OPTION = "ac_fixer_audit_follow_symlink"
_SUMMARY = pytest.StashKey[list]()
_REPORT_FILE = pytest.StashKey[object]()


def pytest_addoption(parser) -> None:
    group = parser.getgroup("ac-fixer")
    group.addoption(
        "--ac-fixer-audit",
        dest=_OPTION,
        metavar="FILE",
        default=None,
        help="record the torch resampling calls that leave align_corners unset and "
        "write the ac-fixer audit report (JSON) to FILE",
    )
    group.addoption(
        "--ac-fixer-audit-follow-symlink",
        dest=_FOLLOW_OPTION,
        action="store_true",
        default=False,
        help="write the --ac-fixer-audit report through FILE when it is a symlink",
    )


def _start() -> None:
    from ac_fixer.runtime import audit

    audit.activate(shadow=True)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args) -> None:
    # As early as possible: before conftest files import torch.
    if getattr(early_config.known_args_namespace, _OPTION, None):
        _start()


def pytest_configure(config) -> None:
    target = config.getoption(_OPTION)
    if not target:
        return
    _start()  # idempotent; covers option values set after the early parse
    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the controller writes
        return
    from ac_fixer.runtime import audit

    # Before any test runs: a report that cannot be written is a usage error now, not a
    # traceback after the whole run.
    path = os.path.join(str(config.invocation_params.dir), target)
    try:
        config.stash[_REPORT_FILE] = audit.ReportFile(path, follow_symlink=config.getoption(_FOLLOW_OPTION))
    except audit.ReportPathError as error:
        raise pytest.UsageError(f"--ac-fixer-audit={target}: {error}") from None


# pytest-xdist: each worker hands its record to the controller with its output.
_WORKER_OUTPUT_KEY = "ac_fixer_audit_record"
_WORKER_RECORDS = pytest.StashKey[list]()
_LOST_WORKERS = pytest.StashKey[list]()


@pytest.hookimpl(optionalhook=True)
def pytest_testnodedown(node, error) -> None:
    """(pytest-xdist, in the controller) A worker is done: keep its audit record."""
    config = node.config
    if not config.getoption(_OPTION):
        return
    raw = (getattr(node, "workeroutput", None) or {}).get(_WORKER_OUTPUT_KEY)
    if raw is None:
        name = getattr(getattr(node, "gateway", None), "id", "?")
        config.stash.setdefault(_LOST_WORKERS, []).append(name)
        return
    config.stash.setdefault(_WORKER_RECORDS, []).append(json.loads(raw))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus) -> None:
    config = session.config
    target = config.getoption(_OPTION)
    if not target:
        return
    from ac_fixer.runtime import audit

    if hasattr(config, "workerinput"):  # a pytest-xdist worker: the controller writes
        config.workeroutput[_WORKER_OUTPUT_KEY] = json.dumps(audit.process_record())
        return
    base_dir = str(config.invocation_params.dir)
    records = [audit.process_record(), *config.stash.get(_WORKER_RECORDS, [])]
    sites = audit.build_report(records, base_dir=base_dir)
    text = audit.format_audit_json(sites)
    workers = len(records) - 1
    recorded = f" (from {workers} pytest-xdist workers)" if workers else ""
    try:
        report_file = config.stash.get(_REPORT_FILE, None)
        if report_file is None:
            path = os.path.join(base_dir, target)
            report_file = audit.ReportFile(path, follow_symlink=config.getoption(_FOLLOW_OPTION))
        report_file.write(text)
        summary = [f"ac-fixer audit: {len(sites)} site(s) written to {target}{recorded}"]
    except (OSError, audit.ReportPathError) as error:
        # The tests' outcome stays the exit status; the report is kept on the terminal.
        if isinstance(error, OSError):
            error = f"cannot write the report to {target}: {error.strerror or error}"
        summary = [f"ac-fixer audit: {error}; it follows", *text.splitlines()]
    errors = [message for record in records for message in record.get("errors", ())]
    summary += [f"ac-fixer audit: internal error recorded ({message})" for message in errors]
    for name in config.stash.get(_LOST_WORKERS, []):
        summary.append(f"ac-fixer audit: pytest-xdist worker {name} went down without its record")
    config.stash[_SUMMARY] = summary


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    for line in config.stash.get(_SUMMARY, ()):
        terminalreporter.write_line(line)
