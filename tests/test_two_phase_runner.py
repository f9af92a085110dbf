"""The runner's two phases (issue 17): workers read and screen without LibCST, the files the
screens leave undecided are analyzed after. Same findings as one process, file by file."""
from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

import pytest

from ac_fixer import runner
from ac_fixer.api import Settings, check_screened, check_source, screen_for_check
from ac_fixer.files import SourceFile

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"


def _fixture_sources() -> list:
    return sorted(p for p in FIXTURES.glob("*.py") if not p.name.endswith(".fixed.py"))


def _key(findings) -> list:
    return [(f.line, f.column, f.end_line, f.end_column, f.code, f.message, f.fixable, f.unsafe) for f in findings]


@pytest.mark.parametrize("path", _fixture_sources(), ids=lambda p: p.name)
def test_the_screened_source_sent_to_another_process_gives_the_same_findings(path):
    """What the first phase sends (pickled) gives check_source's findings, positions included."""
    source = path.read_bytes()
    settings = Settings()
    try:
        expected = check_source(source, path.name, settings)
    except Exception as error:  # noqa: BLE001 -- the screen must raise the same
        with pytest.raises(type(error)):
            screen_for_check(source, path.name, settings)
        return
    screened = screen_for_check(source, path.name, settings)
    if screened is None:
        assert expected == []
        return
    sent = pickle.loads(pickle.dumps(screened))
    assert _key(check_screened(sent, path.name, settings)) == _key(expected)


def test_the_portable_calls_are_small():
    """A call's stand-in holds its span and callee name, not its arguments' subtrees."""
    source = b"import torch.nn.functional as F\n" + b"y = F.interpolate(x, size=[" + b", ".join(
        str(i).encode() for i in range(2000)) + b"], mode='bilinear')\n"
    screened = screen_for_check(source, "big.py", Settings())
    assert screened is not None and screened.ast_calls is not None
    assert len(pickle.dumps(screened.ast_calls)) < 1000


def _tree(tmp_path: Path, n: int) -> list:
    """Files of every kind: findings, clean, a syntax error, one the screen proves clean."""
    items = []
    bodies = [
        b"import torch.nn.functional as F\ny = F.interpolate(x, mode='bilinear')\n",
        b"import torch.nn.functional as F\ny = F.interpolate(x, mode='nearest')\n",
        b"print('no torch here')\n",
        b"import torch.nn.functional as F\ndef f(:\n    F.interpolate(x, mode='bilinear')\n",
        b"import torch.nn.functional as F\n\n\ndef g(x, mode):\n    return F.interpolate(x, mode=mode)\n",
        b"import torch.nn as nn\nclass M(nn.Module):\n    up = nn.Upsample(scale_factor=2, mode='bicubic')\n",
    ]
    for i in range(n):
        path = tmp_path / f"m{i:02}.py"
        path.write_bytes(bodies[i % len(bodies)])
        items.append(SourceFile(str(path), path, explicit=True))
    return items


def _outcomes(result) -> list:
    return [(o.item.display, o.error, _key(o.findings)) for o in result.outcomes]


@pytest.mark.parametrize("second_phase_in_workers", [False, True])
@pytest.mark.parametrize("fix", [False, True])
def test_two_phases_in_workers_give_what_one_process_gives(tmp_path, monkeypatch, fix, second_phase_in_workers):
    if second_phase_in_workers:  # else a tree this small is analyzed in this process
        monkeypatch.setattr(runner, "MIN_BYTES_FOR_ANALYSIS_WORKERS", 0)
    # Two workers whatever CPUs this machine lets the tests use (with one, --jobs 2 would
    # take the one-process path too, and the test would compare that path with itself).
    monkeypatch.setattr(runner, "worker_count", lambda jobs: max(1, jobs))
    pools = []
    real = runner._run_in_workers
    monkeypatch.setattr(runner, "_run_in_workers", lambda *a, **k: pools.append(1) or real(*a, **k))
    items = _tree(tmp_path, 3 * runner.MIN_FILES_FOR_WORKERS)
    one = runner.run(items, Settings(), fix=fix, jobs=1, use_cache=False)
    assert pools == []
    two = runner.run(items, Settings(), fix=fix, jobs=2, use_cache=False)
    assert len(pools) == (2 if second_phase_in_workers else 1)  # the worker phases really ran
    assert _outcomes(two) == _outcomes(one)
    assert [o.new_source for o in two.outcomes] == [o.new_source for o in one.outcomes]
    assert any(o.error for o in one.outcomes) and any(o.findings for o in one.outcomes)


def test_the_second_phase_gets_only_the_undecided_files(tmp_path, monkeypatch):
    items = _tree(tmp_path, 2 * runner.MIN_FILES_FOR_WORKERS)
    seen = []
    monkeypatch.setattr(runner, "_analyze_undecided", lambda undecided, *args: seen.extend(undecided))
    monkeypatch.setattr(runner, "worker_count", lambda jobs: 2)
    runner.run(items, Settings(), jobs=2, use_cache=False)
    names = sorted(entry[1].path.name for entry in seen)
    # Findings (0, 4: a mode from a parameter, 5) only; not the clean ones nor the error.
    assert names == sorted(i.path.name for n, i in enumerate(items) if n % 6 in (0, 4, 5))


def test_the_second_phase_spreads_its_files_over_the_workers():
    sized = [(100, ("a",))] + [(10, (str(i),)) for i in range(9)]
    batches = runner._batches(sized, 60)
    assert batches[0] == [("a",)] and len(batches) > 2
    assert [entry for batch in batches for entry in batch] == [entry for _, entry in sized]


def test_the_screening_workers_never_import_libcst(tmp_path):
    """The first phase reads and screens a file that needs the analysis without LibCST."""
    path = tmp_path / "a.py"
    path.write_bytes(b"import torch.nn.functional as F\n\ndef f(x, mode):\n    return F.interpolate(x, mode=mode)\n")
    code = (
        "import sys\n"
        "from pathlib import Path\n"
        "from ac_fixer import runner\n"
        "from ac_fixer.api import Settings\n"
        "from ac_fixer.files import SourceFile\n"
        f"p = Path({str(path)!r})\n"
        "result = runner._screen_batch(([(0, SourceFile(str(p), p, explicit=True), None)], Settings(), False, False,"
        " False))\n"
        "print(type(result[0][4]).__name__, 'libcst' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.split() == ["ScreenedSource", "False"], done.stderr


def test_a_pool_that_replaces_a_broken_one_forks_after_before_fork(monkeypatch):
    """The first phase starts LibCST's import in a thread; a replacement pool (the first one
    broke) must not fork while it runs: before_fork (the import's join) comes first."""
    from concurrent.futures import Future

    broken = runner.BrokenProcessPool
    events = []

    class Pool:
        made = 0

        def __init__(self, max_workers, mp_context=None):
            Pool.made += 1
            self.number = Pool.made
            events.append(f"pool {self.number}")

        def submit(self, function, task):
            if self.number == 1:
                raise broken()
            future = Future()
            future.set_result(function(task))
            return future

        def shutdown(self, wait=True):
            pass

    monkeypatch.setattr(runner, "ProcessPoolExecutor", Pool)
    results = []
    runner._run_in_workers([([(0, "item")],)], 2, lambda *result: results.append(result),
                           function=lambda task: [(0, "done")], before_fork=lambda: events.append("before fork"))
    assert events == ["pool 1", "before fork", "pool 2"] and results == [(0, "done")]


def test_the_largest_first_order_reads_the_sizes_the_facts_stat_took(tmp_path, monkeypatch):
    """The early screen orders the files by size from the os.stat the project's facts took
    of each (9,075 stats fewer on the benchmark corpus); a file they did not stat is asked."""
    import os as os_module

    from ac_fixer.files import discover

    (tmp_path / "a.py").write_text("x = 1\n")
    (tmp_path / "b.py").write_text("y = 2222\n")
    items = discover([str(tmp_path)], (), tmp_path)[0]
    by_name = {item.path.name: item for item in items}
    taken = {by_name["a.py"].abspath: os_module.stat_result((0o100644, 0, 0, 1, 0, 0, 5000, 0, 0, 0))}
    asked = []
    real_stat = os_module.stat
    monkeypatch.setattr(runner.os, "stat", lambda path, *a, **k: asked.append(str(path)) or real_stat(path, *a, **k))
    assert runner._size_of((0, by_name["a.py"], None), taken) == 5000
    assert asked == []
    assert runner._size_of((1, by_name["b.py"], None), taken) == 9
    assert len(asked) == 1
