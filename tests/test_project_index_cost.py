"""The project index's cheaper paths give the facts the plain paths give.

Each path is switched off in turn and the facts compared: a wider light summary taken
from the last one when no body it skipped holds a new needle (``_same_light``); a file
read first in a wrapper round that calls none of its needles left unparsed
(``calls_none``); summaries made ahead in worker processes (``prefetch``); the searches
over one buffer of every file's bytes (``holding``). The byte helpers are compared with
the regular expressions they replace."""

from __future__ import annotations

import ast
import random
import re
from pathlib import Path

import pytest
from conftest import FIXTURES, project_facts_json, write_project

from ac_fixer import catalog as cat
from ac_fixer import project
from ac_fixer.project import _line_starts, calls_a_name, holds_identifier, summarize

PLAIN = {
    "same_light": ("_same_light", lambda self, relative, needles: project._MISSING),
    "calls_none": ("calls_none", lambda self, relative, extra: False),
    "prefetch": ("prefetch", lambda self, jobs: None),
    "holding": ("holding", lambda self, needles: set(self.files)),
    "adds_no_fact": ("adds_no_fact", lambda self, relative: False),
}


_facts = project_facts_json


_write = write_project


# A wrapper (`resize`) and a wrapper of it; files that name `resize` without calling it, call
# it through parentheses, or hold it in a body that does not name torch.
LAYOUT = {
    "pkg/__init__.py": "from .ops import resize\n",
    "pkg/ops.py": (
        "import torch.nn.functional as F\n\n"
        "def resize(x, size=None, mode='nearest', align_corners=None):\n"
        "    return F.interpolate(x, size, mode=mode, align_corners=align_corners)\n\n"
        "def unrelated(x):\n"
        "    return x + 1\n"
    ),
    # Triggered; a body without torch that calls the wrapper: read again in round two.
    "pkg/twice.py": (
        "import torch.nn.functional as F\nfrom pkg import resize\n\n"
        "def up(x):\n    return F.interpolate(x, scale_factor=2, mode='nearest')\n\n"
        "def again(x, mode='bilinear', align_corners=None):\n"
        "    return resize(x, None, mode, align_corners)\n"
    ),
    # Triggered; no skipped body holds `resize`: its light summary stands for round two.
    "pkg/same.py": (
        "import torch.nn.functional as F\nfrom pkg import resize\n\n"
        "def up(x, mode):\n    y = resize(x, mode=mode)\n    return F.interpolate(y, scale_factor=2, mode=mode)\n\n"
        "def other(x):\n    return x\n"
    ),
    # Triggered; a nested body names `resize` in a comment only: its outer function's reads
    # of `align_corners` change with it.
    "pkg/nested.py": (
        "import torch.nn.functional as F\n\n"
        "def outer(x, mode='nearest', align_corners=None):\n"
        "    def helper():\n        # resize\n        return align_corners\n"
        "    return F.interpolate(x, scale_factor=2, mode=mode, align_corners=align_corners)\n"
    ),
    # Not triggered; names `resize` without calling it: not parsed in round two.
    "pkg/docs.py": "HELP = 'call resize on x'\n\ndef f():\n    return 'resize'\n",
    "pkg/imports_only.py": "from pkg import resize\n\nALIAS = resize\n",
    # Not triggered; calls it through parentheses: parsed.
    "pkg/paren.py": (
        "from pkg import resize\n\n"
        "def deep(x, mode='bilinear', align_corners=None):\n"
        "    return (resize)(x, None, mode, align_corners)\n"
    ),
    "pkg/use.py": (
        "from pkg.paren import deep\nfrom pkg.twice import again\n\n"
        "def run(x):\n    return deep(x, mode='bilinear'), again(x)\n"
    ),
}


def _roots(tmp_path: Path) -> list:
    projects = sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir() and "." not in p.name)
    return [*projects, FIXTURES / "walkthrough" / "mmsegmentation", _write(tmp_path / "layout", LAYOUT)]


@pytest.mark.parametrize("path", sorted(PLAIN))
def test_each_cheaper_path_gives_the_plain_facts(path, tmp_path, monkeypatch):
    for root in _roots(tmp_path):
        cheap = _facts(root)
        with monkeypatch.context() as patch:
            name, plain = PLAIN[path]
            patch.setattr(project._Project, name, plain)
            assert _facts(root) == cheap, root


def test_all_cheaper_paths_off_give_the_same_facts(tmp_path, monkeypatch):
    root = _write(tmp_path / "layout", LAYOUT)
    cheap = _facts(root)
    for name, plain in PLAIN.values():
        monkeypatch.setattr(project._Project, name, plain)
    assert _facts(root) == cheap
    assert {"pkg.ops.resize", "pkg.twice.again", "pkg.paren.deep"} <= set(cheap["wrappers"])
    assert "pkg.nested.outer" not in cheap["wrappers"]  # the comment's `resize`: read, a second use


def test_the_layout_takes_the_cheaper_paths(tmp_path, monkeypatch):
    """The layout above does exercise the reuse and the skip (else the tests prove nothing)."""
    root = _write(tmp_path / "layout", LAYOUT)
    reused, skipped = [], []
    same_light, calls_none = project._Project._same_light, project._Project.calls_none

    def spy_same(self, relative, needles):
        found = same_light(self, relative, needles)
        if found is not project._MISSING:
            reused.append((relative, set(needles)))
        return found

    def spy_none(self, relative, extra):
        found = calls_none(self, relative, extra)
        if found:
            skipped.append(relative)
        return found

    monkeypatch.setattr(project._Project, "_same_light", spy_same)
    monkeypatch.setattr(project._Project, "calls_none", spy_none)
    _facts(root)
    # `resize` in a body that names no torch API (twice.py) or in a nested one (nested.py):
    # parsed again; same.py's skipped body does not hold it.
    with_resize = [r for r, needles in reused if b"resize" in needles and b"again" not in needles]
    assert "pkg/same.py" in with_resize and "pkg/twice.py" not in with_resize
    assert "pkg/nested.py" not in [r for r, _ in reused]
    assert {"pkg/docs.py", "pkg/imports_only.py"} <= set(skipped) and "pkg/paren.py" not in skipped


def _fixture_sources() -> list:
    return sorted(p.read_bytes() for p in FIXTURES.rglob("*.py"))


def test_a_wider_light_summary_is_the_same_when_no_skipped_body_holds_a_new_needle():
    base = tuple(n.encode() for n in sorted(cat.default_catalog().short_names()))
    same = 0
    for source in _fixture_sources():
        light = summarize(source, base)
        if light is None:
            continue
        for extra in (b"resize", b"x", b"self", b"return"):
            wider = summarize(source, base + (extra,))
            if not any(source.find(extra, start, stop) >= 0 for start, stop in light["skipped"]):
                assert wider == light
                same += 1
    assert same > 50


def test_a_called_name_is_found_by_the_loose_byte_test():
    """Every call whose callee ends with a name: that name, then only blanks, comments,
    continuations or closing parentheses before `(`."""
    sources = _fixture_sources() + [b"(resize)(x)\n", b"((a.resize\n  )  # c\n)(x)\n", b"f = (g)\\\n(1)\n"]
    for source in sources:
        try:
            tree = ast.parse(source)
        except SyntaxError:
            continue
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, (ast.Name, ast.Attribute)):
                name = node.func.id if isinstance(node.func, ast.Name) else node.func.attr
                if source.isascii():
                    assert calls_a_name(source, (name.encode(),), project._THEN_MAYBE_CALLED), (name, source[:80])


def _holds_identifier_by_regex(source: bytes, name: bytes) -> bool:
    """The definition: ``name`` is one of the identifiers ``IDENTIFIER`` finds."""
    return name in project.IDENTIFIER.findall(source)


def test_holds_identifier_is_the_regex_answer():
    rng = random.Random(7)
    for _ in range(20000):
        name = bytes(rng.choice(b"ab") for _ in range(rng.randint(1, 3)))
        source = bytes(rng.choice(b"ab_9 .(\n\xc3Z") for _ in range(rng.randint(0, 12)))
        assert holds_identifier(source, name) is _holds_identifier_by_regex(source, name), (source, name)


def test_line_starts_are_the_regex_answer():
    rng = random.Random(3)
    for _ in range(20000):
        source = bytes(rng.choice(b"a\r\n") for _ in range(rng.randint(0, 8)))
        assert _line_starts(source) == [0] + [m.end() for m in re.finditer(rb"\r\n|\r|\n", source)], source


def test_every_needle_holds_an_anchor():
    rng = random.Random(5)
    catalog = cat.default_catalog()
    cases = [project._Triggered(catalog, None).needles]
    cases += [[bytes(rng.choice(b"abcd_") for _ in range(rng.randint(1, 9))) for _ in range(rng.randint(1, 6))]
              for _ in range(300)]
    for needles in cases:
        anchors = project._anchors(needles)
        assert len(anchors) <= len(set(needles))
        assert all(any(anchor in needle for anchor in anchors) for needle in needles), (needles, anchors)


def test_a_worker_summarizes_a_file_only_when_it_reads_the_bytes_the_digest_names(tmp_path):
    path = tmp_path / "m.py"
    path.write_bytes(b"import torch.nn.functional as F\n\ndef up(x, mode):\n    return F.interpolate(x, mode=mode)\n")
    needles = (b"interpolate",)
    digest = project._content_digest(path.read_bytes())
    assert project._summarize_files([(str(path), digest, needles)]) == [
        [True, summarize(path.read_bytes(), needles), None]]
    literal = tmp_path / "literal.py"  # its calls pass literals only: not summarized
    literal.write_bytes(b"import torch.nn.functional as F\n\ndef up(x):\n    return F.interpolate(x, mode='nearest')\n")
    assert project._summarize_files([(str(literal), project._content_digest(literal.read_bytes()), needles)]) == [
        [True, project.LITERALS_ONLY, None]]
    path.write_bytes(path.read_bytes() + b"\nX = 1\n")  # changed since it was read
    assert project._summarize_files([(str(path), digest, needles)]) == [[False, None, None]]
    assert project._summarize_files([(str(tmp_path / "gone.py"), digest, needles)]) == [[False, None, None]]


def test_a_worker_makes_the_whole_summary_the_evidence_will_read_from_the_same_tree(tmp_path):
    """A file whose catalogued call passes a parameter as the mode: the evidence reads its
    whole summary (see _collect_evidence), made with the light one from one parse; the
    same summary as summarize makes. A file whose calls pass a literal mode gets none."""
    from ac_fixer.catalog import default_catalog

    by_short = project._mode_targets_by_short(default_catalog())
    needles = (b"interpolate",)
    source = (b"import torch.nn.functional as F\n\ndef up(x, mode):\n    return F.interpolate(x, mode=mode)\n\n"
              b"def other(a):\n    return a + 1\n")
    path = tmp_path / "m.py"
    path.write_bytes(source)
    [[same, light, whole]] = project._summarize_files([(str(path), project._content_digest(source), needles)], by_short)
    assert same and light == summarize(source, needles) and light != summarize(source)
    assert whole == summarize(source)
    constant = source.replace(b"mode=mode", b"mode=MODE, size=s")
    path.write_bytes(constant)
    [[_, light, whole]] = project._summarize_files([(str(path), project._content_digest(constant), needles)], by_short)
    assert light == summarize(constant, needles) and whole is None


def test_prefetched_summaries_give_the_plain_facts(tmp_path, monkeypatch):
    """The summaries made ahead (prefetch, then taken by _summarize) give the plain facts.
    These small projects never reach the worker processes (fewer than 32 jobs, none lent),
    so the batch is made in this process: prefetch's keys and hand-over really run."""
    roots = _roots(tmp_path)
    plain = [_facts(root) for root in roots]  # no prefetch: too few jobs for workers
    sent, used = [], []

    def in_process(self, jobs):
        sent.extend(jobs)
        return project._summarize_each(jobs)

    real_summarize = project._Project._summarize

    def spy(self, relative, needles):
        if (self.files[relative], needles) in self.prefetched:
            used.append(relative)
        return real_summarize(self, relative, needles)

    monkeypatch.setattr(project._Project, "_in_workers", in_process)
    monkeypatch.setattr(project._Project, "_summarize", spy)
    assert [_facts(root) for root in roots] == plain
    assert sent and used  # the prefetched summaries were made, then taken


def _built_without_the_early_answer(root: Path) -> dict:
    sources = {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*.py"))}
    files = {r: project._content_digest(d) for r, d in sources.items()}
    return project.build_facts(root, files, cat.default_catalog(), {}, "k", dict(sources)).to_json()


def test_holding_gives_the_plain_facts(tmp_path, monkeypatch):
    """`holding` (one search of every file's bytes) gives what the plain file list gives. A
    cold project_facts never asks it (the files that call a catalogued name are found as
    they are read), so build_facts runs as a build without that early answer does."""
    roots = _roots(tmp_path)
    asked = []
    real = project._Project.holding
    monkeypatch.setattr(project._Project, "holding", lambda self, needles: asked.append(needles) or real(self, needles))
    cheap = [_built_without_the_early_answer(root) for root in roots]
    assert asked  # the buffer search really ran
    monkeypatch.setattr(project._Project, "holding", lambda self, needles: set(self.files))
    assert [_built_without_the_early_answer(root) for root in roots] == cheap
    assert any(facts["wrappers"] for facts in cheap)
