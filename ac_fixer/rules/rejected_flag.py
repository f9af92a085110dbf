"""ACF004: align_corners passed with a mode that rejects it (or rejects True)."""

from __future__ import annotations

from ac_fixer.rules.base import (
    FLAG_BOOLISH,
    MODE_ABSENT,
    MODE_DYNAMIC,
    MODE_LITERAL,
    MODE_RESOLVABLE,
    REJECTING,
    REJECTING_TRUE,
    CallShape,
    Invalid,
    Rule,
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
