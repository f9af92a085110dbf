"""Files: discovery (with .gitignore and excludes), safe reads and atomic writes."""

from __future__ import annotations

import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Optional

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
    """``.gitignore`` files (each applies below its folder) and configured excludes."""

    def __init__(self, exclude: Iterable[str] = (), exclude_base: Optional[Path] = None):
        import pathspec

        self._pathspec = pathspec
        self.exclude = pathspec.GitIgnoreSpec.from_lines(list(exclude)) if exclude else None
        self.exclude_base = (exclude_base or Path.cwd()).resolve()
        self._gitignores: dict = {}

    def _gitignore(self, directory: Path):
        if directory not in self._gitignores:
            spec = None
            candidate = directory / ".gitignore"
            try:
                if candidate.is_file():
                    lines = candidate.read_text("utf-8", errors="replace").splitlines()
                    spec = self._pathspec.GitIgnoreSpec.from_lines(lines)
            except OSError:
                spec = None
            self._gitignores[directory] = spec
        return self._gitignores[directory]

    def ignored(self, path: Path, is_dir: bool, repo_root: Optional[Path]) -> bool:
        absolute = path.resolve() if not path.is_absolute() else path
        if self.exclude is not None:
            try:
                relative = absolute.relative_to(self.exclude_base).as_posix()
            except ValueError:
                relative = None
            if relative is not None and self.exclude.match_file(relative + ("/" if is_dir else "")):
                return True
        if repo_root is None:
            return False
        directory = absolute.parent
        while True:
            spec = self._gitignore(directory)
            if spec is not None:
                relative = absolute.relative_to(directory).as_posix()
                if spec.match_file(relative + ("/" if is_dir else "")):
                    return True
            if directory == repo_root or directory.parent == directory:
                return False
            directory = directory.parent


def _repo_root(start: Path) -> Optional[Path]:
    for directory in (start, *start.parents):
        if (directory / ".git").exists():
            return directory
    return None


def _is_virtualenv(directory: Path) -> bool:
    return (directory / "pyvenv.cfg").is_file()


def discover(
    paths: Iterable[str], exclude: Iterable[str] = (), exclude_base: Optional[Path] = None
) -> tuple[list[SourceFile], list[FileError]]:
    """The files to check under ``paths``, in a deterministic order, and paths that don't exist."""
    rules = _IgnoreRules(exclude, exclude_base)
    found: list[SourceFile] = []
    errors: list[FileError] = []
    seen: set = set()

    def add(item: SourceFile) -> None:
        # A symlink and its target are one file: checked (and fixed) once.
        key = os.path.realpath(item.path)
        if key not in seen:
            seen.add(key)
            found.append(item)

    for given in paths:
        path = Path(given)
        if path.is_dir():
            root = path.resolve()
            repo_root = _repo_root(root)
            if repo_root is not None and root != repo_root and rules.ignored(root, True, repo_root):
                # A folder named explicitly is checked even if .gitignore'd above it;
                # only the .gitignore files inside it apply.
                repo_root = root
            for item in _walk(path, root, rules, repo_root):
                add(item)
        elif path.exists() or path.is_symlink() or os.path.lexists(given):
            add(SourceFile(given, path, explicit=True))
        else:
            errors.append(FileError(given, "no such file or directory"))
    return found, errors


def _walk(top: Path, root: Path, rules: _IgnoreRules, repo_root: Optional[Path]) -> Iterator[SourceFile]:
    for directory, dirnames, filenames in os.walk(top, followlinks=False):
        current = Path(directory)
        kept = []
        for name in sorted(dirnames):
            child = current / name
            if name in SKIPPED_DIRECTORIES or name.endswith(".egg-info") or _is_virtualenv(child):
                continue
            if rules.ignored(child.resolve() if child.is_symlink() else child.absolute(), True, repo_root):
                continue
            kept.append(name)
        dirnames[:] = kept
        for name in sorted(filenames):
            if not name.endswith(SOURCE_SUFFIXES):
                continue
            child = current / name
            if rules.ignored(child.absolute(), False, repo_root):
                continue
            yield SourceFile(str(child), child, explicit=False, root=root)


# --------------------------------------------------------------------------- reading


def read_source(item: SourceFile) -> bytes:
    """The file's bytes. Never blocks on a FIFO or device; errors become FileError."""
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
        return b"".join(chunks)
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
