"""Runs the check over many files: pre-filter, cache, worker processes, fixes.

The CLI calls :func:`run`; it returns everything to report and never prints.
Writing the fixed files is left to :func:`write_fixes`, so a runtime check can
sit between computing fixes and writing them.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

from ac_fixer.api import (
    FixResult,
    ScreenedSource,
    Settings,
    SourceError,
    check_screened,
    check_source,
    fix_source,
    screen_for_check,
)
from ac_fixer.fast.prefilter import might_have_findings
from ac_fixer.files import (
    FileError,
    SourceFile,
    read_regular,
    read_source,
    read_source_and_signature,
    write_atomic,
    write_target,
)
from ac_fixer.cache import Cache, content_digest, default_cache_dir
from ac_fixer.findings import Finding

# Below this many files to analyze, worker processes cost more than they save.
MIN_FILES_FOR_WORKERS = 8
# ...and with --jobs 0, below this much source in those files (a small package's cold run).
MIN_BYTES_FOR_WORKERS = 1024 * 1024


@dataclass
class FileOutcome:
    item: SourceFile
    findings: list = field(default_factory=list)  # remaining (not fixed) findings
    applied: list = field(default_factory=list)  # findings whose fix is in new_source
    new_source: Optional[bytes] = None
    old_source: Optional[bytes] = None
    error: Optional[str] = None
    # The remaining findings at their places in new_source (None: as in ``findings``).
    final_findings: Optional[list] = None
    # The findings carry their fixes' replacements already (computed in the worker).
    replacements_added: bool = False

    @property
    def findings_after_fix(self) -> list:
        """The remaining findings where they are once new_source is written (as ruff reports)."""
        return self.findings if self.final_findings is None else self.final_findings


@dataclass
class RunResult:
    outcomes: list
    cache_warning: Optional[str] = None  # why the cache was not used (for one warning)
    settings: Optional[Settings] = None  # what the files were checked with (the project's facts too)

    @property
    def findings(self) -> list:
        return [f for o in self.outcomes for f in o.findings]

    @property
    def applied(self) -> list:
        return [f for o in self.outcomes for f in o.applied]

    @property
    def findings_after_fix(self) -> list:
        return [f for o in self.outcomes for f in o.findings_after_fix]

    @property
    def errors(self) -> list:
        return [(o.item.display, o.error) for o in self.outcomes if o.error]

    @property
    def changed(self) -> list:
        return [o for o in self.outcomes if o.new_source is not None]


# --------------------------------------------------------------------------- one file


def analyze_file(
    item: SourceFile,
    source: bytes,
    settings: Settings,
    fix: bool,
    accept: Optional[Callable[[Finding], bool]] = None,
    replacements: bool = False,
    screened: Optional[ScreenedSource] = None,
) -> FileOutcome:
    """``screened``: what the screens made of ``source`` already (a check only)."""
    settings = settings.for_path(item.path)
    # Fixes (and SARIF's fix regions) follow the project's line length.
    settings = with_project_line_length(settings, item) if fix or replacements else settings
    rewrites = None
    try:
        if replacements and not fix and item.path.suffix == ".py":
            # SARIF: the fixes' exact regions from the same analysis as the findings.
            from ac_fixer.api import check_source_with_rewrites

            findings, rewrites = check_source_with_rewrites(source, item.display, settings)
            result = FixResult(source, [], findings)
        elif item.path.suffix == ".ipynb":
            from ac_fixer.notebooks import fix_notebook

            result = fix_notebook(source, item.display, settings, fix=fix, accept=accept)
        elif fix:
            result = fix_source(source, item.display, settings, accept=accept)
        elif screened is not None:
            result = FixResult(source, [], check_screened(screened, item.display, settings))
        else:
            result = FixResult(source, [], check_source(source, item.display, settings))
    except Exception as error:  # noqa: BLE001 -- see failed_outcome
        return failed_outcome(item, error)
    outcome = FileOutcome(item, findings=result.remaining, applied=result.applied)
    malformed = getattr(result, "malformed_cells", None)  # a notebook's skipped cells
    if malformed:
        from ac_fixer.notebooks import malformed_cells_reason

        outcome.error = malformed_cells_reason(malformed)
    if replacements and not fix and item.path.suffix == ".py":
        _attach_replacements(outcome, source, settings, rewrites)
    if result.applied:
        outcome.new_source = result.source
        outcome.old_source = source
        if result.remaining:
            outcome.final_findings = _findings_in(item, result.source, settings)
            if settings.evidence is not None and outcome.final_findings is not None:
                from ac_fixer.evidence import carry_notes  # the fixed bytes are not what the audit saw

                carry_notes(result.remaining, outcome.final_findings)
    return outcome


def failed_outcome(item: SourceFile, error: Exception) -> FileOutcome:
    """The outcome of a file whose screen or analysis raised ``error``: named, never a
    traceback (a bug of ours must cost one file, never the run)."""
    if isinstance(error, SourceError):
        return FileOutcome(item, error=error.reason)
    if isinstance(error, RecursionError):
        return FileOutcome(item, error="too deeply nested to analyze")
    if isinstance(error, MemoryError):
        return FileOutcome(item, error="too large to analyze: out of memory")
    return FileOutcome(item, error=f"internal error, file skipped: {type(error).__name__}: {error}")


def check_bytes(item: SourceFile, source: bytes, settings: Settings, *, fix: bool = False) -> FileOutcome:
    """One source given as bytes (``check -`` reads it from stdin): screened and analyzed
    as a file's would be (a ``.ipynb`` name as a notebook); never cached, nothing written."""
    if settings.project is not None:
        from ac_fixer.project import resolved

        settings = resolved(settings)  # deferred project facts (see run)
    if not might_have_findings(source, settings):
        return FileOutcome(item)
    return analyze_file(item, source, settings, fix)


def with_project_line_length(settings: Settings, item: SourceFile) -> Settings:
    """``settings`` with the line length of the file's project (see config.find_line_length),
    so that a fix fits the project's own linter; unchanged when it is set or none is found."""
    if settings.line_length is not None or item.path.suffix != ".py":
        return settings
    from dataclasses import replace

    from ac_fixer.config import find_line_length

    try:
        length = find_line_length(item.path)
    except OSError:
        return settings
    return settings if length is None else replace(settings, line_length=length)


def _findings_in(item: SourceFile, fixed: bytes, settings: Settings) -> Optional[list]:
    """The findings of the fixed bytes, at their final places: an edit above (a call that
    gains a line) or before on the same line moves them. None when the check fails."""
    try:
        if item.path.suffix == ".ipynb":
            from ac_fixer.notebooks import fix_notebook

            return fix_notebook(fixed, item.display, settings, fix=False).remaining
        return check_source(fixed, item.display, settings)
    except (SourceError, RecursionError):
        return None


def _attach_replacements(outcome: FileOutcome, source: bytes, settings: Settings, rewrites: Optional[list]) -> None:
    try:
        found = _replacements_from(source, outcome.item.display, settings, outcome.findings, rewrites)
    except (SourceError, RecursionError):
        found = {}
    for finding in outcome.findings:
        replacement = found.get(_site(finding))
        if replacement is not None:
            finding.extra["replacement"] = replacement
    outcome.replacements_added = True


def screen_file(
    item: SourceFile, settings: Settings, fix: bool, use_cache: bool, known: Optional[tuple], replacements: bool = False
):
    """Read and screen one file, without LibCST: (outcome, signature of what was read or
    None, digest of its content or None, work).

    ``outcome`` is final when the screens decide the file (or it cannot be read, or the
    cache's findings stand); else it is None and ``work`` is what the analysis needs: the
    :class:`ScreenedSource` of a check, the file's bytes for anything else (a fix, a
    notebook, SARIF's regions). ``known`` is (digest, findings) the cache holds for the
    file, whose signature changed: when the content is the same (a checkout or a
    `touch`), those findings stand.
    """
    try:
        source, read_signature = read_source_and_signature(item)
    except FileError as error:
        return FileOutcome(item, error=error.reason), None, None, None
    if not might_have_findings(source, settings):
        # Skipped unparsed: still named when Python could not even read it as text.
        unreadable = _unreadable_reason(source) if item.suffix == ".py" else None
        return FileOutcome(item, error=unreadable), read_signature, None, None
    digest = content_digest(source) if use_cache else None
    if known is not None and known[0] == digest and not (fix and any(f.fixable for f in known[1])):
        return FileOutcome(item, findings=known[1]), read_signature, digest, None
    if fix or replacements or item.suffix != ".py":
        return None, read_signature, digest, source
    try:
        screened = screen_for_check(source, item.display, settings.for_path(item.path))
    except Exception as error:  # noqa: BLE001 -- see failed_outcome
        return failed_outcome(item, error), read_signature, digest, None
    if screened is None:
        return FileOutcome(item), read_signature, digest, None
    return None, read_signature, digest, screened


def analyze_work(item: SourceFile, work, settings: Settings, fix: bool, replacements: bool = False) -> FileOutcome:
    """The analysis of a file :func:`screen_file` left undecided."""
    if isinstance(work, ScreenedSource):
        return analyze_file(item, work.source, settings, fix, replacements=replacements, screened=work)
    return analyze_file(item, work, settings, fix, replacements=replacements)


def process_file(
    item: SourceFile, settings: Settings, fix: bool, use_cache: bool, known: Optional[tuple], replacements: bool = False
):
    """Read, screen and analyze one file: (outcome, signature of what was read or None,
    digest of its content or None); see :func:`screen_file`."""
    outcome, read_signature, digest, work = screen_file(item, settings, fix, use_cache, known, replacements)
    if outcome is None:
        outcome = analyze_work(item, work, settings, fix, replacements)
    return outcome, read_signature, digest


def _unreadable_reason(source: bytes) -> Optional[str]:
    from ac_fixer.fast.screen import unreadable_reason

    return unreadable_reason(source)


def _paused_collector(work: Callable[[], list]) -> list:
    """``work()`` with the cyclic garbage collector paused.

    Parsing builds hundreds of thousands of (acyclic) node objects, and each one counts
    towards the collector's thresholds: the collections it triggers scan every live
    object again and again (a third of the run's time on a large tree). Reference
    counting frees the trees; one collection per batch clears the few cycles.
    """
    import gc

    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return work()
    finally:
        gc.collect(0)
        if was_enabled:
            gc.enable()


def _process_batch(task) -> list:
    """Read, screen and analyze a batch of files: [(index, outcome, signature, digest)]."""
    batch, settings, fix, use_cache, replacements = task
    return _paused_collector(lambda: [
        (index, *process_file(item, settings, fix, use_cache, known, replacements)) for index, item, known in batch
    ])


def _screen_batch(task) -> list:
    """The first phase of a run with workers: read and screen a batch of files, without
    LibCST: [(index, decided, signature, digest, work)] (see screen_file), where a decided
    file's outcome travels back as (error, findings) only: its file is the caller's
    already (sent back whole, the outcomes cost more to pickle than the screens)."""
    batch, settings, fix, use_cache, replacements = task

    def screened() -> list:
        rows = []
        for index, item, known in batch:
            outcome, read_signature, digest, work = screen_file(item, settings, fix, use_cache, known, replacements)
            decided = None if outcome is None else (outcome.error, outcome.findings)
            rows.append((index, decided, read_signature, digest, work))
        return rows

    return _paused_collector(screened)


def _analyze_batch(task) -> list:
    """The second phase: analyze the files the screens left undecided:
    [(index, outcome, signature, digest)]."""
    batch, settings, fix, replacements = task
    return _paused_collector(lambda: [
        (index, analyze_work(item, work, settings, fix, replacements), read_signature, digest)
        for index, item, read_signature, digest, work in batch
    ])


# --------------------------------------------------------------------------- many files


BATCH = 16  # files per task: keeps the per-task overhead small on trees of 10k files
BATCH_BYTES = 256 * 1024  # ...and at most about this much source in one task


def run(
    items: Sequence[SourceFile],
    settings: Settings,
    *,
    fix: bool = False,
    jobs: int = 0,
    use_cache: bool = True,
    cache_dir: Optional[Path] = None,
    progress: Optional[Callable[[int, int], None]] = None,
    replacements: bool = False,
) -> RunResult:
    """Check (and with ``fix``, compute fixes for) every file. Writes nothing.

    Files unchanged since the cache saw them are not read. The others are read and
    screened in batches by worker processes, with a bounded number of batches in flight,
    so memory holds only the files in flight and what the screens left undecided (the
    slices to analyze, a few files of a tree), never the whole tree; those are analyzed
    after (see _analyze_undecided).

    Deferred project facts (``settings.project``, see project.DeferredFacts) are computed
    here; when they are built whole, the workers screen the files as soon as the facts'
    targets are known, while the facts' last steps run (see _EarlyScreen). The result
    carries the settings the files were checked with.
    """
    early = None
    stat_results: dict = {}  # absolute path -> os.stat of the file, taken by the facts (see project_facts)
    if settings.project is not None:
        from ac_fixer.project import resolved

        early = _EarlyScreen(items, settings, fix, jobs, use_cache, replacements, stat_results)
        try:
            settings = resolved(settings, early, stat_results)
        except BaseException:
            early.abandon()
            raise
    cache = Cache(cache_dir or default_cache_dir(), settings) if use_cache else None
    cache_warning = None
    if cache is not None and cache.refused is not None:
        cache_warning, cache = cache.refused, None
    outcomes: list = [None] * len(items)
    done = 0

    def finish(index: int, outcome: FileOutcome, read_signature=None, digest=None) -> None:
        nonlocal done
        outcomes[index] = outcome
        if cache is not None and read_signature is not None and outcome.error is None and not outcome.applied:
            cache.put(outcome.item, read_signature, outcome.findings, digest)
        done += 1
        if progress is not None:
            progress(done, len(items))

    undecided: list = []
    importer = _LibcstImport()

    def screened(index: int, decided, read_signature=None, digest=None, work=None) -> None:
        if isinstance(decided, FileOutcome):  # a worker died (see _run_in_workers)
            finish(index, decided)
        elif decided is not None:
            error, findings = decided
            finish(index, FileOutcome(items[index], findings=findings, error=error), read_signature, digest)
        else:
            undecided.append((index, items[index], read_signature, digest, work))
            importer.start()  # a result came back: the workers were forked

    use_cache = cache is not None
    workers = worker_count(jobs)
    if early is not None and early.started:
        importer.start()  # while the workers finish their screens (no pool forks after: see rows)
    early_rows = early.rows(settings, importer.join) if early is not None else None
    if early_rows is not None:
        # Screened while the facts were completed (without the cache's answers: the cache
        # is keyed by the facts, which were not known yet).
        for row in early_rows:
            screened(*row)
    else:
        pending = []
        for index, item in enumerate(items):
            cached, known = cache.get(item, stat_results.get(item.abspath)) if cache is not None else (None, None)
            if cached is not None and (not fix or not any(f.fixable for f in cached)):
                finish(index, FileOutcome(item, findings=cached))
            else:
                pending.append((index, item, known))
        sized = _parallel_order(pending, workers, jobs, stat_results)
        if sized is None:
            for start in range(0, len(pending), BATCH):
                for result in _process_batch((pending[start:start + BATCH], settings, fix, use_cache, replacements)):
                    finish(*result)
        else:
            # Two phases. The workers read and screen every file without LibCST (its import
            # costs each worker a quarter of a second); the few files the screens leave
            # undecided are analyzed after, by workers forked once this process has imported
            # LibCST (they inherit it), or here when they are little source.
            tasks = [(batch, settings, fix, use_cache, replacements) for batch in _batches(sized)]
            # A pool that replaces a broken one never forks while LibCST is being imported.
            _run_in_workers(tasks, workers, screened, _screen_batch, before_fork=importer.join)
    if undecided:
        importer.join()
        _analyze_undecided(undecided, settings, fix, replacements, workers, finish)
    if cache is not None:
        cache.save()
        cache_warning = cache.refused
    return RunResult(outcomes, cache_warning, settings)


def _parallel_order(pending: list, workers: int, jobs: int, stat_results: Optional[dict] = None) -> Optional[list]:
    """``pending`` as (size, entry) pairs, largest first, when worker processes are worth
    it; None when they are not (this process does the work)."""
    if workers < 2 or len(pending) < MIN_FILES_FOR_WORKERS:
        return None
    # Largest files first, a large file in a batch of its own: no worker is left with
    # a large file while the others are done (measured 10% off a cold run of the
    # benchmark corpus). Results keep their places: the output order does not change.
    sized = sorted(((_size_of(entry, stat_results), entry) for entry in pending), key=lambda pair: -pair[0])
    # --jobs 0 (one per CPU): little source is checked in this process, which costs
    # less than starting the workers.
    if jobs > 0 or sum(size for size, _ in sized) >= MIN_BYTES_FOR_WORKERS:
        return sized
    return None


# The early first phase's tasks (see _EarlyScreen.start): about this many per worker, of at
# most this many files each.
EARLY_TASKS_PER_WORKER = 16
EARLY_BATCH = 512


class _EarlyScreen:
    """The first phase of a run (see run), started while the project's facts are built:
    as soon as the wrappers are known, every file's screen task is handed to worker
    processes, which screen while this process completes the facts (the wrappers'
    re-exports, constants, evidence). Speed only: the rows are those the first phase
    gives once the facts are complete. The screens read no fact but the targets, and those
    by the last component of their names: the re-exports' new names send the files that
    hold them to be screened again (see revise), and the rows are used only when the
    complete facts' targets are the revised ones."""

    def __init__(self, items: Sequence[SourceFile], settings: Settings, fix: bool, jobs: int, use_cache: bool,
                 replacements: bool, stat_results: Optional[dict] = None):
        self.items = items
        self.stat_results = stat_results  # the facts' os.stat of each file (see _size_of)
        self.base = settings
        self.fix, self.jobs, self.use_cache, self.replacements = fix, jobs, use_cache, replacements
        self.workers = worker_count(jobs)
        self.settings = None  # what the files are screened with
        self.sized = None  # the files as (size, entry), largest first (see _parallel_order)
        self.pool = None
        self.submitted: list = []  # (future, task)
        self.started = False  # the files were handed out (see start)
        # Whether the facts' build may still use the pool (project._Workers.lent): until
        # start hands out the files or the pool is abandoned; never true again after.
        self.lending = True
        self.targets = None  # the extra targets the rows stand for (see revise)
        self.again: set = set()  # the files (absolute paths) to screen again (see revise)
        # What the facts' build read: absolute path -> (signature of what was read, why
        # Python cannot read it as text or None), for the files whose decision by the byte
        # pre-filter depends on the needles alone (see read, start).
        self.read_files: dict = {}
        self.decided: list = []  # the rows of the files no worker reads (see start)

    def prepare(self) -> None:
        """Start the worker processes (called by a cold build of the facts before it reads
        the project: forked then, they do not count its bytes as their own)."""
        pending = [(index, item, None) for index, item in enumerate(self.items)]
        self.sized = _parallel_order(pending, self.workers, self.jobs, self.stat_results)
        if self.sized is None or not hasattr(os, "fork") or self.pool is not None:
            return
        import multiprocessing

        ProcessPoolExecutor, _ = _pool_names()
        try:
            self.pool = ProcessPoolExecutor(max_workers=self.workers, mp_context=multiprocessing.get_context("fork"))
            # With fork, the pool starts all its processes at the first submit: here, in
            # the main thread, before any thread of this run starts.
            self.pool.submit(int).result()
        except Exception:  # noqa: BLE001 -- no early screen: the run screens after the facts
            self.abandon()

    def read(self, path: str, source: bytes, read_signature) -> None:
        """A file the facts' build read (its absolute path, its bytes and the signature of
        what was read), before ``start``: when the byte pre-filter's decision on it depends
        on its needles alone, what the first phase makes of it without them (see start)."""
        from ac_fixer.fast.screen import spells_identifiers_otherwise

        if self.pool is not None and not spells_identifiers_otherwise(source):
            self.read_files[path] = (read_signature, _unreadable_reason(source))

    def start(self, targets: tuple, holding: Optional[Callable[[tuple], set]] = None) -> None:
        """Hand every file to the workers, screened with the run's settings and the
        wrappers' ``targets`` (called by the facts' build, in this process's main thread,
        before the wrappers' re-exports are known: see revise). ``holding(needles)``: the
        files (absolute paths) whose bytes the build read hold one of ``needles``.

        A file the build read (see read) that holds no needle of the byte pre-filter is
        decided here, as the first phase decides it (no finding, and why Python cannot
        read it, if it cannot), from the bytes the build read: no worker reads it again
        (on the benchmark corpus, 8,247 of 9,075 files; measured 0.3 s of a cold run's
        5.3). Speed only: the same row."""
        self.lending = False
        if self.pool is None or self.started:
            return
        from dataclasses import replace

        from ac_fixer.fast.prefilter import needles

        sized = self.sized
        self.settings = replace(self.base, project=None, extra_targets=self.base.extra_targets + tuple(targets))
        if holding is not None and self.read_files:
            named = holding(needles(self.settings))
            unnamed = {path: row for path, row in self.read_files.items() if path not in named}
            decided = {index for _, (index, item, _) in sized if item.abspath in unnamed and _spelled_plainly(item)}
            # The reason Python cannot read it is given for a `.py` file only (as screen_file does).
            self.decided = [(index, (unnamed[item.abspath][1] if item.suffix == ".py" else None, []),
                             unnamed[item.abspath][0], None, None)
                            for _, (index, item, _) in sized if index in decided]
            sized = [entry for entry in sized if entry[1][0] not in decided]
        self.read_files = {}
        # Fewer, larger tasks than the usual first phase's: this process hands them out only
        # when its main thread, busy with the facts, lets go of the interpreter (every few
        # ms), and workers left waiting for small tasks would idle.
        per_task = max(BATCH_BYTES, sum(size for size, _ in sized) // (self.workers * EARLY_TASKS_PER_WORKER))
        batches = _batches(sized, per_task, EARLY_BATCH)
        tasks = [(batch, self.settings, self.fix, self.use_cache, self.replacements) for batch in batches]
        try:
            self.submitted = [(self.pool.submit(_screen_batch, task), task) for task in tasks]
            self.started = True
        except Exception:  # noqa: BLE001 -- no early screen: the run screens after the facts
            self.abandon()
        self.targets = self.settings.extra_targets

    def revise(self, targets: tuple, holding: Callable[[tuple], set], project_files: Callable[[], set]) -> None:
        """The facts' final ``targets`` (the wrappers' re-exports added). The screens (the
        byte pre-filter, the screen, the slice) read a target's names by their last
        component only: a file's row stays the one the started targets gave unless its
        bytes hold a last name whose targets differ (as sets, their names aside). Those
        files are screened again (see rows): ``holding(needles)``, the project's files (as
        absolute paths) that hold one, and every file outside ``project_files()``; a new
        name that is not ASCII leaves the usual run (see below). (A file that spells such
        a name otherwise, `ｒs` for `rs`, may keep a row with a shorter slice or without
        the analysis; the analysis, which reads names as written, finds nothing more there.)"""
        if self.pool is None or not self.started:
            return
        final = self.base.extra_targets + tuple(targets)
        changed = _names_screened_otherwise(self.targets, final)
        if not all(name.isascii() for name in changed):
            # A name not in ASCII changes how every file is screened (the screen by groups
            # and the slice's line numbers give up on all of them): the rows are not used.
            self.abandon()
            return
        self.targets = final
        if changed:
            inside = project_files()
            self.again = holding(tuple(sorted(name.encode() for name in changed))) | {
                item.abspath for item in self.items if item.abspath not in inside or not _spelled_plainly(item)}

    def rows(self, settings: Settings, before_fork: Callable[[], None]) -> Optional[list]:
        """The first phase's rows (see _screen_batch), those of the files to screen again
        (see revise) screened now with ``settings``; None when the early screen did not
        run or stands for other targets than ``settings`` has (the facts' build failed,
        say): the run then screens as usual."""
        if self.pool is None:
            return None
        if not self.started or settings.extra_targets != self.targets:
            self.abandon()
            return None
        rows, failed = list(self.decided), []
        for future, task in self.submitted:
            try:
                rows.extend(future.result())
            except Exception:  # noqa: BLE001 -- a worker died: its batches are screened again below
                failed.append(task)
        self.pool.shutdown(wait=True)
        self.pool = None
        again = [(0, (index, item, None)) for index, item, _ in (e for task in failed for e in task[0])]
        if self.again:
            kept = []
            for row in rows:
                if self.items[row[0]].abspath in self.again:
                    again.append((0, (row[0], self.items[row[0]], None)))
                else:
                    kept.append(row)
            rows = kept
        if again:
            # In the usual first phase's small tasks, with the final targets: a file that
            # kills its worker again is named as crashed with the few others of its task.
            retry = [(batch, settings, self.fix, self.use_cache, self.replacements) for batch in _batches(again)]
            before_fork()
            _run_in_workers(retry, self.workers, lambda *row: rows.append(row), _screen_batch,
                            before_fork=before_fork)
        return rows

    def abandon(self) -> None:
        self.lending = False
        if self.pool is not None:
            self.pool.shutdown(wait=True, cancel_futures=True)
            self.pool = None
        self.submitted, self.decided, self.started = [], [], False


def _spelled_plainly(item: SourceFile) -> bool:
    """Whether ``item``'s absolute path (``os.path.abspath``: `..` dropped as text) surely
    names the file the OS opens for it: not when a `..` follows a symlinked folder
    (`d/link/../foo.py` opens `link`'s target's parent's `foo.py`). The early screen pairs
    the project's files with the run's by that path: a file named with `..` is screened
    by a worker, which reads what the OS opens."""
    return os.pardir not in item.filename.split(os.sep)


def _names_screened_otherwise(before: tuple, after: tuple) -> set:
    """The last names (``interpolate`` of ``torch.nn.functional.interpolate``) whose targets
    differ between the targets ``before`` and ``after``, as sets, their names aside: the
    only names for which the screens of a file may differ (see _EarlyScreen.revise)."""
    from dataclasses import replace

    def by_last_name(targets: tuple) -> dict:
        found: dict = {}
        for target in targets:
            bare = replace(target, name="", aliases=())
            for name in target.all_names():
                found.setdefault(name.rsplit(".", 1)[-1], set()).add(bare)
        return found

    first, second = by_last_name(before), by_last_name(after)
    return {name for name in first.keys() | second.keys() if first.get(name) != second.get(name)}


def _batches(sized: list, most_bytes: int = BATCH_BYTES, most_files: Optional[int] = None) -> list:
    """The entries of ``(size, entry)`` pairs in batches, in their order (largest first): at
    most ``most_files`` (default BATCH) entries and about ``most_bytes`` of source each, a
    large file in a batch of its own."""
    most_files = most_files or BATCH
    batches, batch, batch_bytes = [], [], 0
    for size, entry in sized:
        batch.append(entry)
        batch_bytes += size
        if len(batch) == most_files or batch_bytes >= most_bytes:
            batches.append(batch)
            batch, batch_bytes = [], 0
    if batch:
        batches.append(batch)
    return batches


class _LibcstImport:
    """LibCST imported by this process in a thread of its own while the workers screen
    (this process mostly waits then), so that the second phase's workers inherit it."""

    def __init__(self) -> None:
        self._thread = None

    def start(self) -> None:
        if self._thread is None:
            import threading

            # Never forked while it runs: the second phase's pool starts after join().
            self._thread = threading.Thread(target=_import_libcst, daemon=True)
            self._thread.start()

    def join(self) -> None:
        if self._thread is not None:
            self._thread.join()
        _import_libcst()


def _import_libcst() -> None:
    try:
        import libcst  # noqa: F401
    except Exception:  # noqa: BLE001 -- the analysis itself will say why it cannot run
        pass


# Below this much source left to analyze (slices, or files to fix), the second phase runs in
# this process.
MIN_BYTES_FOR_ANALYSIS_WORKERS = 256 * 1024
# The second phase's tasks: about this many per worker, so that none is left with the
# last large one while the others are done (the files left are few: tasks cost little; 6
# left a worker idle for most of a task at the end of the benchmark corpus' run).
ANALYSIS_TASKS_PER_WORKER = 12


def _analyze_undecided(undecided: list, settings: Settings, fix: bool, replacements: bool, workers: int,
                       finish) -> None:
    """The second phase of a run with workers (see run)."""
    sized = sorted(((_work_size(entry[4]), entry) for entry in undecided), key=lambda pair: -pair[0])
    total = sum(size for size, _ in sized)
    # Little source left (a small tree): analyzed here, which costs less than forking the
    # workers again (whatever --jobs says: they screened the files).
    if len(undecided) < MIN_FILES_FOR_WORKERS or total < MIN_BYTES_FOR_ANALYSIS_WORKERS:
        for start in range(0, len(sized), BATCH):
            for result in _analyze_batch(([entry for _, entry in sized[start:start + BATCH]], settings, fix,
                                          replacements)):
                finish(*result)
        return
    per_task = max(1, total // (workers * ANALYSIS_TASKS_PER_WORKER))
    tasks = [(batch, settings, fix, replacements) for batch in _batches(sized, per_task)]
    _run_in_workers(tasks, workers, finish, _analyze_batch)


def _work_size(work) -> int:
    return len(work.analyzed) if isinstance(work, ScreenedSource) else len(work)


# More worker processes than CPUs only cost memory (each holds its own parser, tens of
# MB); past 32 the one process that hands out batches and collects results is the limit.
MAX_JOBS = 32


def available_cpus() -> int:
    """CPUs this process may run on (its affinity mask, where the system has one)."""
    if hasattr(os, "sched_getaffinity"):
        return max(1, len(os.sched_getaffinity(0)))
    return os.cpu_count() or 1


def worker_count(jobs: int) -> int:
    """Worker processes for ``--jobs``: 0 means one per CPU; never more than the CPUs
    or MAX_JOBS."""
    cpus = available_cpus()
    return max(1, min(jobs if jobs > 0 else cpus, cpus, MAX_JOBS))


def _size_of(entry, stat_results: Optional[dict] = None) -> int:
    """The size of a pending file (0 when it cannot be stat'ed: reading it will say why):
    from the ``os.stat`` the project's facts took of it when there is one (``stat_results``,
    by absolute path: see project.project_facts), else asked again."""
    info = stat_results.get(entry[1].abspath) if stat_results else None
    if info is not None:
        return info.st_size
    try:
        return os.stat(entry[1].filename).st_size
    except OSError:
        return 0


def _pool_names() -> tuple:
    """(ProcessPoolExecutor, BrokenProcessPool), bound in this module on first use (a name
    set already, e.g. by a test, stays). Imported only when a pool starts: a run without
    workers (one file, a warm run) does without concurrent.futures and multiprocessing."""
    from concurrent.futures import process

    for name in ("ProcessPoolExecutor", "BrokenProcessPool"):
        globals().setdefault(name, getattr(process, name))
    return globals()["ProcessPoolExecutor"], globals()["BrokenProcessPool"]


def __getattr__(name: str):
    """The pool's names (``runner.ProcessPoolExecutor``), imported on first use."""
    if name in ("ProcessPoolExecutor", "BrokenProcessPool"):
        return dict(zip(("ProcessPoolExecutor", "BrokenProcessPool"), _pool_names()))[name]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def _run_in_workers(tasks: list, workers: int, finish, function=_process_batch, before_fork=None) -> None:
    """Run ``function`` on batches in ``workers`` processes, a bounded number in flight (this
    process only hands out batches and collects results: measured faster than taking a
    share itself). Each result goes to ``finish``. ``before_fork`` is called before a pool
    that replaces a broken one forks its processes (``finish`` may have started a thread)."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, wait

    ProcessPoolExecutor, BrokenProcessPool = _pool_names()

    context = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
    in_flight: dict = {}  # future -> task

    def collect(future, task) -> None:
        try:
            results = future.result()
        except BrokenProcessPool:
            # A worker died (a native crash on some file): the files it held are named
            # as errors; the others go on.
            results = [(entry[0], FileOutcome(entry[1], error="the analysis crashed on this file (worker process died)"))
                       for entry in task[0]]
        for result in results:
            finish(*result)

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        for task in tasks:
            try:
                future = pool.submit(function, task)
            except BrokenProcessPool:
                pool.shutdown(wait=False)
                if before_fork is not None:
                    before_fork()
                pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
                future = pool.submit(function, task)
            in_flight[future] = task
            # Whichever batches are done, in any order (results keep their places): a slow
            # batch never holds back the others.
            while len(in_flight) > workers * 2 or any(f.done() for f in in_flight):
                done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
                for finished in done:
                    collect(finished, in_flight.pop(finished))
        while in_flight:
            done, _ = wait(in_flight, return_when=FIRST_COMPLETED)
            for finished in done:
                collect(finished, in_flight.pop(finished))
    finally:
        pool.shutdown(wait=True)


def recompute_fixes(outcome: FileOutcome, settings: Settings, accept: Callable[[Finding], bool]) -> FileOutcome:
    """Fix one file again, applying only the fixes ``accept`` approves (``--verify``)."""
    return analyze_file(outcome.item, outcome.old_source, settings, True, accept)


def write_fixes(outcomes: Sequence[FileOutcome]) -> list:
    """Write each changed file atomically; returns (display, reason) for files not written.

    The findings of a file that was not written go back to its remaining findings (the
    report shows them as not fixed), and it no longer counts as changed.
    """
    failures = []
    for outcome in outcomes:
        if outcome.new_source is None or outcome.new_source == outcome.old_source:
            continue
        reason = None
        try:
            target = write_target(outcome.item)
            try:
                current = read_regular(target, outcome.item.display)[0]
            except FileError as error:  # gone, or swapped for a FIFO or device: never blocks
                reason = error.reason
                if reason.startswith("cannot read: "):
                    reason = "cannot write: " + reason[len("cannot read: "):]
                if not reason.startswith("cannot"):
                    reason += "; not written"
            else:
                if current != outcome.old_source:
                    reason = "changed on disk while being checked; not written"
                else:
                    write_atomic(target, outcome.new_source)
        except FileError as error:
            reason = error.reason
        except OSError as error:
            reason = f"cannot write: {error.strerror or error}"
        if reason is not None:
            failures.append((outcome.item.display, reason))
            _not_written(outcome)
    return failures


def _not_written(outcome: FileOutcome) -> None:
    """The fixes of ``outcome`` were not written: its findings remain, in file order."""
    outcome.findings = sorted(outcome.findings + outcome.applied, key=Finding.sort_key)
    outcome.applied = []
    outcome.new_source = None
    outcome.final_findings = None  # the file stays as it was: so do the positions


def _decode(source: bytes) -> str:
    try:
        return source.decode("utf-8")
    except UnicodeDecodeError:
        return source.decode("latin-1")


def unified_diff(outcome: FileOutcome) -> bytes:
    """A unified diff in the file's own bytes, so that `patch`/`git apply` accept it."""
    import difflib

    old = outcome.old_source.splitlines(keepends=True)
    new = outcome.new_source.splitlines(keepends=True)
    path = outcome.item.display.encode("utf-8", "surrogateescape")
    return b"".join(
        difflib.diff_bytes(
            difflib.unified_diff, old, new, fromfile=_diff_name(b"a/" + path), tofile=_diff_name(b"b/" + path)
        )
    )


_C_ESCAPES = {0x07: b"\\a", 0x08: b"\\b", 0x09: b"\\t", 0x0A: b"\\n", 0x0B: b"\\v", 0x0C: b"\\f", 0x0D: b"\\r",
              0x22: b'\\"', 0x5C: b"\\\\"}


def _diff_name(name: bytes) -> bytes:
    """A diff header's file name, C-quoted as git writes it when it holds a control
    character, a quote or a backslash (git apply and GNU patch read it back); other
    names as they are. "##[" (a GitHub runner command anywhere in a log line) is
    quoted too, its second "#" written as octal."""
    if b"##[" not in name and not any(byte < 0x20 or byte == 0x7F or byte in (0x22, 0x5C) for byte in name):
        return name
    quoted = b"".join(
        _C_ESCAPES.get(byte) or (b"\\%03o" % byte if byte < 0x20 or byte == 0x7F else bytes([byte])) for byte in name
    )
    return b'"' + quoted.replace(b"##[", b"#\\043[") + b'"'


def add_replacements(result: RunResult, settings: Settings, after_fix: bool = False) -> None:
    """Give each fixable finding its exact edit region (for SARIF ``fixes``); with
    ``after_fix``, the findings left after the fixes, with regions in the fixed file."""
    for outcome in result.outcomes:
        findings = outcome.findings_after_fix if after_fix else outcome.findings
        if outcome.replacements_added and not after_fix:
            continue  # computed with the findings
        if outcome.error or not any(f.fixable for f in findings) or outcome.item.path.suffix != ".py":
            continue
        try:
            if after_fix and outcome.new_source is not None:
                source = outcome.new_source
            else:
                source = read_source(outcome.item)
        except FileError:
            continue
        file_settings = with_project_line_length(settings.for_path(outcome.item.path), outcome.item)
        replacements = file_replacements(source, outcome.item.display, file_settings, findings)
        for finding in findings:
            replacement = replacements.get(_site(finding))
            if replacement is not None:
                finding.extra["replacement"] = replacement


def _site(finding: Finding) -> tuple:
    return (finding.line, finding.column, finding.code, finding.cell)


def file_replacements(source: bytes, display: str, settings: Settings, findings: Sequence[Finding]) -> dict:
    """site -> the exact region each fixable finding's fix replaces, alone, in ``source``:
    ((line, col), (end_line, end_col), inserted text).

    One analysis of the file gives every finding's fix as the rewrite of its call; the
    region is where that rewrite differs from the file, found as the whole-file comparison
    of :func:`replacements_per_finding` would find it (the same bytes, tested). A finding
    whose fix reaches outside its call (an import), or whose call text is not where the
    finding says, is computed that slower way.
    """
    from ac_fixer.api import fix_rewrites

    if not any(f.fixable for f in findings):
        return {}
    try:
        rewrites = fix_rewrites(source, display, settings)
    except (SourceError, RecursionError):
        return {}
    return _replacements_from(source, display, settings, findings, rewrites)


def _replacements_from(source: bytes, display: str, settings: Settings, findings, rewrites: Optional[list]) -> dict:
    """:func:`file_replacements` from the rewrites of an analysis already made."""
    wanted = {_site(f) for f in findings if f.fixable}
    if not wanted:
        return {}
    if rewrites is None:  # LibCST does not re-print this file as read: the line splice decides
        return replacements_per_finding(source, display, settings, findings)
    text = _decode(source)
    line_starts = [0] + [m.end() for m in re.finditer(r"\r\n|\r|\n", text)]
    replacements, slow = {}, []
    for finding, rewrite in rewrites:
        site = _site(finding)
        if site not in wanted:
            continue
        start = line_starts[finding.line - 1] + finding.column - 1 if finding.line <= len(line_starts) else -1
        if rewrite is None or start < 0 or text[start:start + len(rewrite.old)] != rewrite.old:
            slow.append(finding)
        elif rewrite.new != rewrite.old:
            replacements[site] = replacement_in_window(text, start, start + len(rewrite.old), rewrite.new)
    if slow:
        replacements.update(replacements_per_finding(source, display, settings, slow))
    return replacements


def replacement_in_window(old: str, start: int, end: int, window: str):
    """:func:`text_replacement` of ``old`` and ``old[:start] + window + old[end:]``, without
    building the new text (the scans stop near the window)."""
    size = len(window)
    new_length = len(old) - (end - start) + size

    def new_at(index: int) -> str:
        if index < start:
            return old[index]
        if index < start + size:
            return window[index - start]
        return old[end + index - start - size]

    def new_slice(a: int, b: int) -> str:
        head = old[a:min(b, start)] if a < start else ""
        middle = window[max(a - start, 0):max(min(b - start, size), 0)]
        tail = old[end + max(a - start - size, 0):end + max(b - start - size, 0)]
        return head + middle + tail

    first = start  # old[:start] is the new text's too
    limit = min(len(old), new_length)
    while first < limit and old[first] == new_at(first):
        first += 1
    end_old, end_new = len(old), new_length
    # The text after the window is the same in both: skip it at once, as far as the scan
    # below would go.
    jump = max(0, min(len(old) - end, end_old - first, end_new - first))
    end_old -= jump
    end_new -= jump
    while end_old > first and end_new > first and old[end_old - 1] == new_at(end_new - 1):
        end_old -= 1
        end_new -= 1

    return _position(old, first), _position(old, end_old), new_slice(first, end_new)


def replacements_per_finding(source: bytes, display: str, settings: Settings, findings: Sequence[Finding]) -> dict:
    """What :func:`file_replacements` computes, by running the fix of the whole file once per
    finding, that finding alone accepted (quadratic in the findings of one file)."""
    replacements = {}
    for finding in findings:
        if not finding.fixable:
            continue
        try:
            single: FixResult = fix_source(
                source, display, settings, accept=lambda f, target=finding: _same_site(f, target)
            )
        except SourceError:
            continue
        if single.changed:
            replacements[_site(finding)] = text_replacement(_decode(source), _decode(single.source))
    return replacements


def _same_site(a: Finding, b: Finding) -> bool:
    return (a.line, a.column, a.code, a.cell) == (b.line, b.column, b.code, b.cell)


def _position(text: str, offset: int) -> tuple:
    """(line, column) of ``offset`` in ``text``, both 1-based."""
    line = text.count("\n", 0, offset) + 1
    column = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return line, column


def text_replacement(old: str, new: str):
    """The one region that differs: ((line, col), (end_line, end_col), inserted text), 1-based."""
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1

    return _position(old, start), _position(old, end_old), new[start:end_new]
