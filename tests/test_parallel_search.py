"""The project index's name searches over the buffer of every file's bytes, in worker
processes (``_Project.holding`` -> ``_SearchWorkers``): the files they find are those the
serial search finds, and a pool that fails leaves the search to the caller."""

from __future__ import annotations

import os
import random
import signal
from pathlib import Path

import pytest
from conftest import FIXTURES, project_facts_json

from ac_fixer import catalog as cat
from ac_fixer import project, runner
from ac_fixer.project import _holding_slice, _search_ranges, _SourceBuffer

pytestmark = pytest.mark.skipif(not hasattr(os, "fork"), reason="the search workers are forked")

NEEDLES = [
    (b"resize",), (b"ab",), (b"abc",), (b"zz",), (b"x",), (b"resize", b"ab"), (b"abc", b"ab", b"x"),
    (b"Up",), (b"resize", b"zz", b"resize"),
]


def _buffer(seed: int = 0) -> _SourceBuffer:
    """Files with the needles at their starts and ends, repeated, absent, in every range."""
    rng = random.Random(seed)
    words = [b"ab", b"abc", b"x", b"resize", b" ", b"\n", b"Up", b"y", b"re", b"size"]
    texts = [b"", b"resize", b"resize resize", b"abc", b"x", b"size\nre", b"zzz"[:1]]
    texts += [b"".join(rng.choice(words) for _ in range(rng.randrange(0, 60))) for _ in range(120)]
    texts += [b"y" * 5000, b"resize" + b"y" * 3000 + b"ab", b"\n" * 100 + b"x"]
    rng.shuffle(texts)
    buffer = _SourceBuffer()
    for index, text in enumerate(texts):
        buffer.add(f"pkg/m{index:03}.py", text)
    buffer.close()
    return buffer


def _project(tmp_path: Path, buffer: _SourceBuffer) -> project._Project:
    files = {relative: "d" for relative in buffer.order}
    made = project._Project(tmp_path, files, cat.default_catalog(), {}, {})
    made.use_buffer(buffer)
    return made


@pytest.fixture
def parallel(monkeypatch):
    """The searches in two worker processes, whatever the buffer's size and the CPUs."""
    monkeypatch.setattr(project, "PARALLEL_SEARCH_BYTES", 1)
    monkeypatch.setattr(runner, "worker_count", lambda jobs: 2)


def _serial(buffer: _SourceBuffer, needles: tuple) -> list:
    return sorted(_holding_slice(buffer.blob, buffer.starts, needles))


def test_the_ranges_cover_the_files_in_order():
    starts = _buffer().starts
    for count in (1, 2, 3, 8, 500):
        ranges = _search_ranges(starts, count)
        assert 1 <= len(ranges) <= count
        assert ranges[0][0] == 0 and ranges[-1][1] == len(starts) - 1
        assert all(first < stop for first, stop in ranges)
        assert all(a[1] == b[0] for a, b in zip(ranges, ranges[1:]))
    # About equal bytes: no range holds much more than its share plus one file.
    ranges = _search_ranges(starts, 8)
    largest = max(b - a for a, b in zip(starts, starts[1:]))
    assert max(starts[stop] - starts[first] for first, stop in ranges) <= starts[-1] / 8 + largest


def test_the_workers_find_what_the_serial_search_finds(tmp_path, parallel, monkeypatch):
    buffer = _buffer()
    expected = {needles: _serial(buffer, needles) for needles in NEEDLES}
    assert expected[(b"zz",)] == [] and len(expected[(b"resize",)]) > 10
    searched = _project(tmp_path, buffer)

    def no_serial(*arguments):
        raise AssertionError("searched in this process")

    monkeypatch.setattr(project, "_holding_slice", no_serial)
    try:
        for needles in NEEDLES:
            assert searched.holding(needles) == {buffer.order[i] for i in expected[needles]}, needles
            # The same indices, each as often (once per needle a file holds).
            assert sorted(searched._searchers.holding(needles)) == expected[needles], needles
        workers = searched._searchers
        assert workers.pool is not None and not workers.failed and len(workers.ranges) >= 4
        assert project._SEARCHED is None  # unset once the workers were forked
    finally:
        searched.close()
    assert searched._searchers.pool is None


@pytest.mark.parametrize("seed", range(3))
def test_the_workers_find_what_the_serial_search_finds_on_other_buffers(tmp_path, parallel, seed):
    buffer = _buffer(seed + 1)
    searched = _project(tmp_path, buffer)
    try:
        for needles in NEEDLES:
            assert sorted(searched._holding_in_workers(needles)) == _serial(buffer, needles), needles
    finally:
        searched.close()


def test_a_worker_that_died_leaves_the_search_to_the_caller(tmp_path, parallel):
    buffer = _buffer()
    searched = _project(tmp_path, buffer)
    try:
        assert searched.holding((b"resize",)) == {buffer.order[i] for i in _serial(buffer, (b"resize",))}
        workers = searched._searchers
        assert workers.pool is not None
        for pid in list(workers.pool._processes):
            os.kill(pid, signal.SIGKILL)
        for needles in NEEDLES:
            assert searched.holding(needles) == {buffer.order[i] for i in _serial(buffer, needles)}, needles
        assert workers.failed and workers.pool is None
    finally:
        searched.close()


@pytest.mark.parametrize("fault", ["map", "fork"])
def test_a_pool_that_fails_leaves_the_search_to_the_caller(tmp_path, parallel, monkeypatch, fault):
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    def fails(*arguments, **keywords):
        raise OSError("no pool")

    monkeypatch.setattr(*((ProcessPoolExecutor, "map", fails) if fault == "map" else (multiprocessing, "get_context", fails)))
    buffer = _buffer()
    searched = _project(tmp_path, buffer)
    try:
        for needles in NEEDLES:
            assert searched.holding(needles) == {buffer.order[i] for i in _serial(buffer, needles)}, needles
        assert searched._searchers.failed and searched._searchers.pool is None
        assert project._SEARCHED is None
    finally:
        searched.close()


def test_a_worker_that_holds_another_buffer_refuses_the_task():
    project._SEARCHED = None
    with pytest.raises(RuntimeError):
        project._holding_searched(((b"x",), 0, 1, 10))
    buffer = _buffer()
    project._SEARCHED = (buffer.blob, buffer.starts)
    try:
        with pytest.raises(RuntimeError):
            project._holding_searched(((b"x",), 0, 1, len(buffer.blob) + 1))
        assert project._holding_searched(((b"x",), 0, len(buffer.order), len(buffer.blob))) \
            == project._holding_range(buffer.blob, buffer.starts, (b"x",), 0, len(buffer.order))
    finally:
        project._SEARCHED = None


def test_one_cpu_or_a_small_buffer_searches_here(tmp_path, monkeypatch):
    buffer = _buffer()
    monkeypatch.setattr(runner, "worker_count", lambda jobs: 1)
    monkeypatch.setattr(project, "PARALLEL_SEARCH_BYTES", 1)
    searched = _project(tmp_path, buffer)
    assert searched.holding((b"ab",)) == {buffer.order[i] for i in _serial(buffer, (b"ab",))}
    assert searched._searchers.failed and searched._searchers.pool is None
    monkeypatch.setattr(runner, "worker_count", lambda jobs: 2)
    monkeypatch.setattr(project, "PARALLEL_SEARCH_BYTES", len(buffer.blob) + 1)
    searched = _project(tmp_path, buffer)
    assert searched.holding((b"ab",)) == {buffer.order[i] for i in _serial(buffer, (b"ab",))}
    assert searched._searchers is None


def test_the_facts_are_the_same_with_the_searches_in_workers(tmp_path, monkeypatch):
    roots = [*sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir() and "." not in p.name),
             FIXTURES / "walkthrough" / "mmsegmentation"]
    serial = {root: project_facts_json(root) for root in roots}
    searches = []
    holding = project._SearchWorkers.holding

    def spy(self, needles):
        found = holding(self, needles)
        searches.append(found is not None)
        return found

    monkeypatch.setattr(project._SearchWorkers, "holding", spy)
    monkeypatch.setattr(project, "PARALLEL_SEARCH_BYTES", 1)
    monkeypatch.setattr(runner, "worker_count", lambda jobs: 2)
    for root in roots:
        assert project_facts_json(root) == serial[root], root
    assert searches and all(searches)  # the workers did search
