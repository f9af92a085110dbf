"""``[tool.ac-fixer]`` in the nearest ``pyproject.toml`` (or ``--config FILE``)."""

from __future__ import annotations

import keyword
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

from ac_fixer import catalog as cat

MAX_POSITION = 255
CODE_PATTERN = re.compile(r"^ACF[0-9]{0,3}$")
KNOWN_KEYS = ("select", "ignore", "exclude", "value", "extend-targets")
TARGET_KEYS = (
    "name", "mode-position", "mode-keyword", "align-corners-position", "align-corners-keyword",
    "default-mode", "every-mode",
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


def _target(row: Any, where: str) -> cat.Target:
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
    return cat.user_target(
        name,
        mode_position=mode_position,
        mode_keyword=mode_keyword,
        flag_position=_optional_int(row, "align-corners-position", where),
        flag_keyword=flag_keyword,
        default_mode=default_mode or ("nearest" if not every_mode else None),
        every_mode=every_mode,
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
    return Config(
        path=path,
        select=_codes(table["select"], f"{where}.select") if "select" in table else (),
        ignore=_codes(table["ignore"], f"{where}.ignore") if "ignore" in table else (),
        exclude=tuple(exclude),
        value=parse_value(table["value"], f"{where}.value") if "value" in table else None,
        extra_targets=tuple(_target(row, f"{where}.extend-targets[{i}]") for i, row in enumerate(targets)),
        base=path.parent if path else Path.cwd(),
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
