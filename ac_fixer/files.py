"""Files: discovery (with .gitignore and excludes), safe reads and atomic writes."""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Optional

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
    paths: Iterable[str], exclude: Iterable[str] = (), exclude_base: Optional[Path] = None
) -> tuple[list[SourceFile], list[FileError]]:
    """The files to check under ``paths``, in a deterministic order, and paths that don't exist."""
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


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path``'s content: temp file in the same folder, fsync, rename. Mode bits kept."""
    info = os.stat(path)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".ac-fixer-tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(temp, stat.S_IMODE(info.st_mode))
        try:
            os.chown(temp, info.st_uid, info.st_gid)
        except OSError:
            pass  # not ours to give away; the mode bits are kept all the same
        os.replace(temp, path)
    except BaseException:
        try:
            os.unlink(temp)
        except OSError:
            pass
        raise
