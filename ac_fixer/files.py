"""Files: discovery (with .gitignore and excludes), safe reads and atomic writes."""

from __future__ import annotations

import os
import secrets
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Optional, Sequence

SOURCE_SUFFIXES = (".py", ".ipynb")

# Folders never walked into (a file named explicitly is still checked).
SKIPPED_DIRECTORIES = frozenset(
    {
        ".git", ".hg", ".svn", ".bzr", ".tox", ".nox", ".venv", "venv", ".env", "env",
        "__pycache__", ".mypy_cache", ".pytest_cache", ".ruff_cache", ".ac-fixer-cache",
        ".ipynb_checkpoints", "node_modules", "site-packages", "build", "dist", "_build",
        "buck-out", ".eggs", ".direnv", "__pypackages__",
    }
)


class FileError(Exception):
    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


@dataclass(frozen=True)
class SourceFile:
    display: str  # the path as given or discovered (relative stays relative)
    path: Path
    explicit: bool  # named on the command line
    root: Optional[Path] = None  # the directory it was discovered under


# --------------------------------------------------------------------------- discovery


class _IgnoreRules:
    """``.gitignore`` files (each applies below its folder) and configured excludes.

    Paths are absolute strings without symlinks resolved beyond the walk's root; each
    folder's applicable .gitignore specs are computed once (the walk touches ~10k files
    on a large tree, so per-file work is kept to string slicing and a pathspec match).
    """

    def __init__(self, exclude: Iterable[str] = (), exclude_base: Optional[Path] = None):
        import pathspec

        self._pathspec = pathspec
        self.exclude = pathspec.GitIgnoreSpec.from_lines(list(exclude)) if exclude else None
        self.exclude_base = os.path.realpath(exclude_base or Path.cwd())

    def load(self, directory: str):
        """The spec of ``directory/.gitignore``, or None."""
        try:
            with open(os.path.join(directory, ".gitignore"), encoding="utf-8", errors="replace") as handle:
                return self._pathspec.GitIgnoreSpec.from_lines(handle.read().splitlines())
        except OSError:
            return None

    def specs_down_to(self, directory: str, repo_root: Optional[str]) -> list:
        """(base, spec) of every .gitignore from ``repo_root`` down to ``directory``."""
        if repo_root is None:
            return []
        chain, current = [], directory
        while True:
            chain.append(current)
            if current == repo_root or os.path.dirname(current) == current:
                break
            current = os.path.dirname(current)
        specs = []
        for folder in reversed(chain):
            spec = self.load(folder)
            if spec is not None:
                specs.append((folder, spec))
        return specs

    def ignored(self, path: str, is_dir: bool, specs: list) -> bool:
        suffix = "/" if is_dir else ""
        if self.exclude is not None and path.startswith(self.exclude_base + os.sep):
            if self.exclude.match_file(path[len(self.exclude_base) + 1:] + suffix):
                return True
        for base, spec in specs:
            if spec.match_file(path[len(base) + 1:] + suffix):
                return True
        return False

    def excludes_named(self, given: str) -> bool:
        """Whether ``exclude`` matches a path named explicitly (or a folder above it, below
        the configuration's folder). Its folder's symlinks are resolved, not its own."""
        if self.exclude is None:
            return False
        absolute = os.path.abspath(given)
        absolute = os.path.join(os.path.realpath(os.path.dirname(absolute)), os.path.basename(absolute))
        return self.ignored(absolute, os.path.isdir(given), [])


def _repo_root(start: str) -> Optional[str]:
    current = start
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def discover(
    paths: Iterable[str], exclude: Iterable[str] = (), exclude_base: Optional[Path] = None,
    force_exclude: bool = False,
) -> tuple[list[SourceFile], list[FileError]]:
    """The files to check under ``paths``, in a deterministic order, and paths that don't exist.

    ``force_exclude``: ``exclude`` applies to paths named explicitly too (what pre-commit
    passes), as ruff's ``--force-exclude``; else a path named explicitly is always checked.
    """
    rules = _IgnoreRules(exclude, exclude_base)
    found: list[SourceFile] = []
    errors: list[FileError] = []
    seen: set = set()

    def add(item: SourceFile, key: str) -> None:
        # A symlink and its target are one file: checked (and fixed) once.
        if key not in seen:
            seen.add(key)
            found.append(item)

    for given in paths:
        path = Path(given)
        if force_exclude and rules.excludes_named(given):
            continue
        if path.is_dir():
            root = os.path.realpath(given)
            repo_root = _repo_root(root)
            if repo_root is not None and root != repo_root:
                parent_specs = rules.specs_down_to(os.path.dirname(root), repo_root)
                if rules.ignored(root, True, parent_specs):
                    # A folder named explicitly is checked even if .gitignore'd above it;
                    # only the .gitignore files inside it apply.
                    repo_root = root
            for item, key in _walk(given, root, rules, repo_root):
                add(item, key)
        elif path.exists() or os.path.lexists(given):
            add(SourceFile(given, path, explicit=True), os.path.realpath(given))
        elif given == "-":
            errors.append(FileError(given, "reading source from stdin (`-`) is not supported; name the files"))
        else:
            errors.append(FileError(given, "no such file or directory"))
    return found, errors


def file_identity(item: SourceFile):
    """What makes two names one file: the directory entry a fix replaces, as the
    (st_dev, st_ino) of its real folder and its name there. Spellings (``./``, ``..``),
    symlinks and symlinked folders resolve to it; hard links are separate entries (a fix
    of one name does not change the other)."""
    real = os.path.realpath(item.path)
    folder, name = os.path.split(real)
    try:
        info = os.stat(folder)
    except OSError:
        return real
    return (info.st_dev, info.st_ino, name)


def one_entry_per_file(lists: Sequence[Sequence[SourceFile]], rank: Callable[[int, SourceFile], tuple]) -> list:
    """``lists`` (the files of each configuration) with every file in one list only.

    A file found in several lists stays in the one ``rank(list_index, item)`` orders
    first (ties: the first list); the order within each list is kept.
    """
    places: dict = {}
    for index, items in enumerate(lists):
        for item in items:
            places.setdefault(file_identity(item), []).append((index, item))
    chosen = {}
    for entries in places.values():
        if len(entries) > 1:
            best = min(range(len(entries)), key=lambda k: (rank(*entries[k]), k))
            for k, (index, item) in enumerate(entries):
                if k != best:
                    chosen[(index, id(item))] = False
    return [[item for item in items if chosen.get((index, id(item)), True)] for index, items in enumerate(lists)]


def _walk(top: str, root: str, rules: _IgnoreRules, repo_root: Optional[str]):
    """(SourceFile, dedup key) for each source file under ``top`` (whose real path is ``root``)."""
    specs_of = {root: rules.specs_down_to(os.path.dirname(root), repo_root) if repo_root != root else []}
    for directory, dirnames, filenames in os.walk(top, followlinks=False):
        relative = os.path.relpath(directory, top)
        real = root if relative == "." else os.path.join(root, relative)
        specs = specs_of.pop(real, [])
        if ".gitignore" in filenames and repo_root is not None:
            own = rules.load(real)
            if own is not None:
                specs = specs + [(real, own)]
        kept = []
        for name in sorted(dirnames):
            child = os.path.join(real, name)
            if name in SKIPPED_DIRECTORIES or name.endswith(".egg-info"):
                continue
            if os.path.isfile(os.path.join(child, "pyvenv.cfg")) or rules.ignored(child, True, specs):
                continue
            kept.append(name)
            specs_of[child] = specs
        dirnames[:] = kept
        for name in sorted(filenames):
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            child = os.path.join(real, name)
            if rules.ignored(child, False, specs):
                continue
            shown = Path(directory, name)  # as before: "./a.py" shows as "a.py"
            key = os.path.realpath(child) if os.path.islink(shown) else child
            yield SourceFile(str(shown), shown, explicit=False, root=Path(root)), key


# --------------------------------------------------------------------------- reading


def read_source(item: SourceFile) -> bytes:
    """The file's bytes. Never blocks on a FIFO or device; errors become FileError."""
    return read_source_and_signature(item)[0]


def signature(info: os.stat_result) -> list:
    """What tells that a file changed without reading it (the cache's key)."""
    return [info.st_mtime_ns, info.st_size, info.st_ino, info.st_ctime_ns]


def read_source_and_signature(item: SourceFile) -> tuple:
    """(bytes, signature of exactly what was read): the signature is None when the file
    changed while it was read (its findings must not be cached under either signature)."""
    try:
        fd = os.open(item.path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except OSError as error:
        raise FileError(item.display, f"cannot read: {error.strerror or error}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileError(item.display, "is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise FileError(item.display, "not a regular file")
        chunks = []
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            chunks.append(chunk)
        after = signature(os.fstat(fd))
        return b"".join(chunks), (after if after == signature(info) else None)
    except OSError as error:
        raise FileError(item.display, f"cannot read: {error.strerror or error}") from None
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- writing


def write_target(item: SourceFile) -> Path:
    """Where a fix of ``item`` is written: a symlink's target, never the link itself.

    A discovered link whose target lies outside the folder it was found under
    is refused (FileError); one named explicitly is followed.
    """
    real = Path(os.path.realpath(item.path))
    if item.path.is_symlink() and not item.explicit and item.root is not None:
        try:
            real.relative_to(item.root)
        except ValueError:
            raise FileError(item.display, f"symlink to {real} outside the checked folder; not written") from None
    return real


# Temporary files of writes in flight: removed when the run is ended by SIGTERM/SIGHUP.
_TEMP_FILES: set = set()


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path``'s content: temp file in the same folder, fsync, rename.

    The new file keeps the old one's owner and group (when this user may give them),
    mode bits including setuid/setgid/sticky, and extended attributes (``user.*``, the
    POSIX ACL ``system.posix_acl_access``, ``security.*``); a file whose mode bits or
    attributes cannot be kept is not written (FileError saying which).
    """
    info = os.stat(path)
    attributes = _extended_attributes(path)
    # Not tempfile.mkstemp: the name must be registered before the file exists, so that a
    # SIGTERM at any moment finds it (see remove_temp_files_on_termination).
    for _ in range(100):
        temp = str(path.parent / f".{path.name}.{secrets.token_hex(4)}.ac-fixer-tmp")
        _TEMP_FILES.add(temp)
        try:
            fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
            break
        except FileExistsError:
            _TEMP_FILES.discard(temp)
        except BaseException:
            _TEMP_FILES.discard(temp)
            raise
    else:  # pragma: no cover - 100 collisions of 32 random bits
        raise FileExistsError(f"no free temporary name next to {path}")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            _copy_metadata(handle.fileno(), str(path), info, attributes)
            os.fsync(handle.fileno())
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
    finally:
        _TEMP_FILES.discard(temp)


def _extended_attributes(path: Path) -> dict:
    """name -> value of every extended attribute of ``path`` this user can list."""
    if not hasattr(os, "listxattr"):
        return {}
    try:
        names = os.listxattr(path)
    except OSError:
        return {}  # the file system has none
    attributes = {}
    for name in names:
        try:
            attributes[name] = os.getxattr(path, name)
        except OSError as error:
            reason = f"cannot read extended attribute {name} ({error.strerror or error}); not written"
            raise FileError(str(path), reason) from None
    return attributes


def _copy_metadata(fd: int, path: str, info: os.stat_result, attributes: dict) -> None:
    """Give the temp file ``fd`` the owner, attributes and mode of the original.

    Order matters: chown clears setuid/setgid and file capabilities, so it comes first;
    an ACL rewrites the group bits, so the mode comes last (it matches the original's ACL).
    """
    mode = stat.S_IMODE(info.st_mode)
    try:
        os.chown(fd, info.st_uid, info.st_gid)
    except OSError:
        if mode & (stat.S_ISUID | stat.S_ISGID):
            # Keeping the bits on a file now owned by this user would hand out its rights.
            raise FileError(path, "cannot keep the owner of a setuid/setgid file; not written") from None
        # otherwise not ours to give away; the mode bits are kept all the same
    if hasattr(os, "setxattr"):
        _copy_extended_attributes(fd, path, attributes)
    os.chmod(fd, mode)
    kept = stat.S_IMODE(os.fstat(fd).st_mode)
    # chmod drops setgid silently for a group this user is not in. (Only the special
    # bits are checked: some file systems show fixed permission bits whatever chmod does.)
    if mode & ~kept & (stat.S_ISUID | stat.S_ISGID | stat.S_ISVTX):
        raise FileError(path, f"cannot keep mode {mode:o} (the new file would have {kept:o}); not written")


# Attributes that describe the content (integrity hashes and signatures): the kernel
# computes them for the new content; a copy of the old one would be wrong.
_CONTENT_ATTRIBUTES = frozenset({"security.ima", "security.evm"})


def _copy_extended_attributes(fd: int, path: str, attributes: dict) -> None:
    for name, value in attributes.items():
        if name in _CONTENT_ATTRIBUTES:
            continue
        try:
            os.setxattr(fd, name, value)
        except OSError as error:
            try:
                same = os.getxattr(fd, name) == value  # e.g. the security label every new file gets
            except OSError:
                same = False
            if not same:
                reason = f"cannot keep extended attribute {name} ({error.strerror or error}); not written"
                raise FileError(path, reason) from None
    try:
        extra = [name for name in os.listxattr(fd) if name not in attributes]
    except OSError:
        return
    for name in extra:
        # An ACL inherited from the folder's default ACL: the original had none.
        if name.startswith("system.posix_acl"):
            try:
                os.removexattr(fd, name)
            except OSError:
                pass


def remove_temp_files_on_termination():
    """A context manager: while it is entered, SIGTERM and SIGHUP remove the temporary
    files of writes in flight, end the worker processes and exit with 128 + the signal.

    Worker processes forked meanwhile inherit the handler (they hold no temp files and
    exit at once). Outside the main thread it does nothing (signals go to the main thread).
    """
    import contextlib
    import signal
    import threading

    @contextlib.contextmanager
    def installed():
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        numbers = [signal.SIGTERM] + ([signal.SIGHUP] if hasattr(signal, "SIGHUP") else [])
        previous = {number: signal.signal(number, _terminate) for number in numbers}
        try:
            yield
        finally:
            for number, handler in previous.items():
                signal.signal(number, handler)

    return installed()


def _terminate(number, frame) -> None:
    for temp in list(_TEMP_FILES):
        try:
            os.unlink(temp)
        except OSError:
            pass
    import multiprocessing

    children = multiprocessing.active_children()
    for child in children:
        child.terminate()
    for child in children:
        child.join(2)
    os._exit(128 + number)


def is_excluded(path: str, exclude: Iterable[str], exclude_base: Optional[Path] = None) -> bool:
    """Whether the configured ``exclude`` patterns match ``path`` (which need not exist:
    ``check --stdin-filename`` names the file an editor is showing)."""
    if not exclude:
        return False
    return _IgnoreRules(exclude, exclude_base).ignored(os.path.realpath(path), False, [])


def write_report(path: Path, data: bytes) -> None:
    """Write a report file (``--output-file``) atomically: a temporary file in the same
    folder, then a rename, so a reader never sees half a report. A symlink is kept (its
    target is replaced); an existing file keeps its mode bits; missing folders are made."""
    target = Path(os.path.realpath(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        mode = 0o666 & ~umask
    fd, temp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".ac-fixer-tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
