"""The torch API facts as data: ``catalog.toml`` loaded into :class:`Target` rows
and :class:`ModeFacts`.

Nothing here knows about syntax trees; the analysis asks the catalog what a
qualified name is, where its mode and ``align_corners`` parameters sit (by
position and keyword: kornia's ``resize`` takes its mode as ``interpolation=``)
and which rule applies. One schema (:class:`Target`) serves the built-in rows,
the ``extend-targets`` rows of a configuration and wrappers inferred from a
project. No other module spells a list of modes: each asks the catalog.
"""

from __future__ import annotations

import os

import sys
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Iterable, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

FLAG = "align_corners"
MODE = "mode"
# The API a user's wrapper (extend-targets) is checked like when its row says no more.
INTERPOLATE = "torch.nn.functional.interpolate"

# Rule codes (docs/contract.md §1).
MISSING_FLAG = "ACF001"
MISSING_FLAG_EVERY_MODE = "ACF002"
UNKNOWN_MODE = "ACF003"
REJECTED_FLAG = "ACF004"
DEPRECATED_ALIAS = "ACF101"
DEPRECATED_FIXED_MODE = "ACF102"


@dataclass(frozen=True)
class Param:
    """Where a parameter can be passed: by position (``None``: keyword only) and keyword."""

    position: int | None
    keyword: str


@dataclass(frozen=True)
class Replacement:
    """The explicit call that computes what a deprecated fixed-mode helper computes."""

    name: str
    mode: str
    align_corners: bool | None


@dataclass(frozen=True)
class ModeFacts:
    """What torch does with one mode (a ``[mode.NAME]`` table of catalog.toml)."""

    name: str
    uses_flag: bool = False
    rejects_flag: bool = False
    rejects_true: bool = False
    needs_antialias: bool = False
    rank: int | None = None  # input rank, batch and channels included
    devices: tuple[str, ...] = ()  # () = every device
    edge: str = ""  # what the kernel reads past the input's edge ({last}: the last index)

    def runs_on(self, device_type: str) -> bool:
        return not self.devices or device_type in self.devices


# Where a Target row comes from: the package's catalog.toml, a configuration's
# ``extend-targets`` or a project's own wrappers found by analysis.
BUILTIN = "builtin"
CONFIGURED = "config"
INFERRED = "inferred"


@dataclass(frozen=True)
class Target:
    name: str
    kind: str
    params: tuple[str, ...]
    default_mode: str | None
    every_mode: bool = False
    rule: str | None = None
    aliases: tuple[str, ...] = ()
    rename_to: str | None = None
    replace_with: Replacement | None = None
    mode_param: Param | None = None
    flag_param: Param | None = None
    # The modes an every_mode API takes (grid_sample); () for the others.
    modes: tuple[str, ...] = ()
    # "wrap": the audit wraps it; "caller": torch calls a wrapped API for it; "": not watched.
    audit: str = ""
    origin: str = BUILTIN
    # A wrapper (``extend-targets`` row, inferred forwarding wrapper): the catalogued torch
    # API its mode and align_corners reach unchanged (``verify`` replays that call; runtime
    # evidence recorded there fixes the wrapper's call sites). None: the API itself.
    reaches: str | None = None

    @property
    def short_name(self) -> str:
        return self.name.rsplit(".", 1)[-1]

    def all_names(self) -> tuple[str, ...]:
        return (self.name, *self.aliases)


def _param(params: Iterable[str], keyword: str) -> Param | None:
    params = list(params)
    if keyword in params:
        return Param(params.index(keyword), keyword)
    return None


def _keyword_param(params: tuple[str, ...], keyword: str | None, default: str) -> Param | None:
    """Where a row's parameter sits: its ``*_keyword`` if the row names one, else ``default``."""
    if keyword is None:
        return _param(params, default)
    return Param(params.index(keyword) if keyword in params else None, keyword)


def _target_from_row(row: Mapping) -> Target:
    params = tuple(row.get("params", ()))
    replace = row.get("replace_with")
    audit = row.get("audit", "")
    if audit not in ("", "wrap", "caller"):
        raise ValueError(f"catalog row {row.get('name')!r}: audit must be \"wrap\", \"caller\" or \"\"")
    return Target(
        name=row["name"],
        kind=row.get("kind", "function"),
        params=params,
        default_mode=row.get("default_mode") or None,
        every_mode=bool(row.get("every_mode", False)),
        rule=row.get("rule"),
        aliases=tuple(row.get("aliases", ())),
        rename_to=row.get("rename_to"),
        replace_with=Replacement(replace["name"], replace["mode"], replace.get("align_corners"))
        if replace
        else None,
        mode_param=_keyword_param(params, row.get("mode_keyword"), MODE),
        flag_param=_keyword_param(params, row.get("flag_keyword"), FLAG),
        modes=tuple(row.get("modes", ())),
        audit=audit,
    )


def _mode_from_table(name: str, table: Mapping) -> ModeFacts:
    return ModeFacts(
        name=name,
        uses_flag=bool(table.get("uses_flag", False)),
        rejects_flag=bool(table.get("rejects_flag", False)),
        rejects_true=bool(table.get("rejects_true", False)),
        needs_antialias=bool(table.get("needs_antialias", False)),
        rank=table.get("rank"),
        devices=tuple(table.get("devices", ())),
        edge=table.get("edge", ""),
    )


@dataclass(frozen=True)
class Catalog:
    targets: tuple[Target, ...]
    modes_using_flag: frozenset[str]
    modes_rejecting_flag: frozenset[str]
    by_name: Mapping[str, Target] = field(default_factory=dict, compare=False, hash=False)
    # Modes that use the flag but raise for align_corners=True (lanczos).
    modes_rejecting_true: frozenset[str] = frozenset()
    # Modes interpolate runs only with antialias=True (lanczos).
    modes_requiring_antialias: frozenset[str] = frozenset()
    # Every fact per mode, in catalog order.
    modes: Mapping[str, ModeFacts] = field(default_factory=dict, compare=False, hash=False)

    @classmethod
    def build(
        cls,
        targets: Iterable[Target],
        uses: Iterable[str],
        rejects: Iterable[str],
        rejects_true: Iterable[str] = (),
        requires_antialias: Iterable[str] = (),
        modes: Mapping[str, ModeFacts] | None = None,
    ) -> Catalog:
        targets = tuple(targets)
        by_name = {name: t for t in targets for name in t.all_names()}
        return cls(
            targets,
            frozenset(uses),
            frozenset(rejects),
            by_name,
            frozenset(rejects_true),
            frozenset(requires_antialias),
            dict(modes or {}),
        )

    @classmethod
    def from_modes(cls, targets: Iterable[Target], modes: Iterable[ModeFacts]) -> Catalog:
        by_mode = {m.name: m for m in modes}
        facts = by_mode.values()
        return cls.build(
            targets,
            (m.name for m in facts if m.uses_flag),
            (m.name for m in facts if m.rejects_flag),
            (m.name for m in facts if m.rejects_true),
            (m.name for m in facts if m.needs_antialias),
            by_mode,
        )

    def mode(self, name: str) -> ModeFacts | None:
        return self.modes.get(name)

    def known_modes(self) -> frozenset[str]:
        return self.modes_using_flag | self.modes_rejecting_flag

    def flag_modes_text(self) -> str:
        """The modes that use the flag, for help texts: ``linear, bilinear, ... or lanczos``."""
        names = [m for m in self.modes if m in self.modes_using_flag]
        return ", ".join(names[:-1]) + " or " + names[-1] if len(names) > 1 else "".join(names)

    def audited(self, how: str = "wrap") -> tuple[Target, ...]:
        """The rows the audit wraps (``"wrap"``) or reports through their callers (``"caller"``)."""
        return tuple(t for t in self.targets if t.audit == how)

    def lookup(self, qualified_name: str) -> Target | None:
        return self.by_name.get(qualified_name)

    def short_names(self) -> frozenset[str]:
        """Last components of every catalogued name: the cheap pre-filter's needles."""
        return frozenset(name.rsplit(".", 1)[-1] for name in self.by_name)

    def short_names_bytes(self) -> tuple[bytes, ...]:
        """``short_names`` as bytes, sorted: what the byte searches look for."""
        return _encoded_sorted(self.short_names())

    def short_needles(self) -> tuple[bytes, ...]:
        """The short names (bytes, sorted) that hold no other one (``upsample``, not
        ``upsample_bilinear``): a text holds a short name exactly when it holds one of
        these, and it holds at least as many of these (not overlapping) as it holds
        whole-word uses of short names."""
        return names_holding_no_other(self.short_names())

    def with_targets(self, extra: Iterable[Target]) -> Catalog:
        extra = tuple(extra)
        if not extra:
            return self
        return Catalog.build(
            self.targets + extra,
            self.modes_using_flag,
            self.modes_rejecting_flag,
            self.modes_rejecting_true,
            self.modes_requiring_antialias,
            self.modes,
        )


@lru_cache(maxsize=64)
def _encoded_sorted(names: frozenset) -> tuple[bytes, ...]:
    return tuple(sorted(name.encode() for name in names))


@lru_cache(maxsize=64)
def names_holding_no_other(names: frozenset) -> tuple[bytes, ...]:
    """``names`` (str) that hold no other one of them, as sorted bytes (see
    Catalog.short_needles)."""
    return tuple(sorted(n.encode() for n in names if not any(o != n and o in n for o in names)))


def load_catalog(text: str) -> Catalog:
    """A catalog from the text of a catalog.toml."""
    data = tomllib.loads(text)
    return Catalog.from_modes(
        (_target_from_row(row) for row in data["target"]),
        (_mode_from_table(name, table) for name, table in data["mode"].items()),
    )


@lru_cache(maxsize=None)
def default_catalog() -> Catalog:
    # The file beside this module, read with open(): importlib.resources' import alone
    # (zipfile, threading, ...) costs a one-file check ~10 ms, three times the read. It
    # stays the way for a package that is not a folder of files (a zip import).
    try:
        with open(os.path.join(os.path.dirname(__file__), "catalog.toml"), encoding="utf-8") as file:
            text = file.read()
    except OSError:
        from importlib import resources

        text = resources.files("ac_fixer").joinpath("catalog.toml").read_text("utf-8")
    return load_catalog(text)


def user_target(
    name: str,
    *,
    mode_position: int | None,
    mode_keyword: str | None,
    flag_position: int | None,
    flag_keyword: str,
    default_mode: str | None,
    every_mode: bool = False,
    reaches: str | None = None,
    origin: str = CONFIGURED,
) -> Target:
    """A wrapper of the user's own (``extend-targets``, or ``origin=INFERRED`` by the
    project analysis), checked like torch's interpolate: the same Target as a built-in row."""
    positions = [p for p in (mode_position, flag_position) if p is not None]
    params = ["" for _ in range(max(positions) + 1)] if positions else []
    if mode_position is not None:
        params[mode_position] = mode_keyword or ""
    if flag_position is not None:
        params[flag_position] = flag_keyword
    return Target(
        name=name,
        kind="function",
        params=tuple(params),
        default_mode=default_mode,
        every_mode=every_mode,
        rule=MISSING_FLAG_EVERY_MODE if every_mode else MISSING_FLAG,
        origin=origin,
        mode_param=Param(mode_position, mode_keyword) if mode_keyword or mode_position is not None else None,
        flag_param=Param(flag_position, flag_keyword),
        reaches=reaches,
    )
