"""Runs the check over many files: pre-filter, cache, worker processes, fixes.

The CLI calls :func:`run`; it returns everything to report and never prints.
Writing the fixed files is left to :func:`write_fixes`, so a runtime check can
sit between computing fixes and writing them.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import os
import tempfile
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

from ac_fixer import __version__
from ac_fixer.api import FixResult, Settings, SourceError, check_source, fix_source, might_have_findings
from ac_fixer.files import (
    FileError,
    SourceFile,
    read_regular,
    read_source,
    read_source_and_signature,
    signature,
    write_atomic,
    write_target,
)
from ac_fixer.findings import CallArgument, Finding

# Below this many files to analyze, worker processes cost more than they save.
MIN_FILES_FOR_WORKERS = 8


@dataclass
class FileOutcome:
    item: SourceFile
    findings: list = field(default_factory=list)  # remaining (not fixed) findings
    applied: list = field(default_factory=list)  # findings whose fix is in new_source
    new_source: Optional[bytes] = None
    old_source: Optional[bytes] = None
    error: Optional[str] = None


@dataclass
class RunResult:
    outcomes: list

    @property
    def findings(self) -> list:
        return [f for o in self.outcomes for f in o.findings]

    @property
    def applied(self) -> list:
        return [f for o in self.outcomes for f in o.applied]

    @property
    def errors(self) -> list:
        return [(o.item.display, o.error) for o in self.outcomes if o.error]

    @property
    def changed(self) -> list:
        return [o for o in self.outcomes if o.new_source is not None]


# --------------------------------------------------------------------------- one file


def _analyze_file(
    item: SourceFile,
    source: bytes,
    settings: Settings,
    fix: bool,
    accept: Optional[Callable[[Finding], bool]] = None,
) -> FileOutcome:
    try:
        if item.path.suffix == ".ipynb":
            from ac_fixer.notebooks import fix_notebook

            result = fix_notebook(source, item.display, settings, fix=fix, accept=accept)
        elif fix:
            result = fix_source(source, item.display, settings, accept=accept)
        else:
            result = FixResult(source, [], check_source(source, item.display, settings))
    except SourceError as error:
        return FileOutcome(item, error=error.reason)
    except RecursionError:
        return FileOutcome(item, error="too deeply nested to analyze")
    except MemoryError:
        return FileOutcome(item, error="too large to analyze: out of memory")
    except Exception as error:  # a bug of ours must cost one file, never the run
        return FileOutcome(item, error=f"internal error, file skipped: {type(error).__name__}: {error}")
    outcome = FileOutcome(item, findings=result.remaining, applied=result.applied)
    malformed = getattr(result, "malformed_cells", None)  # a notebook's skipped cells
    if malformed:
        from ac_fixer.notebooks import malformed_cells_reason

        outcome.error = malformed_cells_reason(malformed)
    if result.applied:
        outcome.new_source = result.source
        outcome.old_source = source
    return outcome


def content_digest(source: bytes) -> str:
    return hashlib.blake2b(source, digest_size=16).hexdigest()


def _process_file(item: SourceFile, settings: Settings, fix: bool, use_cache: bool, known: Optional[tuple]):
    """Read, screen and analyze one file: (outcome, signature of what was read or None,
    digest of its content or None).

    ``known`` is (digest, findings) the cache holds for the file, whose signature changed:
    when the content is the same (a checkout or a `touch`), those findings stand.
    """
    try:
        source, read_signature = read_source_and_signature(item)
    except FileError as error:
        return FileOutcome(item, error=error.reason), None, None
    if not might_have_findings(source, settings):
        return FileOutcome(item), read_signature, None
    digest = content_digest(source) if use_cache else None
    if known is not None and known[0] == digest and not (fix and any(f.fixable for f in known[1])):
        return FileOutcome(item, findings=known[1]), read_signature, digest
    return _analyze_file(item, source, settings, fix), read_signature, digest


def _process_batch(task) -> list:
    """Process a batch of files with the cyclic garbage collector paused.

    Parsing builds hundreds of thousands of (acyclic) node objects, and each one counts
    towards the collector's thresholds: the collections it triggers scan every live
    object again and again (a third of the run's time on a large tree). Reference
    counting frees the trees; one collection per batch clears the few cycles.
    """
    import gc

    batch, settings, fix, use_cache = task
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return [(index, *_process_file(item, settings, fix, use_cache, known)) for index, item, known in batch]
    finally:
        gc.collect(0)
        if was_enabled:
            gc.enable()


def _settings_key(settings: Settings) -> str:
    """The cache file's key: tool version, configuration, and the catalog and code that
    decide findings (so a changed checkout or a fix of ours never reuses older results)."""
    text = repr((
        __version__, _libcst_version(), settings.value, settings.select, settings.ignore, settings.extra_targets,
    ))
    digest = hashlib.sha256(text.encode())
    for name in _CODE_FILES:
        try:
            digest.update(name.encode() + b"\0" + (Path(__file__).parent / name).read_bytes())
        except OSError:
            digest.update(name.encode() + b"\0missing")
    return digest.hexdigest()[:16]


def _libcst_version() -> str:
    from importlib import metadata

    try:
        return metadata.version("libcst")
    except metadata.PackageNotFoundError:
        return "?"


_CODE_FILES = (
    "catalog.toml", "catalog.py", "analysis.py", "scopes.py", "literals.py", "screen.py",
    "api.py", "edits.py", "findings.py", "notebooks.py", "runner.py",
)


# The cache file is read with a bound of its own (about 2 KB an entry: a tree of 100k files).
CACHE_MAX_BYTES = 256 * 1024 * 1024


def default_cache_dir() -> Path:
    configured = os.environ.get("AC_FIXER_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path.cwd() / ".ac-fixer-cache"


class Cache:
    """Findings per file, for one tool version and configuration, keyed by the file's
    content.

    A file whose size, times and inode are what they were when it was analyzed is not
    read again (a warm run stats each file and reads none). A file whose signature
    changed is read, and when its content has the digest stored with the findings (a
    checkout that rewrote it as it was, a `touch`), the findings stand. One JSON file per
    configuration, replaced atomically: two runs at once each write a complete file,
    and the later one wins. JSON, not pickle: a cache file that came with a checked-out
    tree must never be able to run code. A damaged entry is a miss, never a crash.
    """

    def __init__(self, directory: Path, settings: Settings):
        self.directory = directory
        self.file = directory / f"findings-{_settings_key(settings)}.json"
        self.entries: dict = {}
        self.dirty = False
        try:
            data = json.loads(read_regular(self.file, limit=CACHE_MAX_BYTES)[0])
            if isinstance(data, dict) and data.get("version") == __version__:
                entries = data.get("entries", {})
                self.entries = entries if isinstance(entries, dict) else {}
        except (FileError, ValueError, RecursionError, MemoryError):
            self.entries = {}  # missing, not a regular file (never blocks on a FIFO), too large, or garbage

    @staticmethod
    def _key(item: SourceFile) -> str:
        return os.path.abspath(item.path)

    def get(self, item: SourceFile) -> tuple:
        """(findings, None) when the file's signature is unchanged; else (None, known):
        known is (content digest, findings) to compare the file's content with, or None."""
        entry = self.entries.get(self._key(item))
        if entry is None:
            return None, None
        try:
            stored_signature, records, *rest = entry
            findings = [_finding_from_cache(record, item.display) for record in records]
            if stored_signature == signature(os.stat(item.path)):
                return findings, None
            digest = rest[0] if rest else None
            return None, ((digest, findings) if isinstance(digest, str) else None)
        except (OSError, KeyError, TypeError, ValueError, AttributeError):
            return None, None  # gone, or a damaged or foreign entry: a miss

    def put(self, item: SourceFile, read_signature: list, findings: Sequence[Finding], digest=None) -> None:
        self.entries[self._key(item)] = [read_signature, [_finding_to_cache(f) for f in findings], digest]
        self.dirty = True

    def save(self) -> None:
        if not self.dirty:
            return
        temp = None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            _create_once(self.directory / ".gitignore", b"# Created by ac-fixer.\n*\n")
            payload = json.dumps({"version": __version__, "entries": self.entries})
            fd, temp = tempfile.mkstemp(dir=self.directory, suffix=".tmp")
            with os.fdopen(fd, "w") as handle:
                handle.write(payload)
            os.replace(temp, self.file)
            temp = None
        except (OSError, ValueError):
            pass  # a cache that cannot be written only costs time
        finally:
            if temp is not None:
                try:
                    os.unlink(temp)
                except OSError:
                    pass


def _create_once(path: Path, content: bytes) -> None:
    """Create ``path`` unless something (even a dangling symlink) is already there."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o644)
    except FileExistsError:
        return
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)


_CACHED_FIELDS = (
    "line", "column", "end_line", "end_column", "code", "message", "function", "mode",
    "fixable", "fix", "unsafe", "changes_behavior", "cell", "modes", "rewrite_to", "fix_value",
)


def _finding_to_cache(finding: Finding) -> dict:
    record = {name: getattr(finding, name) for name in _CACHED_FIELDS}
    record["modes"] = list(finding.modes)
    record["rewrite_keywords"] = [list(pair) for pair in finding.rewrite_keywords]
    record["arguments"] = [
        [a.keyword, a.source, a.value if _json_literal(a.value) else None, _json_literal(a.value)]
        for a in finding.arguments
    ]
    return record


def _json_literal(value) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_json_literal(v) for v in value) and isinstance(value, tuple) is False
    return False


def _finding_from_cache(record: dict, path: str) -> Finding:
    from ac_fixer.findings import NOT_LITERAL

    fields = {name: record[name] for name in _CACHED_FIELDS}
    fields["modes"] = tuple(fields["modes"])
    return Finding(
        path=path,
        rewrite_keywords=tuple(tuple(pair) for pair in record["rewrite_keywords"]),
        arguments=tuple(
            CallArgument(keyword, value if is_literal else NOT_LITERAL, source)
            for keyword, source, value, is_literal in record["arguments"]
        ),
        **fields,
    )


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
) -> RunResult:
    """Check (and with ``fix``, compute fixes for) every file. Writes nothing.

    Files unchanged since the cache saw them are not read. The others are read,
    screened and analyzed in batches by worker processes, with a bounded number of
    batches in flight, so memory holds only the files in flight, never the whole tree.
    """
    cache = Cache(cache_dir or default_cache_dir(), settings) if use_cache else None
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

    pending = []
    for index, item in enumerate(items):
        cached, known = cache.get(item) if cache is not None else (None, None)
        if cached is not None and (not fix or not any(f.fixable for f in cached)):
            finish(index, FileOutcome(item, findings=cached))
        else:
            pending.append((index, item, known))
    use_cache = cache is not None
    workers = jobs if jobs > 0 else (os.cpu_count() or 1)
    parallel = workers > 1 and len(pending) >= MIN_FILES_FOR_WORKERS
    if parallel:
        # Largest files first, a large file in a batch of its own: no worker is left with
        # a large file while the others are done (measured 10% off a cold run of the
        # benchmark corpus). Results keep their places: the output order does not change.
        sized = sorted(((_size_of(entry), entry) for entry in pending), key=lambda pair: -pair[0])
        batches, batch, batch_bytes = [], [], 0
        for size, entry in sized:
            batch.append(entry)
            batch_bytes += size
            if len(batch) == BATCH or batch_bytes >= BATCH_BYTES:
                batches.append(batch)
                batch, batch_bytes = [], 0
        if batch:
            batches.append(batch)
    else:
        batches = [pending[i:i + BATCH] for i in range(0, len(pending), BATCH)]
    tasks = [(batch, settings, fix, use_cache) for batch in batches]
    if parallel:
        _run_in_workers(tasks, workers, finish)
    else:
        for task in tasks:
            for result in _process_batch(task):
                finish(*result)
    if cache is not None:
        cache.save()
    return RunResult(outcomes)


def _size_of(entry) -> int:
    """The size of a pending file (0 when it cannot be stat'ed: reading it will say why)."""
    try:
        return os.stat(entry[1].path).st_size
    except OSError:
        return 0


def _run_in_workers(tasks: list, workers: int, finish) -> None:
    """Run batches in ``workers`` processes, a bounded number in flight (this process only
    hands out batches and collects results: measured faster than taking a share itself)."""
    import multiprocessing
    from concurrent.futures import FIRST_COMPLETED, wait

    context = multiprocessing.get_context("fork") if hasattr(os, "fork") else None
    in_flight: dict = {}  # future -> task

    def collect(future, task) -> None:
        try:
            results = future.result()
        except BrokenProcessPool:
            # A worker died (a native crash on some file): the files it held are named
            # as errors; the others go on.
            results = [(index, FileOutcome(item, error="the analysis crashed on this file (worker process died)"))
                       for index, item, _ in task[0]]
        for result in results:
            finish(*result)

    pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
    try:
        for task in tasks:
            try:
                future = pool.submit(_process_batch, task)
            except BrokenProcessPool:
                pool.shutdown(wait=False)
                pool = ProcessPoolExecutor(max_workers=workers, mp_context=context)
                future = pool.submit(_process_batch, task)
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
    return _analyze_file(outcome.item, outcome.old_source, settings, True, accept)


def write_fixes(outcomes: Sequence[FileOutcome]) -> list:
    """Write each changed file atomically; returns (display, reason) for files not written."""
    failures = []
    for outcome in outcomes:
        if outcome.new_source is None or outcome.new_source == outcome.old_source:
            continue
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
                failures.append((outcome.item.display, reason))
                continue
            if current != outcome.old_source:
                failures.append((outcome.item.display, "changed on disk while being checked; not written"))
                continue
            write_atomic(target, outcome.new_source)
        except FileError as error:
            failures.append((outcome.item.display, error.reason))
        except OSError as error:
            failures.append((outcome.item.display, f"cannot write: {error.strerror or error}"))
    return failures


def _decode(source: bytes) -> str:
    try:
        return source.decode("utf-8")
    except UnicodeDecodeError:
        return source.decode("latin-1")


def unified_diff(outcome: FileOutcome) -> bytes:
    """A unified diff in the file's own bytes, so that `patch`/`git apply` accept it."""
    old = outcome.old_source.splitlines(keepends=True)
    new = outcome.new_source.splitlines(keepends=True)
    path = outcome.item.display.encode("utf-8", "surrogateescape")
    return b"".join(
        difflib.diff_bytes(difflib.unified_diff, old, new, fromfile=b"a/" + path, tofile=b"b/" + path)
    )


def add_replacements(result: RunResult, settings: Settings) -> None:
    """Give each fixable finding its exact edit region (for SARIF ``fixes``)."""
    for outcome in result.outcomes:
        if outcome.error or not any(f.fixable for f in outcome.findings) or outcome.item.path.suffix != ".py":
            continue
        try:
            source = read_source(outcome.item)
        except FileError:
            continue
        for finding in outcome.findings:
            if not finding.fixable:
                continue
            try:
                single: FixResult = fix_source(
                    source, outcome.item.display, settings, accept=lambda f, target=finding: _same_site(f, target)
                )
            except SourceError:
                continue
            if single.changed:
                finding.extra["replacement"] = _replacement(_decode(source), _decode(single.source))


def _same_site(a: Finding, b: Finding) -> bool:
    return (a.line, a.column, a.code, a.cell) == (b.line, b.column, b.code, b.cell)


def _replacement(old: str, new: str):
    """The one region that differs: ((line, col), (end_line, end_col), inserted text), 1-based."""
    start = 0
    limit = min(len(old), len(new))
    while start < limit and old[start] == new[start]:
        start += 1
    end_old, end_new = len(old), len(new)
    while end_old > start and end_new > start and old[end_old - 1] == new[end_new - 1]:
        end_old -= 1
        end_new -= 1

    def position(offset: int):
        line = old.count("\n", 0, offset) + 1
        column = offset - (old.rfind("\n", 0, offset) + 1) + 1
        return line, column

    return position(start), position(end_old), new[start:end_new]
