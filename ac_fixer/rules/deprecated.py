"""ACF101 / ACF102: deprecated aliases and fixed-mode helpers, rewritten to the explicit call."""

from __future__ import annotations

import re
from typing import Optional

from ac_fixer import catalog as cat
from ac_fixer.rules.base import CallShape, CheckContext, Invalid, PendingFinding, Rule, python_literal, short_name


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


# --------------------------------------------------------------------------- the check


def check(calls: list, context: CheckContext) -> list:
    """ACF101 / ACF102 for each call of a deprecated alias or fixed-mode helper, with the
    rename (and the keywords) that writes the explicit call."""
    rewrites = [call for call in calls if call.target.rename_to or call.target.replace_with]
    if not rewrites:
        return []
    return [_Rewrite(context, rewrites).finding(call) for call in rewrites]


class _Rewrite:
    """The edits that rename the deprecated calls of one module, seen together: a renamed
    import changes every call through it."""

    def __init__(self, context: CheckContext, calls: list):
        self.context = context
        self.resolve = context.resolve
        self.catalog = context.catalog
        self.calls = calls

    def finding(self, call) -> PendingFinding:
        from ac_fixer.fixes import AddKeyword, RenameReference

        site, target = call.site, call.target
        old = short_name(target.name)
        if target.rename_to:
            new_qualname = target.rename_to
            code = cat.DEPRECATED_ALIAS
            keywords: tuple = ()
            semantics_kept_for_any_use = True
        else:
            replacement = target.replace_with
            new_qualname = replacement.name
            code = cat.DEPRECATED_FIXED_MODE
            keywords = (("mode", replacement.mode),)
            if replacement.align_corners is not None:
                keywords += ((cat.FLAG, replacement.align_corners),)
            semantics_kept_for_any_use = False
        new = short_name(new_qualname)
        edits: list = []
        renames = self._rename_edits(site, call.callee, new, new_qualname, semantics_kept_for_any_use)
        if renames is not None and any(k in call.bound.by_keyword for k, _ in keywords):
            renames = None  # e.g. upsample_bilinear(x, mode=...): a TypeError today
        fixable = renames is not None
        if fixable:
            edits.extend(renames)
            # A renamed import changes every call through it: each such call gets its
            # keywords in the same fix, so no subset of fixes can leave one half-done.
            renamed_callees = {id(e.node) for e in renames if isinstance(e, RenameReference)}
            affected = [site] + [
                c.site for c in self.calls if c.site is not site and id(c.node.func) in renamed_callees
            ]
            for call_site in affected:
                for keyword, value in keywords:
                    edits.append(AddKeyword(call_site.node, keyword, python_literal(value)))
        keyword_text = ", ".join(f"{k}={python_literal(v)}" for k, v in keywords)
        if code == cat.DEPRECATED_ALIAS:
            message = f"`{old}` is deprecated: use `{new}` (the same function)"
            fix_text = new
        else:
            message = f"`{old}` is deprecated: use `{new}(..., {keyword_text})`, which computes the same"
            fix_text = f"{new}(..., {keyword_text})"
        return PendingFinding(
            site.node, code, message, target, None, (), fix_text if fixable else None,
            edits if fixable else [], arguments=call.arguments, rewrite_to=new_qualname, rewrite_keywords=keywords,
        )

    def _callee_ids(self) -> set:
        return {id(c.node.func) for c in self.calls}

    def _same_target(self, module: Optional[str], new: str, new_qualname: str) -> bool:
        """Whether ``module.new`` names what ``new_qualname`` names (catalog aliases count)."""
        if not module:
            return False
        wanted = self.catalog.lookup(new_qualname)
        return wanted is not None and self.catalog.lookup(f"{module}.{new}") is wanted

    def _rename_edits(self, site, callee, new: str, new_qualname: str, any_use_ok: bool):
        """Edits that make ``callee`` refer to ``new_qualname``; None when no safe rename exists."""
        import libcst as cst

        from ac_fixer.engine.scopes import IMPORT, import_module_name
        from ac_fixer.fixes import AddImportAlias, RenameReference

        if isinstance(callee, cst.Attribute):
            module = self.resolve.expression(callee.value, site.scope)
            return [RenameReference(callee, new)] if self._same_target(module, new, new_qualname) else None
        if not isinstance(callee, cst.Name):
            return None
        if self.resolve.name(new, site.scope) == new_qualname:
            # The new name is already imported; the old import goes when nothing else uses it.
            removal = self._remove_old_import(site, callee, new, new_qualname, any_use_ok)
            return removal or [RenameReference(callee, new)]
        owner, bindings = site.scope.lookup(callee.value)
        if len(bindings) != 1 or bindings[0].kind != IMPORT or bindings[0].node is None:
            return None
        binding = bindings[0]
        alias = binding.node
        statement = binding.statement
        if not isinstance(statement, cst.ImportFrom):
            return None
        if not self._same_target(import_module_name(statement), new, new_qualname):
            return None
        if site.scope.lookup(new)[0] is not None or owner.lookup(new)[0] is not None:
            return None  # the new name means something else here
        if owner.kind == "module":
            # A module-level name may be imported from this module elsewhere (or listed
            # in __all__): keep it, import the new name beside it, rename this call --
            # unless the rename leaves it unused (ACF102): then the import itself is renamed,
            # as ruff's F401 would otherwise report it.
            local = None
            if self._import_unused_after(callee.value, binding, any_use_ok):
                local = _rename_import(alias, new, self.context.index.references_of(binding))
            return local or [AddImportAlias(statement, new), RenameReference(callee, new)]
        references = self.context.index.references_of(binding)
        if not any_use_ok:
            callee_ids = self._callee_ids()
            if any(id(ref.node) not in callee_ids for ref in references):
                return None  # used other than as a call we rewrite
        return _rename_import(alias, new, references)

    def _import_unused_after(self, name: str, binding, any_use_ok: bool) -> bool:
        """Whether a module-level imported ``name`` is used only as the callee of calls this
        fix rewrites (ACF102 only), is not exported (``__all__``, a package's ``__init__``)
        and is not used where the tree cannot show it (a notebook's magic lines)."""
        context = self.context
        if any_use_ok or name in context.used_names:
            return False
        if context.path.replace("\\", "/").rsplit("/", 1)[-1] in ("__init__.py", "__init__.pyi"):
            return False
        references = context.index.references_of(binding)
        callee_ids = self._callee_ids()
        if not references or any(id(ref.node) not in callee_ids for ref in references):
            return False
        text = context.text() if context.text is not None else ""
        if "__all__" in text and re.search(r"""['"]""" + re.escape(name) + r"""['"]""", text):
            return False  # may be listed in __all__
        return True

    def _remove_old_import(self, site, callee, new: str, new_qualname: str, any_use_ok):
        """With ``new`` already imported: remove the old ``from … import`` name and rename every
        use of it, when the rename leaves it unused; None otherwise."""
        import libcst as cst

        from ac_fixer.engine.scopes import IMPORT
        from ac_fixer.fixes import RemoveImportAlias, RenameReference

        owner, bindings = site.scope.lookup(callee.value)
        if owner is None or owner.kind != "module" or len(bindings) != 1:
            return None
        binding = bindings[0]
        if binding.kind != IMPORT or binding.node is None or not isinstance(binding.statement, cst.ImportFrom):
            return None
        if not self._import_unused_after(callee.value, binding, any_use_ok):
            return None
        references = self.context.index.references_of(binding)
        if any(self.resolve.name(new, ref.scope) != new_qualname for ref in references):
            return None
        return [RemoveImportAlias(binding.statement, binding.node), *(RenameReference(r.node, new) for r in references)]


def _rename_import(alias, new: str, references: list) -> Optional[list]:
    """Rename an imported name and every reference to it; None when ``new`` means
    something else where a reference is."""
    from ac_fixer.fixes import RenameImportAlias, RenameReference

    if alias.asname is not None:
        kept = alias.asname.name.value
        return [RenameImportAlias(alias, new), *(RenameReference(ref.node, kept) for ref in references)]
    if any(ref.scope.lookup(new)[0] is not None for ref in references):
        return None
    return [RenameImportAlias(alias, new), *(RenameReference(ref.node, new) for ref in references)]
