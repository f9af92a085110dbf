"""ACF004: align_corners passed with a mode that rejects it (or rejects True)."""

from __future__ import annotations

from ac_fixer import catalog as cat
from ac_fixer.rules.base import (
    FLAG_BOOLISH,
    MODE_ABSENT,
    MODE_DYNAMIC,
    MODE_LITERAL,
    MODE_RESOLVABLE,
    REJECTING,
    REJECTING_TRUE,
    CallShape,
    CheckContext,
    Invalid,
    PendingFinding,
    Rule,
    flag_argument,
    is_none,
    quoted,
    short_name,
)


def _rejected_flag_may_fire(call: CallShape) -> bool:
    """ACF004: a True/False-like flag with a mode that may reject it (or reject True)."""
    if not call.flag_rule or call.flag != FLAG_BOOLISH or call.target.every_mode:
        return False
    facts = call.facts()
    accepting = facts.modes_using_flag - facts.modes_rejecting_true
    if call.mode == MODE_ABSENT:
        return call.target.default_mode not in accepting
    if call.mode == MODE_LITERAL:
        return call.mode_text not in accepting
    return call.mode in (MODE_DYNAMIC, MODE_RESOLVABLE)


RULES = (
    Rule(
        code="ACF004",
        name="align-corners-rejected",
        summary="align_corners passed with a mode that rejects it",
        what=f"Finds interpolate-like calls that pass `align_corners=True/False` with {REJECTING} "
        f"(including the default `nearest`), and `align_corners=True` with {REJECTING_TRUE} "
        "(which uses the flag but accepts only False).",
        why="torch raises `ValueError` for such calls: the code cannot have worked as written.",
        example='F.interpolate(x, scale_factor=2, align_corners=False)\n# fixed:\nF.interpolate(x, scale_factor=2)',
        fix_safety=(
            "Unsafe (applied only with `--unsafe-fixes`): it turns an error into a result. For `lanczos` "
            "the fix writes `align_corners=False` (what removing the argument would mean)."
        ),
        valid=(
            'F.interpolate(x, mode="nearest")',
            'F.interpolate(x, mode="nearest", align_corners=None)',
            'F.interpolate(x, mode="lanczos", align_corners=False, antialias=True)',
        ),
        invalid=(
            (
                'F.interpolate(x, mode="nearest", align_corners=False)',
                Invalid("ACF004", 'F.interpolate(x, mode="nearest")'),
            ),
            ("nn.Upsample(scale_factor=2, align_corners=True)", Invalid("ACF004", "nn.Upsample(scale_factor=2)")),
            (
                'F.interpolate(x, scale_factor=2, mode="lanczos", align_corners=True, antialias=True)',
                Invalid("ACF004", 'F.interpolate(x, scale_factor=2, mode="lanczos", align_corners=False, antialias=True)'),
            ),
        ),
        may_fire=_rejected_flag_may_fire,
    ),
)


# --------------------------------------------------------------------------- the check


def check(calls: list, context: CheckContext) -> list:
    """ACF004 for each call that passes align_corners (not ``None``) with modes that reject it."""
    from ac_fixer.engine.binding import ABSENT

    pending: list = []
    for call in calls:
        flag = flag_argument(call)
        if flag is None or flag is ABSENT or is_none(flag.value):
            continue
        finding = _rejected_flag(call, flag, context)
        if finding is not None:
            pending.append(finding)
    return pending


def _rejected_flag(call, flag, context: CheckContext):
    from ac_fixer.engine.literals import literal_value
    from ac_fixer.fixes import RemoveArg, SetArgValue

    target, node = call.target, call.node
    if target.every_mode:
        return None
    modes = context.resolve.call_modes(call)
    if not modes.known or not modes.values:
        return None
    value = literal_value(flag.value)
    if value not in (True, False):
        return None  # a value that may be None at run time
    mode_text = " or ".join(quoted(m) for m in modes.values)
    catalog = context.catalog
    if not all(isinstance(m, str) and m in catalog.modes_rejecting_flag for m in modes.values):
        # A mode that uses the flag but raises for a true one (lanczos): only False runs.
        # Removing the flag would leave it implicit (ACF001), so the fix writes the False
        # that removing it means.
        if value is False or value == 0:
            return None
        if not all(isinstance(m, str) and m in catalog.modes_rejecting_true for m in modes.values):
            return None
        return PendingFinding(
            node, cat.REJECTED_FLAG,
            f"`{short_name(target.name)}` with mode={mode_text} rejects align_corners=True (raises ValueError): "
            f"only {cat.FLAG}=False runs",
            target, modes.values[0] if len(modes.values) == 1 else None, tuple(modes.values),
            f"{cat.FLAG}=False", [SetArgValue(flag, "False")], unsafe=True, arguments=call.arguments,
        )
    if flag.keyword is not None or flag is node.args[-1]:
        edit = RemoveArg(node, flag)
    else:
        edit = SetArgValue(flag, "None")
    return PendingFinding(
        node, cat.REJECTED_FLAG,
        f"`{short_name(target.name)}` with mode={mode_text} rejects align_corners (raises ValueError): "
        "remove the argument",
        target, modes.values[0] if len(modes.values) == 1 else None, tuple(modes.values), "", [edit],
        unsafe=True, arguments=call.arguments,
    )
