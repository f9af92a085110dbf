"""pytest plugin: ``--ac-fixer-audit=FILE`` writes the runtime audit's JSON report of a test run.

Registered through the ``pytest11`` entry point, so it is loaded in every pytest session
where ac-fixer is installed: at import time it needs nothing but pytest and the standard
library. The audit (and with it the hooks on torch) starts only when the option is given.
"""

from __future__ import annotations

import os

import pytest

_OPTION = "ac_fixer_audit"
_SUMMARY = pytest.StashKey[list]()


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


def _start() -> None:
    from ac_fixer.runtime import audit

    audit.activate(shadow=True)


@pytest.hookimpl(tryfirst=True)
def pytest_load_initial_conftests(early_config, parser, args) -> None:
    # As early as possible: before conftest files import torch.
    if getattr(early_config.known_args_namespace, _OPTION, None):
        _start()


def pytest_configure(config) -> None:
    if config.getoption(_OPTION):
        _start()  # idempotent; covers option values set after the early parse


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session, exitstatus) -> None:
    config = session.config
    target = config.getoption(_OPTION)
    # pytest-xdist workers leave the report to the controller (which sees no calls:
    # run `ac-fixer audit -- pytest -n N ...` to audit the workers).
    if not target or hasattr(config, "workerinput"):
        return
    from ac_fixer.runtime import audit

    base_dir = str(config.invocation_params.dir)
    path = os.path.join(base_dir, target)
    record = audit.process_record()
    sites = audit.build_report([record], base_dir=base_dir)
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(audit.format_audit_json(sites))
    summary = [f"ac-fixer audit: {len(sites)} site(s) written to {target}"]
    summary += [f"ac-fixer audit: internal error recorded ({message})" for message in record["errors"]]
    if getattr(config.option, "numprocesses", None):
        summary.append("ac-fixer audit: pytest-xdist workers are not recorded; run `ac-fixer audit -- pytest ...`")
    config.stash[_SUMMARY] = summary


def pytest_terminal_summary(terminalreporter, exitstatus, config) -> None:
    for line in config.stash.get(_SUMMARY, ()):
        terminalreporter.write_line(line)
