"""ACF001 / ACF002 / ACF003: align_corners left implicit (a mode that uses it, every mode, a mode not known)."""

from __future__ import annotations

from ac_fixer import catalog as cat
from ac_fixer.rules.base import (
    MODE_ABSENT,
    MODE_DYNAMIC,
    MODE_LITERAL,
    MODE_OTHER,
    MODE_RESOLVABLE,
    REJECTING,
    USING,
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


def _missing_flag_may_fire(call: CallShape) -> bool:
    """ACF001: an implicit flag with a mode that is, or may resolve to, one using it."""
    if not call.implicit_flag or call.target.every_mode:
        return False
    using = call.facts().modes_using_flag
    if call.mode == MODE_ABSENT:
        return call.target.default_mode in using
    if call.mode == MODE_LITERAL:
        return call.mode_text in using
    return True


def _every_mode_may_fire(call: CallShape) -> bool:
    """ACF002: an implicit flag on an API for which every mode uses it."""
    return call.implicit_flag and call.target.every_mode


def _unknown_mode_may_fire(call: CallShape) -> bool:
    """ACF003: an implicit flag with a mode that is not a literal."""
    if not call.implicit_flag or call.target.every_mode:
        return False
    return call.mode in (MODE_DYNAMIC, MODE_RESOLVABLE, MODE_OTHER)


RULES = (
    Rule(
        code="ACF001",
        name="implicit-align-corners",
        summary="interpolate / upsample / nn.Upsample with a mode that uses align_corners, left implicit",
        what=(
            "Finds `torch.nn.functional.interpolate`, `upsample` and `torch.nn.Upsample` calls whose mode "
            f"({USING.replace(' and ', ', ')}) is known statically and that pass no "
            "`align_corners` (or `align_corners=None`)."
        ),
        why=(
            "The default changed from True to False in torch 0.4.0 and torch warned about it for years. "
            "The usual way to silence the warning, `align_corners=True`, changes what the model computes. "
            "Writing `align_corners=False` states the behavior the code already has."
        ),
        example='F.interpolate(x, scale_factor=2, mode="bilinear")\n# fixed:\n'
        'F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)',
        fix_safety=(
            "Safe: `None` means `False`, so the same kernel runs with the same arguments. "
            "`--value true` inserts `True` instead, which changes results and is reported as such."
        ),
        valid=(
            'F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)',
            "F.interpolate(x, scale_factor=2)",
            'F.interpolate(x, scale_factor=2, mode="nearest")',
            "nn.Upsample(scale_factor=2, mode='bilinear', align_corners=True)",
            'from other import F\nF.interpolate(x, mode="bilinear")',
            'F.interpolate(x, mode="bilinear", **options)',
        ),
        invalid=(
            (
                'F.interpolate(x, scale_factor=2, mode="bilinear")',
                Invalid("ACF001", 'F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)'),
            ),
            (
                'F.interpolate(x, None, 2, "bilinear")',
                Invalid("ACF001", 'F.interpolate(x, None, 2, "bilinear", align_corners=False)'),
            ),
            (
                "nn.Upsample(scale_factor=2, mode='bilinear', align_corners=None)",
                Invalid("ACF001", "nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False)"),
            ),
        ),
        may_fire=_missing_flag_may_fire,
    ),
    Rule(
        code="ACF002",
        name="implicit-align-corners-grid",
        summary="grid_sample / affine_grid without align_corners",
        what="Finds `grid_sample` and `affine_grid` calls that pass no `align_corners` (or `None`), for every mode.",
        why=(
            "Their default changed to False in torch 1.3.0 and torch still warns at every such call. "
            "`align_corners=False` silences it and keeps the results; `True` would change them."
        ),
        example="F.grid_sample(x, grid)\n# fixed:\nF.grid_sample(x, grid, align_corners=False)",
        fix_safety="Safe: `None` means `False` (same computation, minus the warning).",
        valid=(
            "F.grid_sample(x, grid, align_corners=False)",
            "F.affine_grid(theta, size, align_corners=True)",
            "F.grid_sample(x, grid, **kwargs)",
        ),
        invalid=(
            ("F.grid_sample(x, grid)", Invalid("ACF002", "F.grid_sample(x, grid, align_corners=False)")),
            (
                "F.affine_grid(theta, size, None)",
                Invalid("ACF002", "F.affine_grid(theta, size, False)"),
            ),
        ),
        may_fire=_every_mode_may_fire,
    ),
    Rule(
        code="ACF003",
        name="undecidable-mode",
        summary="interpolate / upsample / nn.Upsample whose mode is not known statically",
        what=(
            "Finds interpolate-like calls without `align_corners` whose mode is a parameter, an attribute, "
            "a config value or a conditional that mixes modes that use the flag with ones that reject it."
        ),
        why=(
            f"If the mode can be {REJECTING}, adding any `align_corners` raises "
            "ValueError; if it can be `bilinear` & co., leaving it implicit is what ACF001 is about. "
            "Only a run tells: `ac-fixer audit -- python train.py` records the modes that occur."
        ),
        example="def up(x, mode):\n    return F.interpolate(x, scale_factor=2, mode=mode)",
        fix_safety="No automatic fix.",
        valid=(
            'MODE = "bilinear"\nF.interpolate(x, mode=MODE, align_corners=False)',
            'mode = "nearest"\nF.interpolate(x, mode=mode)',
        ),
        invalid=(
            ("def up(x, mode):\n    return F.interpolate(x, mode=mode)", Invalid("ACF003")),
            ('F.interpolate(x, mode="bilinear" if big else "nearest")', Invalid("ACF003")),
        ),
        may_fire=_unknown_mode_may_fire,
    ),
)


# --------------------------------------------------------------------------- the check


def check(calls: list, context: CheckContext) -> list:
    """ACF001 / ACF002 / ACF003 for each call that leaves align_corners implicit (passes none,
    or ``None``)."""
    from ac_fixer.engine.binding import ABSENT

    pending: list = []
    for call in calls:
        flag = flag_argument(call)
        if flag is None or (flag is not ABSENT and not is_none(flag.value)):
            continue
        pending.extend(_missing_flag(call, flag, context.resolve.call_modes(call), context))
    return pending


def _missing_flag(call, flag, modes, context: CheckContext) -> list:
    from ac_fixer.engine.binding import ABSENT
    from ac_fixer.fixes import AddKeyword, SetArgValue
    from ac_fixer.project_rules import closed_world_note, wrapper_note

    target, node, arguments, value = call.target, call.node, call.arguments, context.value
    name = short_name(target.name)
    value_text = "True" if value else "False"
    edits: list = []
    if flag is ABSENT:
        edits.append(AddKeyword(node, target.flag_param.keyword, value_text))
    else:
        edits.append(SetArgValue(flag, value_text))
    fix = f"{target.flag_param.keyword}={value_text}"
    consequence = (
        f"{fix} changes what it computes (restores the pre-default results)"
        if value
        else f"{fix} keeps what it computes today"
    )
    implicit = "align_corners=None" if flag is not ABSENT else "no align_corners"
    if context.project is not None:
        consequence += wrapper_note(context.project, target)
    if target.every_mode:
        mode = modes.values[0] if modes.known and len(modes.values) == 1 else None
        return [
            PendingFinding(
                node, cat.MISSING_FLAG_EVERY_MODE,
                f"`{name}` with {implicit} (torch warns at every call): {consequence}",
                target, mode, modes.values or (), fix, edits,
                changes_behavior=value, arguments=arguments, fix_value=value,
            )
        ]
    if not modes.known:
        return [_unknown_mode(call, modes.unknown_because, (), modes.evidence, context)]
    strings = [m for m in modes.values if isinstance(m, str)]
    if len(strings) != len(modes.values):
        return [_unknown_mode(call, "the mode may be None", modes.values, modes.evidence, context)]
    using = [m for m in strings if m in context.catalog.modes_using_flag]
    if not using:
        return []
    if len(using) != len(strings):
        return [_unknown_mode(call, "some of its modes reject align_corners", strings, modes.evidence, context)]
    if modes.closed_world:
        consequence += closed_world_note(modes)
    mode_text = " or ".join(quoted(m) for m in strings)
    if value and any(m in context.catalog.modes_rejecting_true for m in strings):
        # lanczos raises ValueError for align_corners=True: only False can be written.
        return [
            PendingFinding(
                node, cat.MISSING_FLAG,
                f"`{name}` with mode={mode_text} and {implicit}: this mode rejects align_corners=True; "
                "only align_corners=False (today's behavior) can be written",
                target, strings[0] if len(strings) == 1 else None, tuple(strings), None, [],
                arguments=arguments,
            )
        ]
    return [
        PendingFinding(
            node, cat.MISSING_FLAG,
            f"`{name}` with mode={mode_text} and {implicit}: {consequence}",
            target, strings[0] if len(strings) == 1 else None, tuple(strings), fix, edits,
            changes_behavior=value, arguments=arguments, fix_value=value, unsafe=modes.closed_world,
        )
    ]


def _unknown_mode(call, why, modes, evidence, context: CheckContext) -> PendingFinding:
    """ACF003: the mode is not known statically (``why``); ``modes``: what it can be, if known."""
    from ac_fixer.engine.resolve import describe_values

    name = short_name(call.target.name)
    rejecting = ", ".join(sorted(context.catalog.modes_rejecting_flag))
    seen = f" (can be {describe_values(modes)})" if modes else ""
    if evidence:  # decided (or not) from the project: say why, and what was seen
        seen = f"{seen}: {why}; seen: {'; '.join(evidence)}"
    message = (
        f"`{name}` without align_corners and a mode not known statically{seen}"
        f"{': ' + why if why and not modes and not evidence else ''}. "
        f"Adding align_corners raises ValueError if the mode is {rejecting}; "
        "run `ac-fixer audit` to see which modes occur"
    )
    return PendingFinding(
        call.node, cat.UNKNOWN_MODE, message, call.target, None, tuple(modes), None, [], arguments=call.arguments
    )
