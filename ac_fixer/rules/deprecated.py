"""ACF101 / ACF102: deprecated aliases and fixed-mode helpers, rewritten to the explicit call."""

from __future__ import annotations

from ac_fixer.rules.base import CallShape, Invalid, Rule


def _renamed_may_fire(call: CallShape) -> bool:
    """ACF101: any call of a deprecated alias."""
    return call.target.rename_to is not None


def _replaced_may_fire(call: CallShape) -> bool:
    """ACF102: any call of a deprecated fixed-mode helper."""
    return call.target.replace_with is not None


RULES = (
    Rule(
        code="ACF101",
        name="deprecated-upsample",
        summary="deprecated `upsample`",
        what="Finds calls of `torch.nn.functional.upsample`, a deprecated alias of `interpolate`.",
        why="It warns at every call and forwards to `interpolate` unchanged.",
        example='F.upsample(x, scale_factor=2)\n# fixed:\nF.interpolate(x, scale_factor=2)',
        fix_safety=(
            "Safe: the same function. A name imported in a function is renamed there and at every use; "
            "one imported at module level is kept (other modules may import it from yours) and "
            "`interpolate` is imported beside it."
        ),
        valid=("F.interpolate(x, scale_factor=2)",),
        invalid=(
            ("F.upsample(x, scale_factor=2)", Invalid("ACF101", "F.interpolate(x, scale_factor=2)")),
            (
                "from torch.nn.functional import upsample\nupsample(x, scale_factor=2)",
                Invalid(
                    "ACF101", "from torch.nn.functional import upsample, interpolate\ninterpolate(x, scale_factor=2)"
                ),
            ),
        ),
        may_fire=_renamed_may_fire,
    ),
    Rule(
        code="ACF102",
        name="deprecated-fixed-mode-upsampling",
        summary="deprecated upsample_bilinear / upsample_nearest / UpsamplingBilinear2d / UpsamplingNearest2d",
        what="Finds the deprecated fixed-mode helpers and writes the explicit call they stand for.",
        why=(
            "They hide an `align_corners=True` (the bilinear ones) that readers don't expect; "
            "the explicit call says what is computed."
        ),
        example='nn.UpsamplingBilinear2d(scale_factor=2)\n# fixed:\n'
        'nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)',
        fix_safety=(
            "Safe: exactly the same computation. A name imported with `from … import` that the rename "
            "leaves unused is renamed in (or removed from) its import, as ruff's F401 would ask; it stays, "
            "with the new name imported beside it, when anything else uses it, `__all__` lists it, or the "
            "file is a package's `__init__.py`."
        ),
        valid=('nn.Upsample(scale_factor=2, mode="bilinear", align_corners=True)',),
        invalid=(
            (
                "F.upsample_bilinear(x, scale_factor=2)",
                Invalid("ACF102", 'F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=True)'),
            ),
            (
                "nn.UpsamplingNearest2d(scale_factor=2)",
                Invalid("ACF102", 'nn.Upsample(scale_factor=2, mode="nearest")'),
            ),
            (
                "from torch.nn.functional import upsample_nearest\nupsample_nearest(x, scale_factor=2)",
                Invalid(
                    "ACF102",
                    'from torch.nn.functional import interpolate\ninterpolate(x, scale_factor=2, mode="nearest")',
                ),
            ),
        ),
        may_fire=_replaced_may_fire,
    ),
)
