"""Shared helpers for the core test suite: the fixtures folder and running the real CLI."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Optional, Sequence

import pytest
from click.testing import CliRunner

from ac_fixer.cli import main

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"

# The property-based tests' example counts (hypothesis, derandomized): half of each in the
# default run, which must fit the suite's 3-minute budget on 2 cores; the whole counts with
# AC_FIXER_WHOLE_FUZZ=1 in the environment (`AC_FIXER_WHOLE_FUZZ=1 python -m pytest -n auto`).
_WHOLE_COUNTS = os.environ.get("AC_FIXER_WHOLE_FUZZ", "") not in ("", "0")


def fuzz_examples(count: int) -> int:
    """``count`` with AC_FIXER_WHOLE_FUZZ=1, else half of it (at least 10)."""
    return count if _WHOLE_COUNTS else max(10, count // 2)


_EXPECT = re.compile(rb"(?:^|[\r\n])# expect:([^\r\n]*)")


@dataclass
class CliResult:
    exit_code: int
    stdout: str
    stderr: str
    stdout_bytes: bytes = b""


def run_cli(args: Sequence[str], cwd: Optional[Path] = None) -> CliResult:
    """``ac-fixer ARGS`` in-process through click's CliRunner (stdout and stderr apart)."""
    runner = CliRunner()
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = runner.invoke(main, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return CliResult(result.exit_code, result.stdout, result.stderr, result.stdout_bytes)


def run_subprocess(args: Sequence[str], cwd: Path, timeout: float = 120) -> CliResult:
    """``python -m ac_fixer ARGS`` as a real process."""
    env = dict(os.environ)
    env.pop("FORCE_COLOR", None)
    env["NO_COLOR"] = "1"
    env["AC_FIXER_CACHE_DIR"] = str(cwd / ".ac-fixer-cache")
    proc = subprocess.run(
        [sys.executable, "-m", "ac_fixer", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
    )
    return CliResult(proc.returncode, proc.stdout, proc.stderr)


def expected_codes(source: bytes) -> list:
    """The codes a fixture declares in its ``# expect: ACF001 ACF002`` header line (sorted)."""
    match = _EXPECT.search(source)
    if match is None:
        return []
    return sorted(match.group(1).decode("ascii").split())


def fixture_pairs() -> list:
    """Every ``name.py`` in fixtures/ (or in a project folder ``fixtures/projects/X/``, whose
    configuration files go with it) that has a ``name.fixed.py`` partner."""
    candidates = [*FIXTURES.glob("*.py"), *FIXTURES.glob("projects/*/*.py")]
    return sorted(
        p for p in candidates if not p.name.endswith(".fixed.py") and p.with_suffix(".fixed.py").exists()
    )


def negative_fixtures() -> list:
    return sorted(FIXTURES.glob("negative_*.py"))


@pytest.fixture
def cli():
    return run_cli


def isolate_in(folder: Path, cache: Path, monkeypatch) -> Path:
    """Run in the empty ``folder`` (created), with the cache in ``cache`` and no color
    variables from outside."""
    folder.mkdir()
    monkeypatch.chdir(folder)
    monkeypatch.setenv("AC_FIXER_CACHE_DIR", str(cache))
    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.delenv("FORCE_COLOR", raising=False)
    return folder


@pytest.fixture(autouse=True, scope="session")
def _private_cache_key_folder(tmp_path_factory):
    """The cache's per-user secret key lives under XDG_CACHE_HOME: a temporary one for the
    tests (and the processes they start), never the real home's."""
    folder = tmp_path_factory.mktemp("xdg-cache")
    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(folder)
    yield folder
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old


def check_in_process(*args: str):
    """``ac-fixer check ARGS`` in-process (click's CliRunner; stdout and stderr apart)."""
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


def write_text(name: str, text: str) -> Path:
    """Write ``text`` (UTF-8) to ``name`` relative to the current folder, folders made."""
    path = Path(name)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def project_facts_json(root: Path) -> dict:
    """The project facts of ``root`` as JSON, without their content key (which changes
    with the code's own digest)."""
    from ac_fixer import catalog as cat
    from ac_fixer.project import project_facts

    facts = project_facts(root, (), root, cat.default_catalog(), None).to_json()
    facts.pop("key")
    return facts


def write_project(root: Path, files: dict) -> Path:
    """A project at ``root``: a pyproject.toml and ``files`` (relative path -> text)."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text("[project]\nname = 'p'\n")
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def runs_listing_modules(folder: Path, args: Sequence[str], modules: Sequence[str], runs: int = 2) -> list:
    """``ac-fixer ARGS`` run ``runs`` times in ``folder`` (a private cache: the later runs are
    warm), each in its own interpreter that prints, last, which of ``modules`` it imported."""
    code = ("import sys, ac_fixer.cli\n"
            "try:\n    ac_fixer.cli.run()\nexcept SystemExit:\n    pass\n"
            f"print(sorted(m for m in {tuple(modules)!r} if m in sys.modules))")
    env = dict(os.environ, AC_FIXER_CACHE_DIR=str(folder / "cache"), XDG_CACHE_HOME=str(folder / "xdg"))
    return [subprocess.run([sys.executable, "-c", code, *args], cwd=folder, env=env, capture_output=True, text=True,
                           timeout=60) for _ in range(runs)]
