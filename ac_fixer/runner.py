"""Runs the check over many files: pre-filter, cache, worker processes, fixes.

The CLI calls :func:`run`; it returns everything to report and never prints.
Writing the fixed files is left to :func:`write_fixes`, so a runtime check can
sit between computing fixes and writing them.
"""

from __future__ import annotations

import difflib
import hashlib
import hmac
import json
import os
import re
import stat
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


def _analyze_file(
    item: SourceFile,
    source: bytes,
    settings: Settings,
    fix: bool,
    accept: Optional[Callable[[Finding], bool]] = None,
    replacements: bool = False,
) -> FileOutcome:
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


def check_bytes(item: SourceFile, source: bytes, settings: Settings, *, fix: bool = False) -> FileOutcome:
    """One source given as bytes (``check -`` reads it from stdin): screened and analyzed
    as a file's would be (a ``.ipynb`` name as a notebook); never cached, nothing written."""
    if not might_have_findings(source, settings):
        return FileOutcome(item)
    return _analyze_file(item, source, settings, fix)


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


def content_digest(source: bytes) -> str:
    return hashlib.blake2b(source, digest_size=16).hexdigest()


def _process_file(
    item: SourceFile, settings: Settings, fix: bool, use_cache: bool, known: Optional[tuple], replacements: bool = False
):
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
        # Skipped unparsed: still named when Python could not even read it as text.
        unreadable = _unreadable_reason(source) if item.path.suffix == ".py" else None
        return FileOutcome(item, error=unreadable), read_signature, None
    digest = content_digest(source) if use_cache else None
    if known is not None and known[0] == digest and not (fix and any(f.fixable for f in known[1])):
        return FileOutcome(item, findings=known[1]), read_signature, digest
    return _analyze_file(item, source, settings, fix, replacements=replacements), read_signature, digest


def _unreadable_reason(source: bytes) -> Optional[str]:
    from ac_fixer.screen import unreadable_reason

    return unreadable_reason(source)


def _process_batch(task) -> list:
    """Process a batch of files with the cyclic garbage collector paused.

    Parsing builds hundreds of thousands of (acyclic) node objects, and each one counts
    towards the collector's thresholds: the collections it triggers scan every live
    object again and again (a third of the run's time on a large tree). Reference
    counting frees the trees; one collection per batch clears the few cycles.
    """
    import gc

    batch, settings, fix, use_cache, replacements = task
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        return [
            (index, *_process_file(item, settings, fix, use_cache, known, replacements)) for index, item, known in batch
        ]
    finally:
        gc.collect(0)
        if was_enabled:
            gc.enable()


def _settings_key(settings: Settings) -> str:
    """The cache file's key: tool version, configuration, and the catalog and code that
    decide findings (so a changed checkout or a fix of ours never reuses older results)."""
    text = repr((
        __version__, _libcst_version(), settings.value, settings.select, settings.ignore, settings.extra_targets,
        settings.per_file_ignores, getattr(settings.project, "key", None),
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
    "api.py", "edits.py", "findings.py", "notebooks.py", "runner.py", "project.py", "project_rules.py",
)



def default_cache_dir() -> Path:
    configured = os.environ.get("AC_FIXER_CACHE_DIR")
    if configured:
        return Path(configured)
    return Path.cwd() / ".ac-fixer-cache"


class CacheRefused(Exception):
    """The cache folder or the user's key cannot be trusted: the run goes on without the
    cache (the message says why, for one warning on stderr)."""


CACHE_MAGIC = b"ac-fixer-cache 2 "  # then the MAC in hex, a newline, the JSON payload
MAX_CACHE_BYTES = 256 * 1024 * 1024  # a larger cache file is not read (a miss, never a hang)
_KEY_NAME = "key"
_KEY_BYTES = 32
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_KEYS: dict = {}  # key file -> key, once per process


def _owner_problem(info: os.stat_result) -> Optional[str]:
    geteuid = getattr(os, "geteuid", None)
    if geteuid is not None and info.st_uid != geteuid():
        return f"owned by uid {info.st_uid}, not by this user (uid {geteuid()})"
    return None


def _open_checked_folder(path: Path, *, create: bool, private: bool) -> Optional[int]:
    """A descriptor of the folder ``path`` once it is known to be a folder (not a symlink)
    owned by the running user that group and others may not write (``private``: may not
    reach at all). Files in it are then opened relative to the descriptor, so the folder
    cannot be swapped for a link after the check. None when it is absent and not ``create``d
    (created 0700 when private, else 0755 whatever the umask)."""
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW
    for _ in range(3):
        try:
            fd = os.open(path, flags)
            break
        except FileNotFoundError:
            if not create:
                return None
            try:
                os.makedirs(path.parent, exist_ok=True)
                os.mkdir(path, 0o700 if private else 0o755)
            except FileExistsError:
                pass
            except OSError as error:
                raise CacheRefused(f"{path}: cannot create: {error.strerror or error}") from None
        except OSError as error:
            if os.path.islink(path):
                raise CacheRefused(f"{path} is a symlink (not followed)") from None
            if os.path.exists(path) and not os.path.isdir(path):
                raise CacheRefused(f"{path} is not a folder") from None
            raise CacheRefused(f"{path}: cannot open: {error.strerror or error}") from None
    else:
        raise CacheRefused(f"{path}: cannot create")
    try:
        info = os.fstat(fd)
        problem = _owner_problem(info)
        mode = stat.S_IMODE(info.st_mode)
        if problem is None and private and mode & 0o077:
            problem = f"group or others may access it (mode {mode:04o}; must be 0700)"
        elif problem is None and mode & 0o022:
            problem = f"writable by group or others (mode {mode:04o}; `chmod go-w` it or `ac-fixer clean`)"
    except OSError as error:
        problem = f"cannot check: {error.strerror or error}"
    if problem is not None:
        os.close(fd)
        raise CacheRefused(f"{path}: {problem}")
    return fd


def _read_in(folder_fd: int, name: str, limit: int, *, private: bool = False) -> Optional[bytes]:
    """The bytes of ``name`` in the folder, or None when it is absent, a symlink, not a
    regular file of the running user (``private``: not 0600), or larger than ``limit``."""
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _NOFOLLOW, dir_fd=folder_fd)
    except (OSError, NotImplementedError):
        return None
    try:
        info = os.fstat(fd)
        if (not stat.S_ISREG(info.st_mode) or _owner_problem(info) is not None or info.st_size > limit
                or (private and stat.S_IMODE(info.st_mode) & 0o077)):
            return None
        chunks, size = [], 0
        while size <= limit:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
        return b"".join(chunks) if size <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


def _temp_in(folder_fd: int, name: str, data: bytes, *, sync: bool = False) -> str:
    """A new 0600 file in the folder holding ``data``; its name. (Not tempfile.mkstemp:
    that takes a path, and the file must go in the folder that was checked, by descriptor.)"""
    import secrets

    temp = f".{name}.{secrets.token_hex(8)}.tmp"
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o600, dir_fd=folder_fd)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            if sync:
                handle.flush()
                os.fsync(handle.fileno())
    except BaseException:
        _unlink_in(folder_fd, temp)
        raise
    return temp


def _unlink_in(folder_fd: int, name: str) -> None:
    try:
        os.unlink(name, dir_fd=folder_fd)
    except OSError:
        pass


def key_folder() -> Path:
    """Where the user's secret key lives: ``$XDG_CACHE_HOME/ac-fixer`` (an absolute
    XDG_CACHE_HOME only, as the XDG spec says), else ``~/.cache/ac-fixer``."""
    base = os.environ.get("XDG_CACHE_HOME")
    if base and os.path.isabs(base):
        return Path(base) / "ac-fixer"
    try:
        return Path.home() / ".cache" / "ac-fixer"
    except RuntimeError:
        raise CacheRefused("no home folder for the cache key (set XDG_CACHE_HOME)") from None


def user_key() -> bytes:
    """The running user's secret key for the cache's MAC: a 0600 file in a 0700 folder of
    the user's own (created atomically on first use: written under a temporary name, then
    linked to its name, so no run ever reads half a key). Raises CacheRefused."""
    folder = key_folder()
    where = str(folder / _KEY_NAME)
    if where in _KEYS:
        return _KEYS[where]
    fd = _open_checked_folder(folder, create=True, private=True)
    try:
        text = _read_in(fd, _KEY_NAME, 2 * _KEY_BYTES, private=True)
        if text is None and not _exists_in(fd, _KEY_NAME):
            import secrets

            temp = _temp_in(fd, _KEY_NAME, secrets.token_hex(_KEY_BYTES).encode(), sync=True)
            try:
                os.link(temp, _KEY_NAME, src_dir_fd=fd, dst_dir_fd=fd)
            except FileExistsError:
                pass  # another run created it first: use that one
            except OSError:
                os.replace(temp, _KEY_NAME, src_dir_fd=fd, dst_dir_fd=fd)  # no hard links here
            finally:
                _unlink_in(fd, temp)
            text = _read_in(fd, _KEY_NAME, 2 * _KEY_BYTES, private=True)
    except (OSError, NotImplementedError) as error:  # NotImplementedError: no *at() calls here
        raise CacheRefused(f"{where}: {getattr(error, 'strerror', None) or error}") from None
    finally:
        os.close(fd)
    try:
        key = bytes.fromhex((text or b"").decode("ascii"))
    except (UnicodeDecodeError, ValueError):
        key = b""
    if len(key) != _KEY_BYTES:
        raise CacheRefused(f"{where}: not a private key file of this user (a regular 0600 file of "
                           f"{2 * _KEY_BYTES} hex digits, not a symlink); remove it to make a new one")
    _KEYS[where] = key
    return key


def _exists_in(folder_fd: int, name: str) -> bool:
    try:
        os.stat(name, dir_fd=folder_fd, follow_symlinks=False)
        return True
    except OSError:
        return False


def _mac(key: bytes, name: str, payload: bytes) -> bytes:
    """The MAC of a cache file's payload, bound to its name (the configuration's key), so
    entries cannot be moved to another configuration's file either."""
    return hmac.new(key, name.encode() + b"\0" + payload, hashlib.sha256).hexdigest().encode()


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

    Trust: the folder must be the running user's own, not a symlink, not writable by group
    or others (else ``refused`` says why and the run goes on without the cache); the file
    carries an HMAC of its payload with the user's secret key (``user_key``), checked before
    the JSON is parsed. A file without it, or with another key's, is a miss: no one else
    can write entries that hide a finding.
    """

    def __init__(self, directory: Path, settings: Settings):
        self.directory = directory
        self.name = f"findings-{_settings_key(settings)}.json"
        self.file = directory / self.name
        self.entries: dict = {}
        self.dirty = False
        self.refused: Optional[str] = None
        try:
            self._secret = user_key()
            fd = _open_checked_folder(directory, create=False, private=False)
        except CacheRefused as error:
            self.refused = str(error)
            return
        if fd is None:
            return  # no cache yet
        try:
            data = _read_in(fd, self.name, MAX_CACHE_BYTES)
        finally:
            os.close(fd)
        payload = self._verified(data)
        try:
            parsed = json.loads(payload) if payload is not None else None
            if isinstance(parsed, dict) and parsed.get("version") == __version__:
                entries = parsed.get("entries", {})
                self.entries = entries if isinstance(entries, dict) else {}
        except (ValueError, RecursionError):
            self.entries = {}  # garbage (even with a good MAC: a miss, never a crash)

    def _verified(self, data: Optional[bytes]) -> Optional[bytes]:
        """The payload when ``data`` carries this user's MAC for this file, else None."""
        if data is None or not data.startswith(CACHE_MAGIC):
            return None
        mac, _, payload = data[len(CACHE_MAGIC):].partition(b"\n")
        return payload if hmac.compare_digest(mac, _mac(self._secret, self.name, payload)) else None

    def get(self, item: SourceFile) -> tuple:
        """(findings, None) when the file's signature is unchanged; else (None, known):
        known is (content digest, findings) to compare the file's content with, or None."""
        entry = self.entries.get(os.path.abspath(item.path))
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
        self.entries[os.path.abspath(item.path)] = [read_signature, [_finding_to_cache(f) for f in findings], digest]
        self.dirty = True

    def save(self) -> None:
        if not self.dirty or self.refused is not None:
            return
        try:
            fd = _open_checked_folder(self.directory, create=True, private=False)
        except CacheRefused as error:
            self.refused = str(error)  # e.g. replaced by a symlink during the run: not written
            return
        temp = None
        try:
            try:
                marker = os.open(".gitignore", os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW, 0o644, dir_fd=fd)
                with os.fdopen(marker, "wb") as handle:
                    handle.write(CACHE_GITIGNORE)
            except FileExistsError:
                pass  # already there (even a dangling symlink: never followed)
            payload = json.dumps({"version": __version__, "entries": self.entries}).encode()
            temp = _temp_in(fd, self.name, CACHE_MAGIC + _mac(self._secret, self.name, payload) + b"\n" + payload)
            os.replace(temp, self.name, src_dir_fd=fd, dst_dir_fd=fd)
            temp = None
        except (OSError, ValueError, NotImplementedError):
            pass  # a cache that cannot be written only costs time
        finally:
            if temp is not None:
                _unlink_in(fd, temp)
            os.close(fd)


CACHE_GITIGNORE = b"# Created by ac-fixer.\n*\n"


def _written_by_us(name: str) -> bool:
    return name == ".gitignore" or name.endswith(".tmp") or (
        name.startswith(("findings-", "project-")) and name.endswith(".json")
    )


def remove_cache_folder(path: Path) -> tuple:
    """Remove the cache folder ``path``: the files ac-fixer writes there, then the folder.
    (removed, why it was left or None). Never follows a symlink: a folder that is one is
    left as it is; a link inside is removed itself (unlink), never its target. A folder
    that holds other files keeps them and is left (``--cache-dir`` may name any folder)."""
    if not os.path.lexists(path):
        return False, None
    if os.path.islink(path):
        return False, f"{path}: a symlink; not followed, not removed"
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW)
    except OSError as error:
        return False, f"{path}: not removed: {error.strerror or error}"
    try:
        for name in os.listdir(fd):
            if _written_by_us(name):
                try:
                    os.unlink(name, dir_fd=fd)
                except OSError:
                    pass  # a folder of that name: left, and so is the cache folder
    finally:
        os.close(fd)
    try:
        os.rmdir(path)
    except OSError as error:
        left = sorted(os.listdir(path)) if os.path.isdir(path) and not os.path.islink(path) else []
        if left:
            return False, f"{path}: not removed: it holds files ac-fixer did not write ({', '.join(left[:3])})"
        return False, f"{path}: not removed: {error.strerror or error}"
    return True, None


def cache_folders_under(top: str) -> list:
    """Every ``.ac-fixer-cache`` below the folder ``top`` (symlinked folders are not walked)."""
    from ac_fixer.config import CACHE_FOLDER

    found = []
    for directory, dirnames, _ in os.walk(top, followlinks=False):
        if CACHE_FOLDER in dirnames:
            found.append(Path(directory, CACHE_FOLDER))
        dirnames[:] = sorted(d for d in dirnames if d not in (CACHE_FOLDER, ".git"))
    return found


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
    replacements: bool = False,
) -> RunResult:
    """Check (and with ``fix``, compute fixes for) every file. Writes nothing.

    Files unchanged since the cache saw them are not read. The others are read,
    screened and analyzed in batches by worker processes, with a bounded number of
    batches in flight, so memory holds only the files in flight, never the whole tree.
    """
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

    pending = []
    for index, item in enumerate(items):
        cached, known = cache.get(item) if cache is not None else (None, None)
        if cached is not None and (not fix or not any(f.fixable for f in cached)):
            finish(index, FileOutcome(item, findings=cached))
        else:
            pending.append((index, item, known))
    use_cache = cache is not None
    workers = worker_count(jobs)
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
    tasks = [(batch, settings, fix, use_cache, replacements) for batch in batches]
    if parallel:
        _run_in_workers(tasks, workers, finish)
    else:
        for task in tasks:
            for result in _process_batch(task):
                finish(*result)
    if cache is not None:
        cache.save()
        cache_warning = cache.refused
    return RunResult(outcomes, cache_warning)


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
            replacements[site] = _replacement_in_window(text, start, start + len(rewrite.old), rewrite.new)
    if slow:
        replacements.update(replacements_per_finding(source, display, settings, slow))
    return replacements


def _replacement_in_window(old: str, start: int, end: int, window: str):
    """:func:`_replacement` of ``old`` and ``old[:start] + window + old[end:]``, without
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

    def position(offset: int):
        line = old.count("\n", 0, offset) + 1
        column = offset - (old.rfind("\n", 0, offset) + 1) + 1
        return line, column

    return position(first), position(end_old), new_slice(first, end_new)


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
            replacements[_site(finding)] = _replacement(_decode(source), _decode(single.source))
    return replacements


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
