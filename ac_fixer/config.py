"""``[tool.ac-fixer]`` in the nearest ``pyproject.toml`` (or ``--config FILE``)."""

from __future__ import annotations

import functools
import keyword
import os
import re
import sys
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

if TYPE_CHECKING:
    from ac_fixer import catalog as cat


MAX_POSITION = 255
CODE_PATTERN = re.compile(r"^ACF[0-9]{0,3}$")
KNOWN_KEYS = (
    "select", "ignore", "exclude", "value", "extend-targets", "extend-select", "per-file-ignores", "force-exclude",
    "cache-dir", "project-analysis",
)
CACHE_FOLDER = ".ac-fixer-cache"
TARGET_KEYS = (
    "name", "mode-position", "mode-keyword", "align-corners-position", "align-corners-keyword",
    "default-mode", "every-mode", "reaches",
)


class ConfigError(Exception):
    """A configuration problem; the message names the file and the key."""


@dataclass(frozen=True)
class Config:
    path: Optional[Path] = None  # the file it came from
    select: tuple = ()
    ignore: tuple = ()
    exclude: tuple = ()
    value: Optional[bool] = None
    extra_targets: tuple = ()
    base: Path = field(default_factory=Path.cwd)  # excludes are relative to this folder
    extend_select: tuple = ()
    per_file_ignores: tuple = ()  # PerFileIgnore entries
    force_exclude: Optional[bool] = None
    cache_dir: Optional[Path] = None
    project_analysis: Optional[bool] = None


@dataclass(frozen=True)
class PerFileIgnore:
    """One ``per-file-ignores`` entry, matched as ruff matches it: the glob against the
    file's name, or against its absolute path with the glob taken relative to the
    configuration's folder (``*`` and ``?`` also match ``/``, ``**/`` any folders,
    ``[...]``, ``{a,b}``). A leading ``!`` gives the codes to the files that do not match."""

    pattern: str  # as written, without the "!"
    base: str  # the configuration's folder (absolute, symlinks resolved)
    codes: tuple
    negated: bool = False

    def matches(self, path) -> bool:
        name_glob, path_glob = _glob_regexes(self.pattern, self.base)
        absolute = os.path.abspath(path)
        # The folder's symlinks resolved, as ``base``'s are (not the file's own).
        absolute = os.path.join(os.path.realpath(os.path.dirname(absolute)), os.path.basename(absolute))
        hit = bool(name_glob.fullmatch(os.path.basename(absolute)) or path_glob.fullmatch(absolute))
        return hit != self.negated


def ignored_for(path, per_file_ignores: tuple) -> tuple:
    """The codes ``per_file_ignores`` add to ``ignore`` for the file ``path``."""
    return tuple(code for entry in per_file_ignores if entry.matches(path) for code in entry.codes)


class GlobError(ValueError):
    pass


@functools.lru_cache(maxsize=None)
def _glob_regexes(pattern: str, base: str) -> tuple:
    absolute = pattern if os.path.isabs(pattern) else os.path.join(base, pattern)
    return re.compile(glob_regex(pattern), re.S), re.compile(glob_regex(os.path.normpath(absolute)), re.S)


def glob_regex(glob: str) -> str:
    """A regular expression for ``glob`` with ruff's semantics (globset, separators not
    literal). Hand-written: fnmatch has no ``{a,b}`` and no ``**/`` that matches zero
    folders, and pathspec's gitignore patterns anchor and split on ``/`` differently."""
    out, i, in_braces = [], 0, False
    while i < len(glob):
        c = glob[i]
        if glob.startswith("**", i):
            at_start = i == 0 or glob[i - 1] == "/"
            after = glob[i + 2:i + 3]
            if at_start and after == "/":
                out.append("(?:.*/)?")  # **/ : zero or more folders
                i += 3
                continue
            out.append(".*")
            i += 2
        elif c == "*":
            out.append(".*")
            i += 1
        elif c == "?":
            out.append(".")
            i += 1
        elif c == "\\":
            if i + 1 == len(glob):
                raise GlobError("dangling escape '\\'")
            out.append(re.escape(glob[i + 1]))
            i += 2
        elif c == "[":
            end = i + 1
            if end < len(glob) and glob[end] in "!^":
                end += 1
            if end < len(glob) and glob[end] == "]":
                end += 1
            while end < len(glob) and glob[end] != "]":
                end += 1
            if end >= len(glob):
                raise GlobError("unclosed character class '['")
            body = glob[i + 1:end]
            negate = body[:1] in ("!", "^")
            body = body[1:] if negate else body
            body = body.replace("\\", "\\\\").replace("^", "\\^").replace("[", "\\[")
            out.append("[" + ("^" if negate else "") + body + "]")
            i = end + 1
        elif c == "{":
            if in_braces:
                raise GlobError("nested '{' (alternatives cannot nest)")
            in_braces = True
            out.append("(?:")
            i += 1
        elif c == "}" and in_braces:
            in_braces = False
            out.append(")")
            i += 1
        elif c == "," and in_braces:
            out.append("|")
            i += 1
        else:
            out.append(re.escape(c))
            i += 1
    if in_braces:
        raise GlobError("unclosed '{'")
    return "".join(out)


def _per_file_ignores(value: Any, where: str, base: Path) -> tuple:
    if not isinstance(value, dict):
        raise ConfigError(f"{where}: expected a table of glob = [rule codes], got {value!r}")
    base_text = os.path.realpath(base)
    entries = []
    for pattern, codes in value.items():
        negated = pattern.startswith("!")
        glob = pattern[1:] if negated else pattern
        try:
            _glob_regexes(glob, base_text)
        except (GlobError, re.error) as error:
            raise ConfigError(f"{where}: {pattern!r} is not a valid glob: {error}") from None
        entries.append(PerFileIgnore(glob, base_text, _codes(codes, f"{where}.{pattern!r}"), negated))
    return tuple(entries)


def effective_select(config: Config, cli_select: tuple = (), cli_extend_select: tuple = ()) -> tuple:
    """The codes to check, as ruff orders them: ``--select`` replaces the configuration's
    ``select`` and ``extend-select``; ``extend-select`` adds to the ``select`` that
    applies. () selects every rule (the default), and adding to every rule changes nothing."""
    if cli_select:
        base, extend = cli_select, cli_extend_select
    else:
        base, extend = config.select, config.extend_select + cli_extend_select
    return base + tuple(code for code in extend if code not in base) if base else ()


def project_root(config: Config, start: Path) -> Path:
    """The folder of the configuration in use; else of the nearest ``pyproject.toml``
    upward from ``start``; else the git root; else the current folder."""
    if config.path is not None:
        return config.path.parent
    directory = start.resolve()
    if not directory.is_dir():
        directory = directory.parent
    for marker in ("pyproject.toml", ".git"):
        for folder in (directory, *directory.parents):
            if os.path.lexists(folder / marker) and (marker == ".git" or (folder / marker).is_file()):
                return folder
    return Path.cwd()


def cache_dir_for(config: Config, start: Path, cli_value: Optional[str] = None) -> Path:
    """Where the cache of the files under ``start`` lives: ``--cache-dir``, else
    AC_FIXER_CACHE_DIR, else the ``cache-dir`` key, else ``.ac-fixer-cache`` at the
    project root (the order ruff uses)."""
    if cli_value:
        return Path(cli_value)
    from_env = os.environ.get("AC_FIXER_CACHE_DIR")
    if from_env:
        return Path(from_env)
    if config.cache_dir is not None:
        return config.cache_dir
    return project_root(config, start) / CACHE_FOLDER


def _codes(value: Any, where: str) -> tuple:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: expected a list of rule codes, got {value!r}")
    codes = tuple(v.strip().upper() for v in value)
    for code in codes:
        if not CODE_PATTERN.match(code):
            raise ConfigError(f"{where}: {code!r} is not a rule code or prefix (ACF001, ACF1, ACF)")
    return codes


def parse_codes(text: Optional[str], where: str) -> tuple:
    if text is None:
        return ()
    return _codes([part for part in re.split(r"[\s,]+", text) if part], where)


def parse_value(value: Any, where: str) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    raise ConfigError(f"{where}: expected true or false, got {value!r}")


def _optional_int(row: dict, key: str, where: str) -> Optional[int]:
    value = row.get(key)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= MAX_POSITION:
        raise ConfigError(f"{where}.{key}: expected a position (integer 0..{MAX_POSITION}), got {value!r}")
    return value


def _optional_str(row: dict, key: str, where: str) -> Optional[str]:
    value = row.get(key)
    if value is not None and not isinstance(value, str):
        raise ConfigError(f"{where}.{key}: expected a string, got {value!r}")
    return value


def _optional_identifier(row: dict, key: str, where: str) -> Optional[str]:
    value = _optional_str(row, key, where)
    if value is not None and (not value.isidentifier() or keyword.iskeyword(value)):
        raise ConfigError(f"{where}.{key}: expected a parameter name, got {value!r}")
    return value


def target_from_row(row: Any, where: str) -> cat.Target:
    from ac_fixer import catalog as cat  # here: a configuration without extend-targets does without it

    if not isinstance(row, dict):
        raise ConfigError(f"{where}: expected a table, got {row!r}")
    for key in row:
        if key not in TARGET_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(TARGET_KEYS)})")
    name = row.get("name")
    if not isinstance(name, str) or not re.match(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$", name):
        raise ConfigError(f"{where}.name: expected a qualified name like 'mypkg.ops.resize', got {name!r}")
    flag_keyword = _optional_identifier(row, "align-corners-keyword", where) or cat.FLAG
    mode_keyword = _optional_identifier(row, "mode-keyword", where)
    mode_position = _optional_int(row, "mode-position", where)
    every_mode = row.get("every-mode", False)
    if not isinstance(every_mode, bool):
        raise ConfigError(f"{where}.every-mode: expected true or false, got {every_mode!r}")
    if mode_keyword is None and not every_mode:
        mode_keyword = cat.MODE
    default_mode = _optional_str(row, "default-mode", where)
    known = cat.default_catalog().modes_using_flag | cat.default_catalog().modes_rejecting_flag
    if default_mode is not None and default_mode not in known:
        raise ConfigError(f"{where}.default-mode: unknown mode {default_mode!r} (known: {', '.join(sorted(known))})")
    reaches = row.get("reaches")
    if reaches is not None:
        reached = cat.default_catalog().lookup(reaches) if isinstance(reaches, str) else None
        if reached is None or reached.flag_param is None or reached.every_mode != every_mode:
            choices = sorted(
                t.name for t in cat.default_catalog().targets
                if t.flag_param is not None and t.rule and t.every_mode == every_mode
            )
            raise ConfigError(
                f"{where}.reaches: expected the catalogued torch API the wrapper passes mode and align_corners "
                f"to ({', '.join(choices)}), got {reaches!r}"
            )
    return cat.user_target(
        name,
        mode_position=mode_position,
        mode_keyword=mode_keyword,
        flag_position=_optional_int(row, "align-corners-position", where),
        flag_keyword=flag_keyword,
        # Like torch's interpolate when the row names no default (the catalog's default mode).
        default_mode=default_mode or (cat.default_catalog().lookup(cat.INTERPOLATE).default_mode if not every_mode else None),
        every_mode=every_mode,
        reaches=reaches,
    )


def config_from_table(table: Any, path: Optional[Path]) -> Config:
    where = f"{path or 'configuration'}: [tool.ac-fixer]"
    if not isinstance(table, dict):
        raise ConfigError(f"{where}: expected a table")
    for key in table:
        if key not in KNOWN_KEYS:
            raise ConfigError(f"{where}: unknown key {key!r} (known: {', '.join(KNOWN_KEYS)})")
    exclude = table.get("exclude", [])
    if isinstance(exclude, str):
        exclude = [exclude]
    if not isinstance(exclude, list) or not all(isinstance(e, str) for e in exclude):
        raise ConfigError(f"{where}.exclude: expected a list of gitignore-style patterns, got {exclude!r}")
    _check_patterns(exclude, f"{where}.exclude")
    targets = table.get("extend-targets", [])
    if not isinstance(targets, list):
        raise ConfigError(f"{where}.extend-targets: expected an array of tables, got {targets!r}")
    base = path.parent if path else Path.cwd()
    force_exclude = table.get("force-exclude")
    if force_exclude is not None and not isinstance(force_exclude, bool):
        raise ConfigError(f"{where}.force-exclude: expected true or false, got {force_exclude!r}")
    cache_dir = table.get("cache-dir")
    if cache_dir is not None and (not isinstance(cache_dir, str) or not cache_dir):
        raise ConfigError(f"{where}.cache-dir: expected a folder path (a string), got {cache_dir!r}")
    project_analysis = table.get("project-analysis")
    if project_analysis is not None and not isinstance(project_analysis, bool):
        raise ConfigError(f"{where}.project-analysis: expected true or false, got {project_analysis!r}")
    return Config(
        path=path,
        project_analysis=project_analysis,
        extend_select=_codes(table["extend-select"], f"{where}.extend-select") if "extend-select" in table else (),
        per_file_ignores=_per_file_ignores(table["per-file-ignores"], f"{where}.per-file-ignores", base)
        if "per-file-ignores" in table else (),
        force_exclude=force_exclude,
        cache_dir=base / Path(cache_dir).expanduser() if cache_dir else None,
        select=_codes(table["select"], f"{where}.select") if "select" in table else (),
        ignore=_codes(table["ignore"], f"{where}.ignore") if "ignore" in table else (),
        exclude=tuple(exclude),
        value=parse_value(table["value"], f"{where}.value") if "value" in table else None,
        extra_targets=tuple(target_from_row(row, f"{where}.extend-targets[{i}]") for i, row in enumerate(targets)),
        base=base,
    )


def load_file(path: Path, *, required_table: bool) -> Optional[Config]:
    """The [tool.ac-fixer] table of a TOML file; None when absent and not required."""
    from ac_fixer.files import FileError, read_regular

    try:
        # Bounded, non-blocking, regular files only: `--config` naming a FIFO or a device
        # is an error, never a hang.
        raw = read_regular(path)[0]
    except FileError as error:
        raise ConfigError(f"{path}: {error.reason}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise ConfigError(f"{path}: invalid TOML: {error}") from None
    except RecursionError:  # tomllib recurses once per level of nesting
        raise ConfigError(f"{path}: invalid TOML: {_deep_key(raw)} nested too deeply") from None
    if path.name == "pyproject.toml" or "tool" in data:
        tool = data.get("tool", {})
        if not isinstance(tool, dict):
            raise ConfigError(f"{path}: `tool` must be a table, got {tool!r}")
        table = tool.get("ac-fixer")
    else:
        table = data  # a dedicated file (ac-fixer.toml) holds the keys at top level
    if table is None:
        if required_table:
            raise ConfigError(f"{path}: no [tool.ac-fixer] table")
        return None
    _check_depth(table, f"{path}: [tool.ac-fixer]")
    return config_from_table(table, path)


def _deep_key(data: bytes) -> str:
    """Where TOML text nests deepest: "KEY (line N)" of the key whose value opens the most
    brackets (a rough reading, strings not skipped; only for the message)."""
    key, deepest, depth, where = "a value", -1, 0, "a value"
    for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
        name, equals, _ = line.partition("=")
        if equals and depth == 0 and name.strip():
            key = name.strip()
        for char in line:
            if char in "[{":
                depth += 1
                if depth > deepest:
                    deepest, where = depth, f"{key} (line {number})"
            elif char in "]}":
                depth = max(depth - 1, 0)
    return where


MAX_DEPTH = 16  # no key of [tool.ac-fixer] nests deeper than an array of tables


def _check_depth(table: Any, where: str) -> None:
    """A ConfigError naming the key whose value nests deeper than :data:`MAX_DEPTH` (its
    message could not even be printed: the value's repr recurses)."""
    if not isinstance(table, dict):
        return
    for key, value in table.items():
        stack = [(value, 1)]
        while stack:  # no recursion: the depth is what is checked
            item, depth = stack.pop()
            if depth > MAX_DEPTH:
                raise ConfigError(f"{where}.{key}: nested too deeply (more than {MAX_DEPTH} levels)")
            if isinstance(item, dict):
                stack.extend((v, depth + 1) for v in item.values())
            elif isinstance(item, list):
                stack.extend((v, depth + 1) for v in item)


def _check_patterns(patterns: list, where: str) -> None:
    """A ConfigError naming the first pattern pathspec rejects (a lone ``!``)."""
    import pathspec

    for pattern in patterns:
        try:
            pathspec.GitIgnoreSpec.from_lines([pattern])
        except ValueError as error:
            raise ConfigError(f"{where}: {pattern!r} is not a valid gitignore-style pattern ({error})") from None


def find_config(start: Path) -> Config:
    """The nearest pyproject.toml with a [tool.ac-fixer] table, upward from ``start``."""
    directory = start.resolve()
    if not directory.is_dir():
        directory = directory.parent
    for folder in (directory, *directory.parents):
        candidate = folder / "pyproject.toml"
        if candidate.is_file():
            config = load_file(candidate, required_table=False)
            if config is not None:
                return config
    return Config()


# --------------------------------------------------------------------------- line length


def _positive_int(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and value > 0 else None


def _toml_table(path: Path) -> dict:
    try:
        data = tomllib.loads(path.read_text("utf-8"))
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return {}  # another tool's broken file is that tool's error, not ours
    return data if isinstance(data, dict) else {}


def _table(data: Any, *keys: str) -> dict:
    for key in keys:
        data = data.get(key) if isinstance(data, dict) else None
    return data if isinstance(data, dict) else {}


def _ruff_limits(settings: dict) -> Optional[int]:
    """ruff: E501 reads ``lint.pycodestyle.max-line-length`` when set, else ``line-length``."""
    pycodestyle = _table(settings, "lint", "pycodestyle") or _table(settings, "pycodestyle")
    return _positive_int(pycodestyle.get("max-line-length")) or _positive_int(settings.get("line-length"))


def _flake8_limit(path: Path) -> Optional[int]:
    import configparser

    parser = configparser.ConfigParser(interpolation=None)
    try:
        parser.read_string(path.read_text("utf-8"), str(path))
    except (OSError, UnicodeDecodeError, configparser.Error):
        return None
    if not parser.has_section("flake8"):
        return None
    section = parser["flake8"]
    return _positive_int(section.get("max-line-length") or section.get("max_line_length"))


def _limits_in(folder: Path) -> dict:
    """tool -> line length configured in ``folder`` (only the tools configured there)."""
    found: dict = {}
    pyproject = folder / "pyproject.toml"
    if pyproject.is_file():
        tool = _table(_toml_table(pyproject), "tool")
        if "ruff" in tool:
            found["ruff"] = _ruff_limits(_table(tool, "ruff"))
        if "black" in tool:
            found["black"] = _positive_int(_table(tool, "black").get("line-length"))
    for name in ("ruff.toml", ".ruff.toml"):  # they take precedence over pyproject.toml in ruff
        if (folder / name).is_file():
            found["ruff"] = _ruff_limits(_toml_table(folder / name))
            break
    for name in (".flake8", "setup.cfg", "tox.ini"):  # flake8 reads the first that has [flake8]
        if (folder / name).is_file():
            limit = _flake8_limit(folder / name)
            if limit is not None:
                found["flake8"] = limit
                break
    return found


def find_line_length(path: Path) -> Optional[int]:
    """The line length the project of ``path`` enforces: the smallest of ruff's, black's and
    flake8's, each from its nearest configuration found walking up from the file to the
    project root (the folder of the nearest pyproject.toml; without one, the folder that
    holds ``.git``). None when no tool configures one."""
    directory = Path(path).resolve()
    if not directory.is_dir():
        directory = directory.parent
    return _line_length_from(directory)


@lru_cache(maxsize=1024)
def _line_length_from(directory: Path) -> Optional[int]:
    chosen: dict = {}
    for folder in (directory, *directory.parents):
        for tool, limit in _limits_in(folder).items():
            chosen.setdefault(tool, limit)  # the nearest configuration of each tool wins
        if (folder / "pyproject.toml").is_file() or (folder / ".git").exists():
            break
    limits = [limit for limit in chosen.values() if limit is not None]
    return min(limits) if limits else None
