"""A run that builds a project's facts whole screens its files while the facts' last steps
run (runner._EarlyScreen, issue 13's cold run): the same outcomes as a run that computes
the facts first, whatever happens to the facts' build or to a worker."""
from __future__ import annotations

import os
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from ac_fixer import project, runner
from ac_fixer.api import Settings
from ac_fixer.files import SourceFile, discover
from ac_fixer.project import DeferredFacts, with_project

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "projects"


def _project(tmp_path: Path) -> tuple:
    """The wrappers fixture project with a few more files: a wrapper's calls, a mode from a
    parameter, clean files, a syntax error, a crash trigger (see _crashing_screen)."""
    root = tmp_path / "project"
    shutil.copytree(FIXTURES / "wrappers", root)
    extra = root / "mmlite" / "extra"
    extra.mkdir()
    (extra / "__init__.py").write_text("")
    bodies = [
        "import torch.nn.functional as F\n\n\ndef g(x, mode):\n    return F.interpolate(x, mode=mode)\n\n\n"
        "def h(x):\n    return g(x, 'bilinear')\n",
        "from mmlite.ops import resize\n\n\ndef k(x):\n    return resize(x, scale_factor=2, mode='bicubic')\n",
        "import torch.nn.functional as F\ny = F.interpolate(x, mode='nearest')\n",
        "print('no torch here')\n",
        "import torch.nn.functional as F\ndef f(:\n    F.interpolate(x, mode='bilinear')\n",
    ]
    for number in range(3 * len(bodies)):
        (extra / f"m{number:02}.py").write_text(bodies[number % len(bodies)])
    items = discover([str(root)], (), root)[0]
    return root, items


def _key(findings) -> list:
    return [(f.line, f.column, f.code, f.message, f.fixable, f.unsafe) for f in findings]


def _outcomes(result) -> list:
    return [(o.item.display, o.error, _key(o.findings), o.new_source) for o in result.outcomes]


def _deferred(root: Path, items: list, cache_dir=None) -> Settings:
    return replace(Settings(), project=DeferredFacts(root, (), root, cache_dir, named=[i.filename for i in items]))


def _facts_first(root: Path, items: list) -> list:
    """The outcomes of a run in one process that computes the facts before it screens."""
    facts = with_project(Settings(), root, (), root, None, named=[i.filename for i in items])
    return _outcomes(runner.run(items, facts, jobs=1, use_cache=False))


def _first_calls(monkeypatch) -> dict:
    """Counts the early screens whose workers got the files, and those whose rows were used."""
    seen = {"pools": 0, "rows": 0}
    start, rows = runner._EarlyScreen.start, runner._EarlyScreen.rows

    def counted_start(self, *arguments):
        start(self, *arguments)
        seen["pools"] += self.started

    def counted_rows(self, settings, before_fork):
        found = rows(self, settings, before_fork)
        seen["rows"] += found is not None
        return found

    monkeypatch.setattr(runner._EarlyScreen, "start", counted_start)
    monkeypatch.setattr(runner._EarlyScreen, "rows", counted_rows)
    return seen


@pytest.mark.parametrize("fix, replacements", [(False, False), (True, False), (False, True)])
def test_files_screened_early_give_what_a_run_after_the_facts_gives(tmp_path, monkeypatch, fix, replacements):
    root, items = _project(tmp_path)
    seen = _first_calls(monkeypatch)
    early = runner.run(items, _deferred(root, items), fix=fix, jobs=2, use_cache=False, replacements=replacements)
    assert seen == {"pools": 1, "rows": 1}
    facts = with_project(Settings(), root, (), root, None, named=[i.filename for i in items])
    after = runner.run(items, facts, fix=fix, jobs=1, use_cache=False, replacements=replacements)
    assert _outcomes(early) == _outcomes(after)
    # SARIF's fix regions (computed with the findings, in the workers) are the same too.
    regions = [[f.extra.get("replacement") for f in o.findings] for o in early.outcomes]
    assert regions == [[f.extra.get("replacement") for f in o.findings] for o in after.outcomes]
    assert any(r for file in regions for r in file) == replacements
    assert early.settings.extra_targets == facts.extra_targets and early.settings.project is not None
    functions = {f.function for f in early.findings + early.applied}
    assert "mmlite.ops.wrappers.resize" in functions  # a wrapper's call: the early screen knew it
    assert any(o.error for o in early.outcomes)


@pytest.mark.parametrize("step, seen_then", [
    ("_infer_wrappers", {"pools": 0, "rows": 0}),  # before the targets: nothing handed out
    ("_collect_evidence", {"pools": 1, "rows": 0}),  # after: what was screened is not used
])
def test_a_failed_facts_build_leaves_the_usual_run(tmp_path, monkeypatch, capsys, step, seen_then):
    """The facts' build fails: the run goes on without them (the analysis is skipped with a
    warning), and nothing the early screen may have done with their targets is used."""
    root, items = _project(tmp_path)
    seen = _first_calls(monkeypatch)

    def fail(*args):
        raise ValueError(f"{step} failed")

    monkeypatch.setattr(project, step, fail)
    result = runner.run(items, _deferred(root, items), jobs=2, use_cache=False)
    assert seen == seen_then
    assert "project-wide analysis skipped" in capsys.readouterr().err
    assert result.settings.project is None and result.settings.extra_targets == ()
    alone = runner.run(items, Settings(), jobs=1, use_cache=False)
    assert _outcomes(result) == _outcomes(alone)


def _crashing_screen(task) -> list:
    """The first phase's work, except that a worker holding `m07.py` dies."""
    if any(item.path.name == "m07.py" for _, item, _ in task[0]):
        os._exit(3)
    return runner.__dict__["_real_screen_batch"](task)


def test_a_worker_that_dies_costs_its_files_only(tmp_path, monkeypatch):
    root, items = _project(tmp_path)
    seen = _first_calls(monkeypatch)
    monkeypatch.setitem(runner.__dict__, "_real_screen_batch", runner._screen_batch)
    monkeypatch.setattr(runner, "_screen_batch", _crashing_screen)
    monkeypatch.setattr(runner, "BATCH", 1)  # the files screened again go one per task
    result = runner.run(items, _deferred(root, items), jobs=2, use_cache=False)
    assert seen == {"pools": 1, "rows": 1}
    crashed = {o.item.display for o in result.outcomes if o.error and "worker process died" in o.error}
    # The file, and at most the others in flight with it when its worker died (one per task).
    assert any(name.endswith("m07.py") for name in crashed) and len(crashed) <= 2 * 2 + 1 < len(items) // 2
    monkeypatch.setattr(runner, "_screen_batch", runner.__dict__["_real_screen_batch"])
    facts = with_project(Settings(), root, (), root, None, named=[i.filename for i in items])
    after = runner.run(items, facts, jobs=1, use_cache=False)
    assert [o for o in _outcomes(result) if o[0] not in crashed] == [o for o in _outcomes(after) if o[0] not in crashed]


def test_facts_from_the_cache_or_updated_start_no_early_screen(tmp_path, monkeypatch):
    root, items = _project(tmp_path)
    seen = _first_calls(monkeypatch)
    cold = runner.run(items, _deferred(root, items, tmp_path / "cache"), jobs=2, use_cache=False)
    assert seen == {"pools": 1, "rows": 1}
    warm = runner.run(items, _deferred(root, items, tmp_path / "cache"), jobs=2, use_cache=False)
    assert seen == {"pools": 1, "rows": 1}  # the facts came from the cache: nothing early
    assert _outcomes(warm) == _outcomes(cold)
    # One file changed: the facts are updated from the previous run's, and the run's cached
    # findings stand for the other files (an early screen would read them all).
    edited = root / "mmlite" / "extra" / "m02.py"
    edited.write_text(edited.read_text() + "z = 1\n")
    runner.run(items, _deferred(root, items, tmp_path / "cache"), jobs=2, use_cache=False)
    assert seen == {"pools": 1, "rows": 1}


def test_a_run_in_one_process_screens_nothing_early(tmp_path, monkeypatch):
    root, items = _project(tmp_path)
    seen = _first_calls(monkeypatch)
    result = runner.run(items, _deferred(root, items), jobs=1, use_cache=False)
    assert seen == {"pools": 0, "rows": 0}
    assert "mmlite.ops.wrappers.resize" in {f.function for f in result.findings}


def test_stdin_resolves_the_deferred_facts(tmp_path, monkeypatch):
    """`check -` with the project analysis on: the facts are computed for the one source."""
    root, _ = _project(tmp_path)
    source = (root / "mmlite" / "extra" / "m01.py").read_bytes()
    item = SourceFile("-", root / "mmlite" / "extra" / "m01.py", explicit=True)
    outcome = runner.check_bytes(item, source, _deferred(root, [item]))
    assert [f.function for f in outcome.findings] == ["mmlite.ops.wrappers.resize"]


def test_the_command_line_reports_the_same_with_and_without_the_early_screen(tmp_path, monkeypatch):
    """`check --project-analysis --jobs 2` (files screened early) and `--jobs 1` print the same."""
    import json

    from click.testing import CliRunner

    from ac_fixer.cli import main

    root, _ = _project(tmp_path)
    monkeypatch.chdir(root)
    seen = _first_calls(monkeypatch)
    outputs = []
    for jobs in ("2", "1"):
        result = CliRunner().invoke(main, ["check", "--project-analysis", "--no-cache", "--jobs", jobs,
                                           "--output-format", "json", "."])
        assert result.exit_code == 2, result.output  # findings, and a file that does not parse
        outputs.append(json.loads(result.stdout))
    assert seen == {"pools": 1, "rows": 1}
    assert outputs[0] == outputs[1]
    assert any(f["function"] == "mmlite.ops.wrappers.resize" for f in outputs[0])


def test_the_early_workers_start_before_the_project_is_read(tmp_path, monkeypatch):
    """Forked before the facts' build reads the sources, they do not hold its bytes."""
    root, items = _project(tmp_path)
    events = []
    prepare, read = runner._EarlyScreen.prepare, project.read_regular

    def recorded_prepare(self):
        prepare(self)
        events.append(("prepare", self.pool is not None))

    monkeypatch.setattr(runner._EarlyScreen, "prepare", recorded_prepare)
    monkeypatch.setattr(project, "read_regular", lambda *a, **k: events.append(("read", None)) or read(*a, **k))
    runner.run(items, _deferred(root, items), jobs=2, use_cache=False)
    assert events[0] == ("prepare", True) and ("read", None) in events


def _revisions(monkeypatch) -> list:
    """Each early screen's files to screen again, as revise left them."""
    found = []
    revise = runner._EarlyScreen.revise

    def recorded(self, *args):
        revise(self, *args)
        found.append(set(self.again))

    monkeypatch.setattr(runner._EarlyScreen, "revise", recorded)
    return found


def test_re_exports_under_the_same_last_name_screen_no_file_again(tmp_path, monkeypatch):
    """Every re-export keeps the wrapper's last name (`from mmlite.ops import resize`): the
    screens read last names only, so the rows of the wrappers' targets stand for the facts'."""
    root, items = _project(tmp_path)
    head = root / "mmlite" / "models" / "head.py"
    head.write_text(head.read_text().replace("from mmlite import resize as rs\n", "").replace("rs(x", "resize(x"))
    seen, again = _first_calls(monkeypatch), _revisions(monkeypatch)
    early = runner.run(items, _deferred(root, items), jobs=2, use_cache=False)
    assert seen == {"pools": 1, "rows": 1} and again == [set()]
    assert "mmlite.models.head.resize" in early.settings.extra_targets[1].aliases


def test_a_re_export_under_another_name_screens_the_files_that_hold_it_again(tmp_path, monkeypatch):
    """`from mmlite import resize as rs` in head.py makes `mmlite.models.head.rs` a name of
    the wrapper, with a last name its own target did not have: the project's files whose
    bytes hold `rs` are screened again with the facts' targets. One of them calls `rs`
    imported from head.py, which no screen with the wrapper's own target watches."""
    root, items = _project(tmp_path)
    user = root / "mmlite" / "extra" / "user.py"
    user.write_text("from mmlite.models.head import rs\n\n\ndef k(x):\n    return rs(x, scale_factor=2, mode='bilinear')\n")
    items = discover([str(root)], (), root)[0]
    seen, again = _first_calls(monkeypatch), _revisions(monkeypatch)
    early = runner.run(items, _deferred(root, items), jobs=2, use_cache=False)
    assert seen == {"pools": 1, "rows": 1}
    assert again == [{str(path) for path in root.rglob("*.py") if b"rs" in path.read_bytes()}]
    assert str(user) in again[0] and len(again[0]) < len(items)
    facts = with_project(Settings(), root, (), root, None, named=[i.filename for i in items])
    after = runner.run(items, facts, jobs=1, use_cache=False)
    assert _outcomes(early) == _outcomes(after)
    assert [(f.line, f.code) for o in early.outcomes if o.item.path == user for f in o.findings] == [(5, "ACF001")]


def test_the_names_screened_otherwise_are_the_last_names_whose_targets_differ():
    from ac_fixer.catalog import default_catalog

    interpolate = default_catalog().lookup("torch.nn.functional.interpolate")
    wrapper = replace(interpolate, name="pkg.ops.interpolate", origin="inferred", reaches=interpolate.name)
    other = replace(wrapper, name="pkg.ops.resize")
    differs = runner._names_screened_otherwise
    assert differs((wrapper,), (wrapper,)) == set()
    # Another name with the same last name, or a wrapper listed twice: the same sets.
    assert differs((wrapper,), (replace(wrapper, aliases=("pkg.interpolate",)),)) == set()
    assert differs((wrapper,), (wrapper, wrapper)) == set()
    assert differs((wrapper,), (replace(wrapper, aliases=("pkg.up",)),)) == {"up"}
    assert differs((wrapper,), (wrapper, other)) == {"resize"}
    assert differs((wrapper,), (replace(wrapper, flag_param=None),)) == {"interpolate"}
    assert differs((), (wrapper,)) == {"interpolate"}


def test_a_re_export_under_a_name_not_in_ascii_leaves_the_usual_run(tmp_path, monkeypatch):
    """A last name not in ASCII changes how every file is screened (the screen by groups
    gives up on any file): the early rows are not used (here a syntax error outside the
    trigger groups of a file would go unnamed)."""
    root, _ = _project(tmp_path)
    init = root / "mmlite" / "__init__.py"
    init.write_text(init.read_text() + "from .ops import resize as größe\n", encoding="utf-8")
    (root / "mmlite" / "extra" / "zz.py").write_text(
        "import torch.nn.functional as F\n\n\ndef broken():\n    x = = 1\n\n\ny = F.interpolate(x, mode='nearest')\n")
    items = discover([str(root)], (), root)[0]
    seen = _first_calls(monkeypatch)
    early = runner.run(items, _deferred(root, items), jobs=2, use_cache=False)
    assert seen == {"pools": 1, "rows": 0}
    facts = with_project(Settings(), root, (), root, None, named=[i.filename for i in items])
    assert any("mmlite.größe" in target.aliases for target in facts.extra_targets)
    after = runner.run(items, facts, jobs=1, use_cache=False)
    assert _outcomes(early) == _outcomes(after)
    assert any(o.item.path.name == "zz.py" and o.error for o in early.outcomes)


def _decided(monkeypatch) -> list:
    """Each early screen's files decided from the bytes the facts' build read, as start left
    them (absolute paths)."""
    found = []
    start = runner._EarlyScreen.start

    def recorded(self, *args):
        start(self, *args)
        found.append({self.items[row[0]].abspath for row in self.decided})

    monkeypatch.setattr(runner._EarlyScreen, "start", recorded)
    return found


def test_files_without_a_needle_are_decided_from_the_bytes_the_facts_read(tmp_path, monkeypatch):
    """A project file that holds none of the byte pre-filter's needles (the wrappers' names
    among them) is decided from the bytes the facts' build read: no worker reads it again,
    and its row is the one the first phase makes, an unreadable file's reason included.
    A file whose declared encoding may spell names otherwise, or that names a wrapper or a
    catalogued API, is screened by the workers."""
    root, items = _project(tmp_path)
    extra = root / "mmlite" / "extra"
    (extra / "latin.py").write_bytes(b"# caf\xc3\xa9\nx = 1\n")  # not ASCII, readable
    (extra / "broken.py").write_bytes(b"x = '\xff\xfe'\n")  # not UTF-8: named unreadable
    (extra / "nul.py").write_bytes(b"x = 1\0\n")  # a NUL byte: named unreadable
    (extra / "seven.py").write_bytes(b"# -*- coding: utf-7 -*-\nx = 1\n")  # may spell names otherwise
    (extra / "calls.py").write_text("from mmlite.ops import resize\ny = resize(x, scale_factor=2, mode='bilinear')\n")
    items = discover([str(root)], (), root)[0]
    decided = _decided(monkeypatch)
    screened_by_workers = []
    screen_file = runner.screen_file

    def recorded(item, *args, **kwargs):  # runs in the forked workers: reported through a file
        with open(tmp_path / "screened.txt", "a") as log:
            log.write(item.abspath + "\n")
        return screen_file(item, *args, **kwargs)

    monkeypatch.setattr(runner, "screen_file", recorded)
    early = runner.run(items, _deferred(root, items), jobs=2, use_cache=False)
    screened_by_workers = set((tmp_path / "screened.txt").read_text().split())
    names = {Path(path).name for path in decided[0]}
    assert {"latin.py", "broken.py", "nul.py", "__init__.py"} <= names
    assert not names & {"seven.py", "calls.py", "head.py", "wrappers.py"}
    assert not decided[0] & screened_by_workers and len(decided[0]) + len(screened_by_workers) == len(items)
    facts = with_project(Settings(), root, (), root, None, named=[i.filename for i in items])
    after = runner.run(items, facts, jobs=1, use_cache=False)
    assert _outcomes(early) == _outcomes(after)
    errors = {o.item.path.name: o.error for o in early.outcomes if o.error}
    assert "broken.py" in errors and "null bytes" in errors["nul.py"]
    assert [(f.line, f.code) for o in early.outcomes if o.item.path.name == "calls.py" for f in o.findings] == [
        (2, "ACF001")]


def test_the_files_holding_needles_known_without_a_search_are_those_a_search_finds(monkeypatch):
    """``_Project.holding`` answers from what the cold build learned as it read the files
    (the files holding a catalogued name) and from the name searches made before (see
    holding_one, containing): on every fixture project, for every needle set the early
    screen asks, the files a search of every file's bytes finds."""
    from ac_fixer.bytesearch import files_holding
    from ac_fixer.project import _Project

    roots = [*sorted(p for p in (FIXTURES).iterdir() if p.is_dir() and "." not in p.name),
             FIXTURES.parent / "walkthrough" / "mmsegmentation"]
    holding = _Project.holding
    asked = []

    def compared(self, needles):
        found = holding(self, needles)
        if self._blob is None:
            self._gather()
        searched = {self._order[i] for i in files_holding(self._blob, self._starts, tuple(needles))}
        asked.append((found == searched, bool(self.holding_one), len(self.containing)))
        return found

    monkeypatch.setattr(_Project, "holding", compared)
    monkeypatch.setattr(runner, "MIN_FILES_FOR_WORKERS", 1)  # an early screen for every project
    for root in roots:
        items = discover([str(root)], (), root)[0]
        runner.run(items, _deferred(root, items), jobs=2, use_cache=False)
    assert len(asked) >= len(roots) and all(same for same, _, _ in asked)
    assert all(seeded for _, seeded, _ in asked) and any(searched for _, _, searched in asked)


def test_a_file_named_through_a_symlink_and_dotdot_is_screened_from_what_the_os_opens(tmp_path, monkeypatch):
    """`d/link/../foo.py` has the absolute path (as text) of the project's clean `d/foo.py`,
    but the OS opens `link`'s target's parent's `foo.py`: the early screen never decides it
    from the project's bytes (found in review: the finding was lost)."""
    root = tmp_path / "proj"
    (root / "d").mkdir(parents=True)
    (root / "pyproject.toml").write_text("[tool.ac-fixer]\n")
    for number in range(12):
        (root / f"m{number}.py").write_text("x = 1\n")
    (root / "d" / "foo.py").write_text("x = 1\n")
    (tmp_path / "other" / "sub").mkdir(parents=True)
    (tmp_path / "other" / "foo.py").write_text("import torch.nn.functional as F\ny = F.interpolate(x, mode='bilinear')\n")
    (root / "d" / "link").symlink_to(tmp_path / "other" / "sub")
    monkeypatch.chdir(root)
    paths = [f"m{number}.py" for number in range(12)] + [os.path.join("d", "link", os.pardir, "foo.py")]
    items = discover(paths, (), root)[0]
    early = runner.run(items, _deferred(root, items), jobs=2, use_cache=False)
    facts = with_project(Settings(), root, (), root, None, named=[i.filename for i in items])
    after = runner.run(items, facts, jobs=1, use_cache=False)
    assert _outcomes(early) == _outcomes(after)
    assert [(f.line, f.code) for o in early.outcomes if "link" in o.item.filename for f in o.findings] == [(2, "ACF001")]


def test_a_file_named_dot_py_gets_the_row_the_first_phase_gives(tmp_path, monkeypatch):
    """A file named `.py` (no suffix to SourceFile) is read by the facts (its name ends in
    `.py`) but is not a Python file to the screens: its NUL byte is not reported."""
    root, items = _project(tmp_path)
    (root / ".py").write_bytes(b"x = 1\0\n")
    monkeypatch.chdir(root)
    items = discover([str(path) for path in sorted(root.rglob("*.py")) if path.name != ".py"] + [".py"], (), root)[0]
    decided = _decided(monkeypatch)
    early = runner.run(items, _deferred(root, items), jobs=2, use_cache=False)
    assert any(path.endswith(os.sep + ".py") for path in decided[0])
    facts = with_project(Settings(), root, (), root, None, named=[i.filename for i in items])
    after = runner.run(items, facts, jobs=1, use_cache=False)
    assert _outcomes(early) == _outcomes(after)
    assert [o.error for o in early.outcomes if o.item.filename == ".py"] == [None]


def test_the_index_parses_in_the_early_screens_workers(tmp_path, monkeypatch):
    """A cold build large enough for worker processes of its own parses in the early
    screen's instead (one set of processes: each holds memory of its own), until the
    early screen starts; then in this process, not queued behind the screens. The same
    outcomes."""
    root, items = _project(tmp_path)
    monkeypatch.setattr(project, "EARLY_WORKERS_BYTES", 0)  # "large": the index wants workers
    started, submitted = [], []
    start, submit = project._Workers.start, project._Workers.submit
    monkeypatch.setattr(project._Workers, "start", lambda self, *a, **k: started.append(1) or start(self, *a, **k))

    def recorded_submit(self, function, *arguments):
        future = submit(self, function, *arguments)
        submitted.append((self.lent_while is not None, future is not None))
        return future

    monkeypatch.setattr(project._Workers, "submit", recorded_submit)
    seen = _first_calls(monkeypatch)
    early = runner.run(items, _deferred(root, items), jobs=2, use_cache=False)
    assert seen == {"pools": 1, "rows": 1}
    assert started == [] and submitted and all(lent for lent, _ in submitted)
    assert any(sent for _, sent in submitted)  # the files read were summarized in the workers
    assert _outcomes(early) == _facts_first(root, items)


class _Pool:
    def __init__(self):
        self.calls = []

    def submit(self, function, *arguments):
        self.calls.append("submit")
        return "future"

    def map(self, function, *arguments):
        self.calls.append("map")
        return iter([["done"]])

    def shutdown(self, *arguments, **keywords):
        self.calls.append("shutdown")


def test_lent_workers_are_used_while_lent_and_never_shut_down():
    pool, lent = _Pool(), [True]
    workers = project._Workers().lent(pool, 2, lambda: lent[0])
    assert workers.count == 2 and workers.submit(int) == "future" and workers.map(int, [1]) == [["done"]]
    lent[0] = False  # the owner took them back: the caller does the work itself
    assert workers.submit(int) is None and workers.map(int, [1]) is None and not workers.failed
    workers.close()
    assert pool.calls == ["submit", "map"] and workers.pool is None


@pytest.mark.parametrize("abandoned", [False, True])
def test_workers_are_not_lent_once_the_screens_start_or_the_early_screen_is_abandoned(tmp_path, monkeypatch, abandoned):
    """Once the early screen has handed out its files, or was abandoned while the facts are
    built (a re-export under a name not in ASCII: its pool is shut down), the index does
    not use its pool: its later work is done in this process, without trying the pool
    (not queued behind the screens, no error from a pool shut down), and the outcomes are
    those of a run that builds the facts first."""
    root, items = _project(tmp_path)
    after = _facts_first(root, items)
    monkeypatch.setattr(project, "EARLY_WORKERS_BYTES", 0)
    if abandoned:
        monkeypatch.setattr(runner, "_names_screened_otherwise", lambda before, final: {"\u00f1"})  # revise abandons
    seen = {}
    constants = project._collect_constants  # runs after the screens started (and after revise)

    def recorded(built, *arguments):
        seen["lent"] = built.workers.lent_while()
        seen["parsed here"] = built._in_workers([(b"x = 1\n", None)] * 40) is None and not built.workers.failed
        return constants(built, *arguments)

    monkeypatch.setattr(project, "_collect_constants", recorded)
    early = runner.run(items, _deferred(root, items), jobs=2, use_cache=False)
    assert seen == {"lent": False, "parsed here": True}
    assert _outcomes(early) == after


def _dying_summaries(jobs: list, by_short=None) -> list:
    """The index's work on files it reads itself, except that the worker process dies."""
    if os.getpid() != project.__dict__["_parent_pid"]:
        os._exit(5)
    return project.__dict__["_real_summarize_files"](jobs, by_short)


def test_a_worker_of_the_index_that_dies_in_the_lent_pool_costs_only_time(tmp_path, monkeypatch):
    """The index's first task kills its worker in the early screen's pool: the index does
    its work in this process, the early screen gives way to the usual run, no process is
    left behind, and the outcomes are those of a run that builds the facts first."""
    import multiprocessing

    root, items = _project(tmp_path)
    after = _facts_first(root, items)
    monkeypatch.setattr(project, "EARLY_WORKERS_BYTES", 0)
    monkeypatch.setitem(project.__dict__, "_parent_pid", os.getpid())
    monkeypatch.setitem(project.__dict__, "_real_summarize_files", project._summarize_files)
    monkeypatch.setattr(project, "_summarize_files", _dying_summaries)
    early = runner.run(items, _deferred(root, items), jobs=2, use_cache=False)
    assert _outcomes(early) == after
    assert multiprocessing.active_children() == []
