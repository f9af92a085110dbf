"""Each rule's documentation and examples (ruff-style docs, Fixit-style VALID/INVALID).

The examples are tests: ``tests/test_rules.py`` checks that every VALID example
has no finding of the rule, every INVALID one has exactly the rule's finding,
and that the fix turns it into ``fixed``.
"""

from __future__ import annotations

from dataclasses import dataclass

_HEADER = "import torch\nimport torch.nn as nn\nimport torch.nn.functional as F\n"


@dataclass(frozen=True)
class Invalid:
    code: str
    fixed: str | None = None  # None: no automatic fix


@dataclass(frozen=True)
class Rule:
    code: str
    name: str
    summary: str
    what: str
    why: str
    example: str
    fix_safety: str
    valid: tuple
    invalid: tuple  # (source, fixed or None)

    def markdown(self) -> str:
        return (
            f"## {self.code} {self.name}\n\n{self.summary}\n\n"
            f"### What it does\n{self.what}\n\n### Why is this bad?\n{self.why}\n\n"
            f"### Example\n```python\n{self.example}\n```\n\n### Fix safety\n{self.fix_safety}\n"
        )


RULES = (
    Rule(
        code="ACF001",
        name="implicit-align-corners",
        summary="interpolate / upsample / nn.Upsample with a mode that uses align_corners, left implicit",
        what=(
            "Finds `torch.nn.functional.interpolate`, `upsample` and `torch.nn.Upsample` calls whose mode "
            "(`linear`, `bilinear`, `bicubic`, `trilinear`, `lanczos`) is known statically and that pass no "
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
            "nn.Upsample(scale_factor=2, mode='bicubic', align_corners=True)",
            'from other import F\nF.interpolate(x, mode="bilinear")',
            'F.interpolate(x, mode="bilinear", **options)',
        ),
        invalid=(
            (
                'F.interpolate(x, scale_factor=2, mode="bilinear")',
                Invalid("ACF001", 'F.interpolate(x, scale_factor=2, mode="bilinear", align_corners=False)'),
            ),
            (
                'F.interpolate(x, None, 2, "bicubic")',
                Invalid("ACF001", 'F.interpolate(x, None, 2, "bicubic", align_corners=False)'),
            ),
            (
                "nn.Upsample(scale_factor=2, mode='trilinear', align_corners=None)",
                Invalid("ACF001", "nn.Upsample(scale_factor=2, mode='trilinear', align_corners=False)"),
            ),
        ),
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
            "If the mode can be `nearest`, `area` or `nearest-exact`, adding any `align_corners` raises "
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
    ),
    Rule(
        code="ACF004",
        name="align-corners-rejected",
        summary="align_corners passed with a mode that rejects it",
        what="Finds interpolate-like calls that pass `align_corners=True/False` with `nearest`, `area` or "
        "`nearest-exact` (including the default `nearest`), and `align_corners=True` with `lanczos` "
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
    ),
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
    ),
)

RULES_BY_CODE = {rule.code: rule for rule in RULES}


def example_module(snippet: str) -> str:
    """A rule example as a whole module: the usual torch imports, then the snippet."""
    return _HEADER + snippet + "\n"
