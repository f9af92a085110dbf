"""``--force-exclude`` / ``force-exclude = true`` (issue 15): ``exclude`` applies to paths
named explicitly too, as pre-commit names them; the hooks use it."""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import REPO, isolate_in

from ac_fixer.cli import main

SOURCE = 'import torch.nn.functional as F\na = F.interpolate(x, mode="bilinear")\n'
FIXED = SOURCE.replace('"bilinear")', '"bilinear", align_corners=False)')


@pytest.fixture(autouse=True)
def project(tmp_path, monkeypatch):
    root = isolate_in(tmp_path / "project", tmp_path / "cache", monkeypatch)
    for name in ("third_party/vendored.py", "legacy_model.py", "model.py", "pkg/legacy_two.py"):
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(SOURCE)
    (root / "pyproject.toml").write_text('[tool.ac-fixer]\nexclude = ["third_party/", "legacy_*.py"]\n')
    return root


def checked(*args: str, cwd: Path = None) -> list:
    old = os.getcwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, ["check", "--output-format", "json", *args], catch_exceptions=False)
    finally:
        os.chdir(old)
    assert result.exit_code in (0, 1), result.output
    return sorted({f["path"] for f in json.loads(result.stdout)})


NAMED = ("third_party/vendored.py", "legacy_model.py", "model.py", "pkg/legacy_two.py")


def test_without_it_a_file_named_explicitly_is_always_checked():
    assert checked(*NAMED) == sorted(NAMED)


def test_with_it_exclude_applies_to_files_named_explicitly():
    assert checked("--force-exclude", *NAMED) == ["model.py"]


def test_with_it_exclude_applies_to_folders_named_explicitly():
    assert checked("--force-exclude", "third_party") == []
    assert checked("--force-exclude", "pkg") == []


def test_patterns_stay_relative_to_the_configuration(project):
    assert checked("--force-exclude", "vendored.py", "../model.py", cwd=project / "third_party") == ["../model.py"]


def test_the_configuration_key(project):
    (project / "pyproject.toml").write_text(
        '[tool.ac-fixer]\nexclude = ["third_party/", "legacy_*.py"]\nforce-exclude = true\n')
    assert checked(*NAMED) == ["model.py"]
    assert checked("--no-force-exclude", *NAMED) == sorted(NAMED)


def test_only_excluded_files_named_is_a_clean_run():
    result = CliRunner().invoke(main, ["check", "--force-exclude", "--fix", "legacy_model.py"],
                                catch_exceptions=False)
    assert result.exit_code == 0 and result.stderr == ""
    assert Path("legacy_model.py").read_text() == SOURCE


# --------------------------------------------------------------------------- the pre-commit hooks


def _hooks() -> dict:
    clientlib = pytest.importorskip("pre_commit.clientlib")
    return {hook["id"]: hook for hook in clientlib.load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}


def test_the_hooks_force_exclude():
    hooks = _hooks()
    assert hooks["ac-fixer"]["entry"] == "ac-fixer check --force-exclude"
    assert hooks["ac-fixer-fix"]["entry"] == "ac-fixer check --fix --force-exclude"
    text = (REPO / ".pre-commit-hooks.yaml").read_text()
    assert "does not apply" not in text


@pytest.mark.parametrize("hook", ["ac-fixer", "ac-fixer-fix"])
def test_each_hook_entry_as_pre_commit_runs_it_skips_excluded_files(project, hook):
    """The entry, split as pre-commit splits it, with the file names pre-commit passes."""
    entry = shlex.split(_hooks()[hook]["entry"])
    assert entry[0] == "ac-fixer"
    proc = subprocess.run([sys.executable, "-m", "ac_fixer", *entry[1:], *NAMED], cwd=project,
                          capture_output=True, text=True, timeout=120,
                          env=dict(os.environ, NO_COLOR="1", AC_FIXER_CACHE_DIR=str(project.parent / "cache")))
    assert proc.returncode == (0 if hook == "ac-fixer-fix" else 1), proc.stderr  # fixed: pre-commit sees the change
    assert (project / "model.py").read_text() == (FIXED if hook == "ac-fixer-fix" else SOURCE)
    for name in NAMED[:2] + NAMED[3:]:
        assert (project / name).read_text() == SOURCE
        assert name not in proc.stdout


@pytest.mark.slow
def test_pre_commit_try_repo_honours_exclude(tmp_path, tmp_path_factory):
    """The real pre-commit (try-repo of this checkout): `exclude` in [tool.ac-fixer] keeps
    the hook off the excluded files. Slow: it builds the hook's environment."""
    import test_integrations as integrations

    if shutil.which("git") is None or not (REPO / ".git").exists():
        pytest.skip("needs git and a git checkout of ac-fixer")
    snapshot, _ = integrations.hook_repo.__wrapped__(tmp_path_factory)
    repo = tmp_path / "user-repo"
    repo.mkdir()
    integrations._git("init", "-q", cwd=repo)
    for name in NAMED:
        (repo / name).parent.mkdir(parents=True, exist_ok=True)
        (repo / name).write_text(SOURCE)
    (repo / "pyproject.toml").write_text('[tool.ac-fixer]\nexclude = ["third_party/", "legacy_*.py"]\n')
    integrations._git("add", "-A", cwd=repo)
    result = integrations._pre_commit(["try-repo", str(snapshot), "ac-fixer-fix", "--all-files"], repo,
                                      tmp_path_factory.mktemp("pre-commit-home"))
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert (repo / "model.py").read_text() == FIXED
    for name in NAMED[:2] + NAMED[3:]:
        assert (repo / name).read_text() == SOURCE, output
