"""The torch API facts as data: ``catalog.toml`` loaded into :class:`Target` rows.

Nothing here knows about syntax trees; the analysis asks the catalog what a
qualified name is, where its ``mode`` and ``align_corners`` parameters sit and
which rule applies.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Iterable, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python < 3.11 only
    import tomli as tomllib

FLAG = "align_corners"
MODE = "mode"

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


def _target_from_row(row: Mapping) -> Target:
    params = tuple(row.get("params", ()))
    replace = row.get("replace_with")
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
        mode_param=_param(params, MODE),
        flag_param=_param(params, FLAG),
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

    @classmethod
    def build(
        cls,
        targets: Iterable[Target],
        uses: Iterable[str],
        rejects: Iterable[str],
        rejects_true: Iterable[str] = (),
        requires_antialias: Iterable[str] = (),
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
        )

    def lookup(self, qualified_name: str) -> Target | None:
        return self.by_name.get(qualified_name)

    def short_names(self) -> frozenset[str]:
        """Last components of every catalogued name: the cheap pre-filter's needles."""
        return frozenset(name.rsplit(".", 1)[-1] for name in self.by_name)

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
        )


@lru_cache(maxsize=None)
def default_catalog() -> Catalog:
    data = tomllib.loads(resources.files("ac_fixer").joinpath("catalog.toml").read_text("utf-8"))
    return Catalog.build(
        (_target_from_row(row) for row in data["target"]),
        data["modes"]["uses_flag"],
        data["modes"]["rejects_flag"],
        data["modes"].get("rejects_true", ()),
        data["modes"].get("requires_antialias", ()),
    )


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
) -> Target:
    """A wrapper of the user's own (``extend-targets``), checked like torch's interpolate."""
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
        mode_param=Param(mode_position, mode_keyword) if mode_keyword or mode_position is not None else None,
        flag_param=Param(flag_position, flag_keyword),
        reaches=reaches,
    )
