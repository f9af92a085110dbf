"""What the analysis produces: plain, picklable records."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


class _NotLiteral:
    """Marks an argument whose value is not a literal (never evaluated)."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "NOT_LITERAL"

    def __reduce__(self):
        return (_NotLiteral, ())


NOT_LITERAL: Any = _NotLiteral()


@dataclass(frozen=True)
class CallArgument:
    """One argument of the call as written: ``keyword`` is None for a positional one.

    ``value`` is the Python value of a literal (numbers, strings, bools, None,
    tuples/lists of them, unary minus) and :data:`NOT_LITERAL` for anything else.
    ``source`` is the argument's text, for messages only.
    """

    keyword: str | None
    value: Any
    source: str


@dataclass
class Finding:
    path: str
    line: int
    column: int
    end_line: int
    end_column: int
    code: str
    message: str
    function: str
    mode: str | None
    fixable: bool
    fix: str | None
    # Fix safety: an unsafe fix (ACF004) is applied only with --unsafe-fixes.
    unsafe: bool = False
    # The fix changes what the program computes (``--value true``).
    changes_behavior: bool = False
    cell: int | None = None
    # The call's arguments as written, for the runtime check; all modes the
    # mode argument can take (empty when unknown).
    arguments: tuple[CallArgument, ...] = ()
    modes: tuple[str, ...] = ()
    # For the rewrite rules (ACF101/ACF102): the qualified name the call becomes and the
    # keywords the rewrite adds, e.g. (("mode", "bilinear"), ("align_corners", True)).
    rewrite_to: str | None = None
    rewrite_keywords: tuple[tuple[str, Any], ...] = ()
    # The value the fix writes for align_corners (ACF001/ACF002), or None.
    fix_value: bool | None = None
    extra: dict = field(default_factory=dict, repr=False, compare=False)

    def sort_key(self) -> tuple:
        return (self.path, self.cell if self.cell is not None else -1, self.line, self.column, self.code)

    # The one codec between a Finding and plain data (the cache's records; lossless for
    # everything but non-JSON argument values, which come back NOT_LITERAL).
    RECORD_FIELDS = (
        "line", "column", "end_line", "end_column", "code", "message", "function", "mode",
        "fixable", "fix", "unsafe", "changes_behavior", "cell", "modes", "rewrite_to", "fix_value",
    )

    def to_record(self) -> dict:
        """Every field but the path, as JSON data (:meth:`from_record` reads it back)."""
        record = {name: getattr(self, name) for name in self.RECORD_FIELDS}
        record["modes"] = list(self.modes)
        record["rewrite_keywords"] = [list(pair) for pair in self.rewrite_keywords]
        record["arguments"] = [
            [a.keyword, a.source, a.value if _json_literal(a.value) else None, _json_literal(a.value)]
            for a in self.arguments
        ]
        return record

    @classmethod
    def from_record(cls, record: dict, path: str) -> "Finding":
        fields = {name: record[name] for name in cls.RECORD_FIELDS}
        fields["modes"] = tuple(fields["modes"])
        return cls(
            path=path,
            rewrite_keywords=tuple(tuple(pair) for pair in record["rewrite_keywords"]),
            arguments=tuple(
                CallArgument(keyword, value if is_literal else NOT_LITERAL, source)
                for keyword, source, value, is_literal in record["arguments"]
            ),
            **fields,
        )

    def to_json(self, unsafe_fixes: bool = False) -> dict:
        applicable = self.fixable and (unsafe_fixes or not self.unsafe)
        record = {
            "path": self.path,
            "line": self.line,
            "column": self.column,
            "end_line": self.end_line,
            "end_column": self.end_column,
            "code": self.code,
            "message": self.message,
            "function": self.function,
            "mode": self.mode,
            "fixable": applicable,
            "fix": self.fix if applicable else None,
            # ruff's field: whether the fix is safe or unsafe, also when --fix would not
            # apply it (an unsafe fix without --unsafe-fixes); null when there is no fix.
            "applicability": ("unsafe" if self.unsafe else "safe") if self.fixable else None,
        }
        if self.cell is not None:
            record["cell"] = self.cell
        if "evidence" in self.extra:
            # A fix that rests on runtime evidence (check --evidence): its own applicability.
            record["applicability"] = "evidence"
            record["evidence"] = self.extra["evidence"]
        return record


def _json_literal(value) -> bool:
    if value is None or isinstance(value, (bool, int, float, str)):
        return True
    if isinstance(value, (list, tuple)):
        return all(_json_literal(v) for v in value) and isinstance(value, tuple) is False
    return False
