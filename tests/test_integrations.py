"""Integrations (docs/contract.md §5): the pre-commit hooks and the flake8 plugin, each
tested with the real tool, plus "the lint path never imports torch".

The pre-commit tests build hook environments from PyPI (pre-commit installs the hook
repository with pip). ``pre-commit try-repo`` always builds its environment in a
temporary store of its own, whatever PRE_COMMIT_HOME says; the third test installs
both hooks from a .pre-commit-config.yaml under one session-wide PRE_COMMIT_HOME, where
they share one environment that the test then inspects. About a minute in all.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap
from importlib import metadata
from pathlib import Path

import pytest

from ac_fixer.flake8_plugin import CONFIG_ERROR, AcFixerChecker

REPO_ROOT = Path(__file__).resolve().parents[1]

BILINEAR = 'import torch.nn.functional as F\n\ny = F.interpolate(x, scale_factor=2, mode="bilinear")\n'
BILINEAR_FIXED = BILINEAR.replace('mode="bilinear")', 'mode="bilinear", align_corners=False)')


def _notebook(code: str) -> str:
    cells = [
        {"cell_type": "markdown", "metadata": {}, "source": ["# resize\n"]},
        {
            "cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
            "source": code.splitlines(keepends=True),
        },
    ]
    document = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    return json.dumps(document, indent=1) + "\n"


def _clean_env(**extra: str) -> dict:
    """The environment for a child tool: none of a surrounding git hook's or pre-commit's settings."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "PRE_COMMIT")) and k not in ("SKIP", "NO_COLOR", "FORCE_COLOR")
    }
    env.update(
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com", GIT_CONFIG_NOSYSTEM="1",
    )
    env.update(extra)
    return env


def _git(*args: str, cwd: Path, env: dict | None = None) -> str:
    return subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd, env=env or _clean_env(), check=True, capture_output=True, text=True,
    ).stdout


# =========================================================================== pre-commit: manifest


def _manifest() -> dict:
    clientlib = pytest.importorskip("pre_commit.clientlib")
    hooks = clientlib.load_manifest(str(REPO_ROOT / ".pre-commit-hooks.yaml"))  # validates the schema
    return {hook["id"]: hook for hook in hooks}


def test_manifest_declares_both_hooks():
    hooks = _manifest()
    assert sorted(hooks) == ["ac-fixer", "ac-fixer-fix"]
    assert hooks["ac-fixer"]["entry"] == "ac-fixer check --force-exclude"
    assert hooks["ac-fixer-fix"]["entry"] == "ac-fixer check --fix --force-exclude"
    for hook in hooks.values():
        assert hook["language"] == "python"
        assert hook["types_or"] == ["python", "jupyter"]
        assert hook["pass_filenames"] is True
        # ac-fixer parallelizes itself: one process sees every file (see the comment in the yaml)
        assert hook["require_serial"] is True
        assert not any("torch" in dep for dep in hook["additional_dependencies"])


def test_torch_is_only_an_optional_dependency():
    tomllib = pytest.importorskip("tomllib")
    project = tomllib.loads((REPO_ROOT / "pyproject.toml").read_text())["project"]
    assert not any(dep.split(";")[0].strip().lower().startswith("torch") for dep in project["dependencies"])
    assert any(dep.startswith("torch") for dep in project["optional-dependencies"]["runtime"])


# =========================================================================== pre-commit: real runs

needs_precommit = pytest.mark.skipif(
    shutil.which("git") is None or not (REPO_ROOT / ".git").exists(),
    reason="needs git and a git checkout of ac-fixer",
)


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory) -> tuple:
    """The working tree as pre-commit would clone it: tracked and new (not ignored) files, committed.

    (try-repo on the checkout itself would leave out files that are new and not staged.)
    """
    pytest.importorskip("pre_commit")
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT, env=_clean_env(), check=True, capture_output=True,
    ).stdout.decode()
    snapshot = tmp_path_factory.mktemp("hook-repo")
    for name in filter(None, listing.split("\0")):
        source = REPO_ROOT / name
        if source.is_file():
            target = snapshot / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    _git("init", "-q", cwd=snapshot)
    _git("add", "-A", cwd=snapshot)
    _git("commit", "-q", "-m", "snapshot", cwd=snapshot)
    return snapshot, _git("rev-parse", "HEAD", cwd=snapshot).strip()


@pytest.fixture(scope="session")
def precommit_home(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def user_repo(tmp_path) -> Path:
    """A user's repository with one file that has an implicit align_corners."""
    repo = tmp_path / "user-repo"
    repo.mkdir()
    _git("init", "-q", cwd=repo)
    (repo / "model.py").write_text(BILINEAR)
    (repo / "analysis.ipynb").write_text(_notebook(BILINEAR))  # tagged jupyter
    # the same text in a file pre-commit does not tag as python: never passed to the hook
    (repo / "notes.txt").write_text(BILINEAR)
    # an extension-less script with a python shebang: tagged python by pre-commit
    script = repo / "tool"
    script.write_text("#!/usr/bin/env python\n" + BILINEAR)
    script.chmod(0o755)
    _git("add", "-A", cwd=repo)
    return repo


def _pre_commit(args: list, cwd: Path, home: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", *args, "--color", "never"],
        cwd=cwd, env=_clean_env(PRE_COMMIT_HOME=str(home)), capture_output=True, text=True, timeout=540,
    )


def _modified(repo: Path) -> list:
    """Files changed since they were staged, and new files git would see (the cache folder ignores itself)."""
    changed = _git("diff", "--name-only", cwd=repo).splitlines()
    untracked = _git("ls-files", "--others", "--exclude-standard", cwd=repo).splitlines()
    return sorted(changed + untracked)


@pytest.mark.slow  # builds a pre-commit environment; the README snippet test runs this hook by default
@needs_precommit
def test_try_repo_check_hook_fails_with_acf001(hook_repo, precommit_home, user_repo):
    snapshot, _ = hook_repo
    result = _pre_commit(["try-repo", str(snapshot), "ac-fixer", "--all-files"], user_repo, precommit_home)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "- hook id: ac-fixer" in output and "Failed" in output
    assert "model.py:3:5: ACF001" in output
    assert "tool:4:5: ACF001" in output  # python by its shebang
    assert "analysis.ipynb[cell 1]:3:5: ACF001" in output
    assert "notes.txt" not in output
    assert (user_repo / "model.py").read_text() == BILINEAR  # reports only
    assert (user_repo / "analysis.ipynb").read_text() == _notebook(BILINEAR)
    assert _modified(user_repo) == []


@pytest.mark.slow  # builds a pre-commit environment (the README snippet test runs the check hook by default)
@needs_precommit
def test_try_repo_fix_hook_rewrites_and_fails(hook_repo, precommit_home, user_repo):
    snapshot, _ = hook_repo
    result = _pre_commit(["try-repo", str(snapshot), "ac-fixer-fix", "--all-files"], user_repo, precommit_home)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "- hook id: ac-fixer-fix" in output
    assert "files were modified by this hook" in output
    assert (user_repo / "model.py").read_text() == BILINEAR_FIXED
    assert (user_repo / "tool").read_text() == "#!/usr/bin/env python\n" + BILINEAR_FIXED
    assert (user_repo / "notes.txt").read_text() == BILINEAR
    fixed_notebook = json.loads((user_repo / "analysis.ipynb").read_text())
    assert "".join(fixed_notebook["cells"][1]["source"]) == BILINEAR_FIXED
    assert _modified(user_repo) == ["analysis.ipynb", "model.py", "tool"]


@pytest.mark.slow  # builds pre-commit environments for both hooks
@needs_precommit
def test_installed_hooks_share_one_environment_without_torch(hook_repo, precommit_home, user_repo, tmp_path):
    snapshot, rev = hook_repo
    config = tmp_path / "pre-commit-config.yaml"
    config.write_text(
        textwrap.dedent(
            f"""\
            repos:
            -   repo: {json.dumps(str(snapshot))}
                rev: {rev}
                hooks:
                -   id: ac-fixer
                -   id: ac-fixer-fix
            """
        )
    )
    run = ["run", "--config", str(config), "--all-files"]

    first = _pre_commit([*run, "ac-fixer"], user_repo, precommit_home)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "model.py:3:5: ACF001" in first.stdout

    fixed = _pre_commit([*run, "ac-fixer-fix"], user_repo, precommit_home)
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr
    assert "files were modified by this hook" in fixed.stdout
    assert (user_repo / "model.py").read_text() == BILINEAR_FIXED

    again = _pre_commit([*run, "ac-fixer"], user_repo, precommit_home)
    assert again.returncode == 0, again.stdout + again.stderr
    assert "Passed" in again.stdout

    # one environment for both hooks, and no torch in it
    environments = sorted(precommit_home.glob("repo*/py_env-*"))
    assert len(environments) == 1, environments
    (site_packages,) = environments[0].glob("lib/python*/site-packages")
    installed = {p.name.lower() for p in site_packages.iterdir()}
    assert "ac_fixer" in installed or any(n.startswith("ac_fixer") for n in installed)
    assert "libcst" in installed and "click" in installed and "pathspec" in installed
    assert not any(n == "torch" or n.startswith("torch-") for n in installed), sorted(installed)
    (python,) = environments[0].glob("bin/python")
    probe = subprocess.run(
        [str(python), "-c", "import importlib.util, ac_fixer.cli; print(importlib.util.find_spec('torch'))"],
        capture_output=True, text=True, env=_clean_env(), check=True,
    )
    assert probe.stdout.strip() == "None"


# =========================================================================== flake8

FLAKE8_SOURCE = (
    "import torch.nn.functional as F\n"
    "import torch.nn as nn\n"
    'a = F.interpolate(x, scale_factor=2, mode="bilinear")\n'  # 3:5 ACF001
    "b = [0,\n"
    "     F.grid_sample(x, g)]\n"  # 5:6 ACF002
    's = "ünïcödé→"; c = F.interpolate(\n'  # 6:21 ACF001 (columns count characters)
    '    x, mode="bicubic")\n'
    "def up(x, mode):\n"
    "\treturn F.interpolate(x, mode=mode)\n"  # 9:9 ACF003 (a tab counts as one column)
    'd = F.interpolate(x, mode="bilinear")  # noqa: ACF001\n'  # suppressed
    'e = F.interpolate(x, mode="bilinear")  # noqa: ACF002\n'  # 11:5 ACF001 (another code's noqa)
    'f = F.interpolate(x, mode="bilinear")  # noqa\n'  # suppressed
    "g = nn.UpsamplingNearest2d(scale_factor=2)\n"  # 13:5 ACF102
)
FLAKE8_EXPECTED = [
    (3, 5, "ACF001"), (5, 6, "ACF002"), (6, 21, "ACF001"), (9, 9, "ACF003"), (11, 5, "ACF001"), (13, 5, "ACF102"),
]


def _flake8(*args: str, cwd: Path, stdin: str | None = None) -> subprocess.CompletedProcess:
    pytest.importorskip("flake8")
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "ACF", *args],
        cwd=cwd, input=stdin, capture_output=True, text=True, env=_clean_env(), timeout=120,
    )


def _flake8_sites(stdout: str) -> list:
    rows = []
    for line in stdout.splitlines():
        path, row, col, rest = line.split(":", 3)
        rows.append((int(row), int(col), rest.split()[0]))
    return rows


def _check_sites(path: Path) -> list:
    result = subprocess.run(
        [sys.executable, "-m", "ac_fixer", "check", "--no-cache", "--no-project-analysis", "--output-format", "json", path.name],
        cwd=path.parent, capture_output=True, text=True, env=_clean_env(),
    )
    return [(r["line"], r["column"], r["code"]) for r in json.loads(result.stdout)]


def test_entry_point_is_registered():
    points = {ep.name: ep.value for ep in metadata.entry_points(group="flake8.extension")}
    assert points.get("ACF") == "ac_fixer.flake8_plugin:AcFixerChecker"


def test_flake8_reports_what_check_reports(tmp_path):
    path = tmp_path / "m.py"
    path.write_text(FLAKE8_SOURCE, encoding="utf-8")
    result = _flake8("m.py", cwd=tmp_path)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    assert _flake8_sites(result.stdout) == FLAKE8_EXPECTED
    assert _check_sites(path) == FLAKE8_EXPECTED
    first = result.stdout.splitlines()[0]
    assert first.startswith('m.py:3:5: ACF001 `interpolate` with mode="bilinear" and no align_corners')


def test_flake8_ignore_options_apply_to_acf_codes(tmp_path):
    (tmp_path / "m.py").write_text(FLAKE8_SOURCE, encoding="utf-8")
    result = _flake8("--extend-ignore", "ACF00", "m.py", cwd=tmp_path)
    assert _flake8_sites(result.stdout) == [(13, 5, "ACF102")]
    result = _flake8("--per-file-ignores", "m.py:ACF001,ACF102", "m.py", cwd=tmp_path)
    assert [code for _, _, code in _flake8_sites(result.stdout)] == ["ACF002", "ACF003"]


def test_flake8_clean_file_passes(tmp_path):
    (tmp_path / "m.py").write_text(BILINEAR_FIXED)
    result = _flake8("m.py", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "")


def test_flake8_reads_stdin(tmp_path):
    result = _flake8("-", cwd=tmp_path, stdin=FLAKE8_SOURCE)
    assert _flake8_sites(result.stdout) == FLAKE8_EXPECTED
    assert result.stdout.startswith("stdin:3:5: ACF001")


def test_flake8_columns_with_a_coding_cookie(tmp_path):
    path = tmp_path / "latin.py"
    path.write_bytes(
        b"# -*- coding: latin-1 -*-\nimport torch.nn.functional as F\n"
        b's = "\xe9t\xe9"; y = F.interpolate(x, mode="bilinear")\n'
    )
    result = _flake8("latin.py", cwd=tmp_path)
    assert _flake8_sites(result.stdout) == [(3, 16, "ACF001")]
    assert _check_sites(path) == [(3, 16, "ACF001")]


def test_flake8_honours_extend_targets_from_pyproject(tmp_path):
    (tmp_path / "pyproject.toml").write_text(
        '[tool.ac-fixer]\nextend-targets = [{ name = "mypkg.ops.resize", mode-position = 2, mode-keyword = "mode" }]\n'
    )
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "use.py").write_text('from mypkg.ops import resize\ny = resize(x, 2, "bilinear")\n')
    result = _flake8("src", cwd=tmp_path)
    assert _flake8_sites(result.stdout) == [(2, 5, "ACF001")]


def test_flake8_reports_a_configuration_error_without_a_traceback(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.ac-fixer]\nselec = 1\n")
    (tmp_path / "m.py").write_text(FLAKE8_SOURCE)
    result = _flake8("m.py", cwd=tmp_path)
    assert result.returncode == 1
    assert "Traceback" not in result.stdout + result.stderr
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"m.py:1:1: {CONFIG_ERROR} ac-fixer configuration error: ")
    assert "'selec'" in line and "pyproject.toml" in line


def test_flake8_disable_noqa_shows_suppressed_findings(tmp_path):
    (tmp_path / "m.py").write_text(FLAKE8_SOURCE, encoding="utf-8")
    result = _flake8("--disable-noqa", "m.py", cwd=tmp_path)
    assert (10, 5, "ACF001") in _flake8_sites(result.stdout)
    assert (12, 5, "ACF001") in _flake8_sites(result.stdout)


def test_plugin_api_directly():
    lines = FLAKE8_SOURCE.splitlines(keepends=True)
    checker = AcFixerChecker(ast.parse(FLAKE8_SOURCE), "m.py", lines)
    errors = list(checker.run())
    # The plugin yields the `# noqa` lines too: flake8 itself filters them (and honours
    # --disable-noqa), so only the real flake8 run matches FLAKE8_EXPECTED.
    suppressed_by_flake8 = [(10, 5, "ACF001"), (12, 5, "ACF001")]
    assert [(line, col + 1, text.split()[0]) for line, col, text, _ in errors] == sorted(
        FLAKE8_EXPECTED + suppressed_by_flake8
    )
    assert all(kind is AcFixerChecker for *_, kind in errors)
    assert errors[0][:2] == (3, 4)  # flake8 wants 0-based columns
    assert AcFixerChecker.name == "ac-fixer" and AcFixerChecker.version


def test_plugin_ignores_sources_libcst_cannot_parse():
    text = "import torch.nn.functional as F\nF.interpolate(x, mode='bilinear')\n"
    # ast accepts it; give the plugin lines that do not parse, as if the file changed underneath
    checker = AcFixerChecker(ast.parse(text), "m.py", ["F.interpolate(\n"])
    assert list(checker.run()) == []


# =========================================================================== no torch on the lint path

NO_TORCH_SCRIPT = r"""
import sys
# Every attempt to import torch is recorded (and fails): a guarded `try: import torch` that
# carries on without it is an import too (`sys.modules["torch"] = None` would hide it).
attempts = []
class Recorder:
    def find_spec(self, name, path=None, target=None):
        if name == "torch" or name.startswith("torch."):
            attempts.append(name)
            raise ImportError("blocked: " + name)
        return None
sys.meta_path.insert(0, Recorder())
import ast
from ac_fixer.cli import main
from ac_fixer.flake8_plugin import AcFixerChecker
source = open("m.py").read()
errors = list(AcFixerChecker(ast.parse(source), "m.py", source.splitlines(True)).run())
print("flake8", len(errors))
for args in (["check", "--no-cache", "m.py"], ["check", "--no-cache", "--output-format", "sarif", "m.py"],
             ["check", "--no-cache", "--fix", "m.py"]):
    try:
        main(args, standalone_mode=False)
    except SystemExit as exit:
        print("exit", exit.code)
print("fixed", "align_corners=False" in open("m.py").read())
print("torch attempts", attempts, "loaded", sorted(m for m in sys.modules if m == "torch" or m.startswith("torch.")))
"""


def test_lint_path_never_imports_torch(tmp_path):
    (tmp_path / "m.py").write_text(BILINEAR)
    result = subprocess.run(
        [sys.executable, "-c", NO_TORCH_SCRIPT], cwd=tmp_path, capture_output=True, text=True, env=_clean_env()
    )
    assert result.returncode == 0, result.stderr
    assert "flake8 1" in result.stdout
    assert result.stdout.count("exit 1") == 2 and "exit 0" in result.stdout
    assert "fixed True" in result.stdout
    assert "torch attempts [] loaded []" in result.stdout, result.stdout
