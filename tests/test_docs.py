"""The README and docs/ say what is true of this repository: cited documents exist, the
command lines use options that exist, the test command is the one CI runs, and the
pre-commit snippet works as written (with a clone of this repository for `repo:`)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from ac_fixer.cli import main

REPO = Path(__file__).resolve().parents[1]
README = REPO / "README.md"
# Built from parts so that this file does not itself mention the name it looks for.
OUTSIDE_DOCUMENT = "DESIGN" + ".md"
FINDING = 'import torch.nn.functional as F\n\ny = F.interpolate(x, scale_factor=2, mode="bilinear")\n'


def _readme() -> str:
    return README.read_text("utf-8")


def _section(text: str, title: str) -> str:
    """The body of the README section ``## title`` (up to the next ``## ``)."""
    start = text.index(f"\n## {title}\n")
    end = text.find("\n## ", start + 1)
    return text[start:] if end == -1 else text[start:end]


def _code_blocks(text: str) -> list[tuple[str, str]]:
    """(info string, body) of every fenced code block."""
    return re.findall(r"^```([^\n`]*)\n(.*?)^```", text, flags=re.S | re.M)


def _repository_files() -> list[Path]:
    """Tracked files (git), or every file outside .git when this is not a git checkout."""
    if shutil.which("git") and (REPO / ".git").exists():
        listing = subprocess.run(
            ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
            cwd=REPO, check=True, capture_output=True,
        ).stdout.decode("utf-8", "surrogateescape")
        return [REPO / name for name in listing.split("\0") if name]
    return [p for p in REPO.rglob("*") if ".git" not in p.parts]


# ------------------------------------------------------------------ documents cited


def test_no_file_cites_a_document_outside_the_repository():
    citing = [
        str(path.relative_to(REPO))
        for path in _repository_files()
        if path.is_file() and not path.is_symlink() and OUTSIDE_DOCUMENT.encode() in path.read_bytes()
    ]
    assert citing == []


def test_citations_of_docs_sections_name_existing_sections():
    """``docs/design.md §1.4`` (code, tests, yaml) and ``[text](docs/x.md#anchor)`` links resolve."""
    headings = {}
    for doc in (REPO / "docs").glob("*.md"):
        text = doc.read_text("utf-8")
        headings[doc.name] = set(re.findall(r"^#{2,4} (\d+(?:\.\d+)*)\. ", text, flags=re.M)) | set(
            re.findall(r"^#{2,4} (\d+(?:\.\d+)*) ", text, flags=re.M)
        )
    cited = 0
    for path in _repository_files():
        if path.suffix not in (".py", ".toml", ".yaml", ".md") or not path.is_file():
            continue
        text = path.read_text("utf-8", errors="replace")
        for name, sections in re.findall(r"docs/(\w+\.md) ((?:§[\d.]*\d(?:, )?)+)", text):
            for section in re.findall(r"§([\d.]*\d)", sections):
                cited += 1
                assert name in headings, f"{path}: cites docs/{name}, which does not exist"
                assert section in headings[name], f"{path}: cites docs/{name} §{section}, no such section"
    assert cited >= 10  # the code and tests cite the docs; a broken pattern would find none


def test_markdown_links_to_repository_files_exist():
    checked = 0
    for doc in [README, *(REPO / "docs").glob("*.md")]:
        for target in re.findall(r"\]\(([^)#\s]+)(?:#[^)]*)?\)", doc.read_text("utf-8")):
            if "://" in target:
                continue
            assert (doc.parent / target).exists(), f"{doc.name} links to {target}, which does not exist"
            checked += 1
    assert checked >= 5, checked  # the pattern finds the docs' links (docs/design.md, docs/contract.md, ...)


# ------------------------------------------------------------------ command lines


def _command_lines() -> list[str]:
    """README lines of unlabelled/shell code blocks that are command lines; in a block with
    ``$ `` prompts only the prompted lines (the rest is output). ``a && b`` gives two."""
    lines = []
    for info, body in _code_blocks(_readme()):
        if info.strip() not in ("", "sh", "bash", "console", "shell"):
            continue
        prompted = any(line.startswith("$ ") for line in body.splitlines())
        for line in body.splitlines():
            if prompted and not line.startswith("$ "):
                continue  # the command's output
            line = line[2:] if prompted else line.strip()
            for command in line.split("&&"):
                command = command.strip()
                if command.startswith(("pip install", "ac-fixer", "python", "pytest")):
                    lines.append(command)
    return lines


def _long_options(words: list[str]) -> list[str]:
    options = []
    for word in words:
        if word == "--" or word in ("|", "||", ";", ">", ">>", "<", "2>", "&"):
            break  # what follows belongs to the audited command, or to another program
        if word.startswith("--") and len(word) > 2:
            options.append(word.split("=", 1)[0])
    return options


def _help(args: list[str]) -> str:
    result = CliRunner().invoke(main, [*args, "--help"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_readme_command_lines_use_existing_commands_and_options():
    commands = _command_lines()
    checked = 0
    for command in commands:
        words = shlex.split(command, comments=True)
        if words[0] == "ac-fixer":
            subcommand = [w for w in words[1:2] if not w.startswith("-")]
            help_text = _help(subcommand)
            for option in _long_options(words[1:]):
                assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", help_text), (
                    f"README: `{command}` uses {option}, which `ac-fixer {' '.join(subcommand)} --help` does not list"
                )
                checked += 1
        elif words[0] == "python" and len(words) > 1 and words[1].endswith(".py"):
            assert (REPO / words[1]).is_file(), f"README: `{command}` runs {words[1]}, which does not exist"
        elif words[0] == "python" and words[1:3] == ["-m", "pytest"] or words[0] == "pytest":
            for option in _long_options(words):
                if option.startswith("--ac-fixer"):
                    plugin = (REPO / "ac_fixer" / "runtime" / "pytest_plugin.py").read_text("utf-8")
                    assert f'"{option}"' in plugin, f"README: `{command}`: no pytest option {option}"
        elif words[:2] == ["pip", "install"]:
            for word in words[2:]:
                if word.startswith((".", '"."')) or word.startswith("-e"):
                    continue
                # everything installed comes from this checkout (no package-index release)
                assert not word.startswith("ac-fixer"), f"README: `{command}` installs from a package index"
    assert checked >= 5, commands


def test_readme_test_command_is_what_ci_runs():
    quick_start = _section(_readme(), "Quick start (fresh machine)")
    (test_command,) = [c for c in re.findall(r"^pip install .*$", quick_start, flags=re.M) if "pytest" in c]
    ci_lines = (REPO / ".ci" / "run").read_text("utf-8").splitlines()
    assert test_command in ci_lines


# ------------------------------------------------------------------ pre-commit snippet


def _pre_commit_snippet() -> str:
    blocks = [body for info, body in _code_blocks(_section(_readme(), "pre-commit")) if info.strip() == "yaml"]
    assert len(blocks) == 1, "the README's pre-commit section should have one yaml block"
    return blocks[0]


def _fill_in(snippet: str, repo: str, rev: str) -> str:
    """The snippet with the reader's values for ``repo:`` and ``rev:`` (comments kept)."""
    filled, repos = re.subn(r"(?m)^(\s*-\s*repo:\s*)\S+", lambda m: m.group(1) + repo, snippet)
    filled, revs = re.subn(r'(?m)^(\s*rev:\s*)"<commit SHA>"', lambda m: f'{m.group(1)}"{rev}"', filled)
    assert (repos, revs) == (1, 1), snippet
    return filled


def test_pre_commit_snippet_is_a_valid_config_naming_the_declared_hooks(tmp_path):
    clientlib = pytest.importorskip("pre_commit.clientlib")
    snippet = _pre_commit_snippet()
    assert "git rev-parse HEAD" in snippet  # the reader is told where the rev comes from
    config = tmp_path / ".pre-commit-config.yaml"
    sha = "1" * 40  # a SHA of digits only: a number to YAML unless quoted
    config.write_text(_fill_in(snippet, "https://example.invalid/ac-fixer", sha))
    loaded = clientlib.load_config(str(config))  # pre-commit's own schema check
    (repo,) = loaded["repos"]
    assert repo["rev"] == sha
    manifest = {hook["id"] for hook in clientlib.load_manifest(str(REPO / ".pre-commit-hooks.yaml"))}
    assert {hook["id"] for hook in repo["hooks"]} <= manifest
    assert "ac-fixer-fix" in snippet  # the fixing hook is offered too


def _clean_env(**extra: str) -> dict:
    """No setting of a surrounding git hook or pre-commit run leaks into the child."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("GIT_", "PRE_COMMIT")) and k not in ("SKIP", "NO_COLOR", "FORCE_COLOR")
    }
    env.update(
        GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@example.com", GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.com", GIT_CONFIG_NOSYSTEM="1", **extra,
    )
    return env


def _git(*args: str, cwd: Path) -> str:
    return subprocess.run(
        ["git", "-c", "commit.gpgsign=false", "-c", "init.defaultBranch=main", *args],
        cwd=cwd, env=_clean_env(), check=True, capture_output=True, text=True,
    ).stdout


@pytest.mark.skipif(
    shutil.which("git") is None or not (REPO / ".git").exists(), reason="needs git and a git checkout of ac-fixer"
)
def test_pre_commit_snippet_as_written_runs_the_hook(tmp_path):
    """The snippet with a clone of this repository and its HEAD: pre-commit builds the hook
    (pip installs its dependencies) and fails naming the finding."""
    pytest.importorskip("pre_commit")
    clone = tmp_path / "ac-fixer-clone"
    _git("clone", "-q", str(REPO), str(clone), cwd=tmp_path)
    head = _git("rev-parse", "HEAD", cwd=clone).strip()
    user = tmp_path / "user-repo"
    user.mkdir()
    _git("init", "-q", cwd=user)
    (user / "model.py").write_text(FINDING)
    (user / ".pre-commit-config.yaml").write_text(_fill_in(_pre_commit_snippet(), str(clone), head))
    _git("add", "-A", cwd=user)
    result = subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", "--all-files", "--color", "never"],
        cwd=user, env=_clean_env(PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home")),
        capture_output=True, text=True, timeout=540,
    )
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert "- hook id: ac-fixer" in output and "Failed" in output
    assert "model.py:3:5: ACF001" in output
    assert (user / "model.py").read_text() == FINDING  # the reporting hook writes nothing
