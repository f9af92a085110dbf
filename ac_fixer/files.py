"""Files: discovery (with .gitignore and excludes), safe reads and atomic writes."""

from __future__ import annotations

import operator
import os
import stat
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
    """A file that cannot be read, decoded or parsed; ``reason`` says why, for stderr.

    One class for every such failure; the source API (``check_source``) names it
    ``SourceError``.
    """

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


SourceError = FileError


class IgnoreFileProblem(FileError):
    """An ignore file (or a line of one) that was skipped: a warning, the run goes on."""

    warning = True


class SourceFile:
    """A file to check: ``display`` (the path as given or discovered; relative stays
    relative), ``path`` (a Path), ``explicit`` (named on the command line) and ``root`` (the
    directory it was discovered under).

    Discovery keeps strings (``filename``, and the absolute ``abspath`` it already knows);
    the Path is made on first use: a warm run over 10k files needs none (building two Paths
    per file was most of a warm run's time). Compared and hashed by its fields, which
    nothing changes once it is made (not enforced: a frozen class costs a warm run more).
    """

    __slots__ = ("display", "filename", "explicit", "root", "_abspath", "_path")

    def __init__(self, display: str, path, explicit: bool, root: Optional[Path] = None,
                 abspath: Optional[str] = None):
        self.display = display
        self.filename = path if path.__class__ is str else os.fspath(path)
        self.explicit = explicit
        self.root = root
        self._abspath = abspath
        self._path = path if isinstance(path, Path) else None

    @property
    def path(self) -> Path:
        if self._path is None:
            self._path = Path(self.filename)
        return self._path

    @property
    def abspath(self) -> str:
        """``os.path.abspath`` of the file (symlinks not resolved); known from the walk."""
        if self._abspath is None:
            self._abspath = os.path.abspath(self.filename)
        return self._abspath

    @property
    def suffix(self) -> str:
        """``path.suffix``, from the string."""
        name = os.path.basename(self.filename)
        dot = name.rfind(".")
        return name[dot:] if 0 < dot < len(name) - 1 else ""

    def _fields(self) -> tuple:
        return (self.display, self.filename, self.explicit, self.root)

    def __eq__(self, other):
        return self._fields() == other._fields() if isinstance(other, SourceFile) else NotImplemented

    def __hash__(self):
        return hash(self._fields())

    def __repr__(self):
        return (f"SourceFile(display={self.display!r}, path={self.path!r}, explicit={self.explicit!r}, "
                f"root={self.root!r})")

    def __reduce__(self):  # to worker processes: the strings, not the Path
        return (SourceFile, (self.display, self.filename, self.explicit, self.root, self._abspath))


# --------------------------------------------------------------------------- discovery


class _IgnoreRules:
    """``.gitignore`` files (each applies below its folder) and configured excludes.

    Paths are absolute strings without symlinks resolved beyond the walk's root; each
    folder's applicable .gitignore specs are computed once (the walk touches ~10k files
    on a large tree, so per-file work is kept to string slicing and a pathspec match).
    """

    def __init__(self, exclude: Iterable[str] = (), exclude_base: Optional[Path] = None):
        exclude = list(exclude)
        self.exclude = self._pathspec.GitIgnoreSpec.from_lines(exclude) if exclude else None
        self.exclude_base = os.path.realpath(exclude_base or Path.cwd())
        self.problems: dict = {}  # (path, reason) -> IgnoreFileProblem, each named once
        self.listening: Optional[list] = None  # gets (key, problem) of each problem met, named before or not
        self._repo_specs: dict = {}  # repo root -> [(base, spec)] of its git exclude files

    @property
    def _pathspec(self):
        """pathspec, imported when a pattern is first read: a run without excludes and
        ignore files (one file named, a tree outside git) does without it."""
        import pathspec

        return pathspec

    def load(self, directory: str):
        """The spec of ``directory/.gitignore``, or None."""
        return self.load_file(os.path.join(directory, ".gitignore"))

    def load_file(self, path: str, missing_ok: bool = False):
        """The spec of an ignore file, or None when there is none. An ignore file that cannot
        be read (a FIFO, a device, larger than the size bound) is skipped, and a line that is
        not a valid pattern (a lone ``!``) is skipped: each is recorded in ``problems``."""
        if missing_ok and not os.path.lexists(path):
            return None
        try:
            data = read_regular(path)[0]
        except FileError as error:
            if error.reason.startswith("cannot read: No such file"):
                return None
            self._problem(path, f"{error.reason}; ignore file skipped")
            return None
        lines = data.decode("utf-8", errors="replace").splitlines()
        try:
            return self._pathspec.GitIgnoreSpec.from_lines(lines)
        except ValueError:  # GitIgnorePatternError: find the lines, keep the others
            kept = []
            for number, line in enumerate(lines, 1):
                try:
                    self._pathspec.GitIgnoreSpec.from_lines([line])
                except ValueError as error:
                    self._problem(f"{path}:{number}", f"invalid pattern {line!r} skipped ({error})")
                    continue
                kept.append(line)
            return self._pathspec.GitIgnoreSpec.from_lines(kept)

    def _problem(self, path: str, reason: str) -> None:
        key = (path, reason)
        problem = self.problems.setdefault(key, IgnoreFileProblem(path, reason))
        if self.listening is not None:
            self.listening.append((key, problem))

    def repo_specs(self, repo_root: str) -> list:
        """(base, spec) of the repository's ``.git/info/exclude`` and the user's global git
        excludes file (``core.excludesFile``), both relative to the repository root, as git
        (and ruff) apply them."""
        if repo_root not in self._repo_specs:
            specs = []
            for path in git_exclude_files(repo_root, self._problem):
                spec = self.load_file(path, missing_ok=True)
                if spec is not None:
                    specs.append((repo_root, spec))
            self._repo_specs[repo_root] = specs
        return self._repo_specs[repo_root]

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
        specs = list(self.repo_specs(repo_root)) if chain[-1] == repo_root else []
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


# ------------------------------------------------------------------ git's exclude files
# Read here rather than by running git: git may be absent, and a checked tree must never
# choose what runs. Only what finding the exclude files needs is read: the ``.git`` file of
# a worktree or submodule (``gitdir:``), ``commondir``, and ``core.excludesFile`` in the
# global (``$GIT_CONFIG_GLOBAL``, or ``$XDG_CONFIG_HOME/git/config`` and ``~/.gitconfig``)
# and the repository's own config, the later one winning as in git. ``include`` and
# conditional includes of git config are not followed; the system config is not read.


def _git_dir(repo_root: str) -> Optional[str]:
    """The git folder whose ``info/exclude`` and ``config`` apply (the common folder of a
    worktree), or None."""
    dot_git = os.path.join(repo_root, ".git")
    if os.path.isdir(dot_git):
        git_dir = dot_git
    else:
        try:
            text = read_regular(dot_git, limit=64 * 1024)[0].decode("utf-8", "replace")
        except FileError:
            return None
        if not text.startswith("gitdir:"):
            return None
        git_dir = os.path.join(repo_root, text[len("gitdir:"):].strip())
    try:
        common = read_regular(os.path.join(git_dir, "commondir"), limit=64 * 1024)[0].decode("utf-8", "replace")
        return os.path.normpath(os.path.join(git_dir, common.strip()))
    except FileError:
        return os.path.normpath(git_dir)


def git_config_value(text: str, section: str, key: str) -> Optional[str]:
    """The last value of ``section.key`` (case-insensitive, no subsection) in git config
    text, or None."""
    found, current = None, None
    for raw in text.splitlines():
        line = raw.strip()
        if line.startswith("["):
            end = line.find("]")
            header = line[1:end].strip() if end > 0 else ""
            current = header.lower() if header and '"' not in header else None
            line = line[end + 1:].strip() if end > 0 else ""
        if not line or line[0] in "#;" or current != section:
            continue
        name, equals, value = line.partition("=")
        if name.strip().lower() == key and equals:
            found = _git_config_string(value)
    return found


def _git_config_string(raw: str) -> str:
    """A git config value: quotes removed, escapes read, a comment cut off."""
    out, quoted, index, text = [], False, 0, raw.strip()
    while index < len(text):
        char = text[index]
        if char == '"':
            quoted = not quoted
        elif char == "\\" and index + 1 < len(text):
            index += 1
            out.append({"n": "\n", "t": "\t", "b": "\b"}.get(text[index], text[index]))
        elif char in "#;" and not quoted:
            break
        else:
            out.append(char)
        index += 1
    return "".join(out).strip()


def _config_home() -> str:
    return os.environ.get("XDG_CONFIG_HOME") or os.path.join(os.path.expanduser("~"), ".config")


def git_exclude_files(repo_root: str, problem=lambda path, reason: None) -> list:
    """The paths of the exclude files git applies in ``repo_root`` besides its .gitignore
    files: ``.git/info/exclude`` and the global excludes file (``core.excludesFile``,
    default ``$XDG_CONFIG_HOME/git/ignore`` or ``~/.config/git/ignore``)."""
    files = []
    git_dir = _git_dir(repo_root)
    if git_dir is not None:
        files.append(os.path.join(git_dir, "info", "exclude"))
    configs = []
    if os.environ.get("GIT_CONFIG_GLOBAL"):
        configs.append(os.environ["GIT_CONFIG_GLOBAL"])
    else:
        configs += [os.path.join(_config_home(), "git", "config"), os.path.join(os.path.expanduser("~"), ".gitconfig")]
    if git_dir is not None:
        configs.append(os.path.join(git_dir, "config"))
    excludes_file = None
    for config in configs:
        if not os.path.lexists(config):
            continue
        try:
            text = read_regular(config)[0].decode("utf-8", "replace")
        except FileError as error:
            problem(config, f"{error.reason}; git config skipped")
            continue
        value = git_config_value(text, "core", "excludesfile")
        if value is not None:
            excludes_file = value
    if excludes_file is None:
        excludes_file = os.path.join(_config_home(), "git", "ignore")
    elif excludes_file:
        excludes_file = os.path.join(repo_root, os.path.expanduser(excludes_file))
    if excludes_file:
        files.append(excludes_file)
    return files


def _repo_root(start: str) -> Optional[str]:
    current = start
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


class Walked:
    """What a walk of one named folder found (see discover's ``walks``): its files, in
    order, each's absolute path its real one, the git repository whose ignore files
    applied (``repo_root``), whether it met a symlinked source file (``linked``) and the
    problems of the ignore files its listings read (``problems``: (key, problem) pairs of
    _IgnoreRules.problems, in order). A walk of a folder above it with the same rules
    takes these where it reaches that folder instead of listing it again (see _walk's
    ``walked``): the same files and problems in the same order, for the reasons _walk
    gives there; a walk of the same folder by its absolute path finds the same files."""

    __slots__ = ("items", "repo_root", "linked", "problems")

    def __init__(self, items: list, repo_root: Optional[str], linked: bool, problems: list) -> None:
        self.items = items
        self.repo_root = repo_root
        self.linked = linked
        self.problems = problems


def discover(
    paths: Iterable[str], exclude: Iterable[str] = (), exclude_base: Optional[Path] = None,
    force_exclude: bool = False, walks: Optional[dict] = None, walked: Optional[dict] = None,
) -> tuple[list[SourceFile], list[FileError]]:
    """The files to check under ``paths``, in a deterministic order, and paths that don't exist.

    ``force_exclude``: ``exclude`` applies to paths named explicitly too (what pre-commit
    passes), as ruff's ``--force-exclude``; else a path named explicitly is always checked.
    ``walks``: a dict that gets, by its real path, a Walked of each folder walked first
    (nothing found before it) whose absolute path is its real one, when a walk of it by
    that path would find the same (see _walk). ``walked``: such a dict from a walk with the same ``exclude``
    and ``exclude_base``, whose folders this walk does not list again (speed only).
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
            first = not found
            with CollectorPaused():  # a walk of 10k files makes objects, never cycles
                start = len(found)
                outcome = _walk(given, root, rules, repo_root, seen, found, walked)
            if walks is not None and first and outcome is not None and os.path.abspath(given) == root:
                walks[root] = Walked(found[start:], repo_root, *outcome)
        elif path.exists() or os.path.lexists(given):
            add(SourceFile(given, path, explicit=True), os.path.realpath(given))
        elif given == "-":
            errors.append(FileError(given, "reading source from stdin (`-`) is not supported; name the files"))
        else:
            errors.append(FileError(given, "no such file or directory"))
    errors.extend(rules.problems.values())
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


_entry_name = operator.attrgetter("name")


class CollectorPaused:
    """The cyclic garbage collector paused for a ``with`` block (as it was after): for
    work that makes tens of thousands of objects and no reference cycles (discovery's
    directory entries and SourceFiles, the cache's decoded JSON). Each such object counts
    towards the collector's thresholds, and the collections it triggers scan every live
    object again (measured: a third of a warm run's discovery). Reference counting frees
    them as before.

    ``freeze_after`` (set by the command line's entry point, whose process ends after one
    run): what is alive when a pause ends is moved to the collector's permanent
    generation (``gc.freeze``), so that later collections do not scan those objects again
    as they age (a warm run's tens of thousands of entries), and forked workers keep
    sharing their pages (as the gc documentation advises before a fork). Off in a
    process that goes on after a run (tests, editors): frozen cycles are never freed."""

    freeze_after = False

    def __enter__(self):
        import gc

        self._enabled = gc.isenabled()
        gc.disable()
        return self

    def __exit__(self, *exc_info) -> None:
        if self._enabled:
            import gc

            if CollectorPaused.freeze_after:
                gc.freeze()
            gc.enable()


def _walk(top: str, root: str, rules: _IgnoreRules, repo_root: Optional[str], seen: set, found: list,
          walked: Optional[dict] = None) -> Optional[tuple]:
    """Append to ``found`` a SourceFile for each source file under ``top`` (whose real path
    is ``root``) whose dedup key (its real path) is not in ``seen`` yet, adding the key.

    Returns (whether it met a symlinked source file (listed, whether kept or not), the
    problems of the ignore files its listings read ((key, problem) pairs)) when a walk of
    ``root`` by its absolute path would find the same files, else None: when it could not
    list a folder or tell an entry's type (another spelling of the same path might), or
    passed the system a path that the other spelling could make too long (_SHORT_PATH).

    ``walked``: Walked records by real path (see discover). A folder below ``top`` found
    there, walked with the same git repository, is listed (a walk by its absolute path
    would have) and tested as a virtualenv, then its files (named as this walk names
    them) and problems are taken, in the place its walk would put them, instead of
    walking it, when its walk met no symlinked source file. They are the same: the
    rules (excludes, the same ignore files from the repository's root down, virtualenvs,
    skipped names, symlinked folders) decide a file from its real path alone; that
    folder's own walk met no symlinked file, so each key is the file's path (one already
    in ``seen``, through a link met earlier, is skipped as here); it met no error, and
    this walk can reach below the folder as it did (it listed the folder, so it may pass
    every folder above it; the paths are short enough on both).

    What ``os.walk(top, followlinks=False)`` with sorted names walks, in its order (a
    folder's files, then its subfolders depth-first): a symlinked folder is never entered,
    an unreadable folder is skipped. Written on ``os.scandir`` with strings only: the
    entry's type (``d_type``) tells folders and symlinks without a stat per file or per
    folder (a symlinked folder is known from its parent's listing, a virtualenv from its
    own: no ``islink`` and no ``isfile(pyvenv.cfg)`` per folder), and one Path per walk
    replaces two per file (a warm run's largest cost on 10k files).
    """
    if repo_root is None:
        specs_of = {root: []}
    elif repo_root != root:
        specs_of = {root: rules.specs_down_to(os.path.dirname(root), repo_root)}
    else:
        specs_of = {root: rules.repo_specs(root)}
    own_problems: list = []
    rules.listening = own_problems  # the problems of the ignore files the listings read
    shown_top = str(Path(top))  # as before: "./a.py" shows as "a.py"
    shown_prefix = "" if shown_top == "." else os.path.join(shown_top, "")
    absolute_top = os.path.abspath(top)
    root_path = Path(root)
    has_git = repo_root is not None
    # (folder as walked, its real path, as shown (a prefix), absolute (a prefix), whether
    # a pyvenv.cfg makes it a virtualenv to skip (not the top: named, it is walked)); a
    # stack whose top is the next folder in os.walk's order
    stack = [(top, root, shown_prefix, os.path.join(absolute_top, ""), False)]
    linked_met = failed = False
    longest = 0  # the longest absolute path of a folder listed, in bytes
    while stack:
        directory, real, shown, absolute, nested = stack.pop()
        longest = max(longest, len(os.fsencode(absolute)))
        try:
            with os.scandir(directory) as entries:
                listed = list(entries)
        except OSError:
            failed = True
            continue  # unreadable, or gone: skipped as os.walk does
        folders, names = [], []
        for entry in listed:
            try:
                is_folder = entry.is_dir()  # as os.walk: a symlink to a folder is one (not entered)
            except OSError:
                is_folder = False
                failed = True
            if is_folder:
                folders.append(entry)
            else:
                names.append(entry)
        if nested:
            virtualenv = _holds_virtualenv_marker(names)
            failed = failed or virtualenv is None
            if virtualenv:
                continue  # a virtualenv (os.path.isfile(pyvenv.cfg), as its parent used to ask)
        known = walked.get(real) if walked and nested else None
        if (known is not None and not known.linked and known.repo_root == repo_root
                and absolute == os.path.join(real, "")):
            specs_of.pop(real, None)
            cut = len(absolute)  # each file's path below the folder (its absolute path is its real one)
            for item in known.items:
                key = item.abspath
                if key not in seen:
                    seen.add(key)
                    shown_name = shown + key[cut:]
                    found.append(SourceFile(shown_name, shown_name, False, root_path, key))
            for key, problem in known.problems:
                rules.problems.setdefault(key, problem)
                own_problems.append((key, problem))
            continue
        specs = specs_of.pop(real, [])
        if has_git and any(entry.name == ".gitignore" for entry in names):
            own = rules.load(real)
            if own is not None:
                specs = specs + [(real, own)]
        patterns = bool(specs) or rules.exclude is not None
        real_prefix = os.path.join(real, "")
        kept = []
        if folders:
            folders.sort(key=_entry_name)
            for entry in folders:
                name = entry.name
                if name in SKIPPED_DIRECTORIES or name.endswith(".egg-info"):
                    continue
                try:
                    if entry.is_symlink():
                        continue  # as os.walk(followlinks=False): a symlinked folder is not entered
                except OSError:
                    failed = True
                child = real_prefix + name
                if patterns and rules.ignored(child, True, specs):
                    continue
                kept.append(name)
                specs_of[child] = specs
        sources = [entry for entry in names if entry.name.endswith(SOURCE_SUFFIXES)]
        if sources:
            sources.sort(key=_entry_name)
            same = real_prefix == absolute  # then a file's absolute path is its real one: one string
            for entry in sources:
                name = entry.name
                child = real_prefix + name
                if patterns and rules.ignored(child, False, specs):
                    continue
                try:
                    linked = entry.is_symlink()
                except OSError:
                    linked = False
                    failed = True
                linked_met = linked_met or linked
                key = os.path.realpath(child) if linked else child
                if key not in seen:  # a symlink and its target are one file: checked once
                    seen.add(key)
                    shown_name = shown + name
                    absolute_name = child if same else absolute + name
                    found.append(SourceFile(shown_name, shown_name, False, root_path, absolute_name))
        for name in reversed(kept):
            stack.append((os.path.join(directory, name), real_prefix + name, shown + name + os.sep,
                          absolute + name + os.sep, True))
    rules.listening = None
    if failed or os.name != "posix" or longest + _NAME_MAX >= _SHORT_PATH:
        return None
    return linked_met, own_problems


# A path shorter than this many bytes is never too long for the system (PATH_MAX: Linux
# 4096, macOS and the BSDs 1024), nor a name longer than _NAME_MAX: a walk whose folders'
# absolute paths are this short can stand for one by another spelling (see _walk).
_SHORT_PATH = 1024
_NAME_MAX = 256  # with the separator before it


def _holds_virtualenv_marker(entries: list) -> Optional[bool]:
    """Whether a folder's listing (its entries that are not folders) holds a pyvenv.cfg
    that is a file (os.path.isfile: a symlink is followed): a virtualenv, not walked into.
    None when its type could not be told (its stat failed): taken as not one."""
    for entry in entries:
        if entry.name == VENV_MARKER:
            try:
                return entry.is_file()
            except OSError:
                return None
    return False


VENV_MARKER = "pyvenv.cfg"  # a folder holding one is a virtualenv: not walked into


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
    data, before, after = read_regular(item.path, item.display)
    return data, (after if after == signature(before) else None)


# The most bytes read from any one file the tool reads: sources, notebooks, configuration,
# .gitignore and git exclude files (the cache file has its own, larger bound). Larger files
# are named and skipped; AC_FIXER_MAX_FILE_BYTES changes it (a positive integer).
MAX_FILE_BYTES = 8 * 1024 * 1024


def max_file_bytes() -> int:
    """The size bound in force (``AC_FIXER_MAX_FILE_BYTES`` or :data:`MAX_FILE_BYTES`)."""
    configured = os.environ.get("AC_FIXER_MAX_FILE_BYTES", "")
    try:
        value = int(configured)
    except ValueError:
        return MAX_FILE_BYTES
    return value if value > 0 else MAX_FILE_BYTES


def read_regular(path, display: Optional[str] = None, limit: Optional[int] = None) -> tuple:
    """(bytes, fstat before reading, signature after reading) of a regular file: the one
    reader of every file the tool reads.

    Opened non-blocking (a FIFO or device swapped in never blocks the open), the open file
    itself must be a regular file (``fstat`` on the descriptor: what is read is what was
    checked), and at most ``limit`` bytes (default :func:`max_file_bytes`) are read: a
    ``/proc`` file whose size says 0, or a file that grows while it is read, cannot exhaust
    memory. A ``/proc``-like file (its content longer than its size, which did not change)
    is refused as not a regular file on disk. Errors are FileError naming ``display``.
    """
    display = str(path) if display is None else display
    limit = max_file_bytes() if limit is None else limit
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)
    except OSError as error:
        raise FileError(display, f"cannot read: {error.strerror or error}") from None
    try:
        info = os.fstat(fd)
        if stat.S_ISDIR(info.st_mode):
            raise FileError(display, "is a directory")
        if not stat.S_ISREG(info.st_mode):
            raise FileError(display, "not a regular file")
        too_large = f"larger than {limit} bytes, the limit on a file's size (AC_FIXER_MAX_FILE_BYTES); not read"
        if info.st_size > limit:
            raise FileError(display, too_large)
        chunks, total = [], 0
        while True:
            chunk = os.read(fd, min(1 << 20, limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > info.st_size and signature(os.fstat(fd)) == signature(info):
                raise FileError(display, f"not a regular file on disk (its size says {info.st_size} bytes, "
                                         "it reads more)")
            if total > limit:
                raise FileError(display, too_large)
        return b"".join(chunks), info, signature(os.fstat(fd))
    except OSError as error:
        raise FileError(display, f"cannot read: {error.strerror or error}") from None
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
    import secrets  # here, not at the top: a check that writes nothing does without it

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
    import tempfile  # here, not at the top: a check that writes no report does without it

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
