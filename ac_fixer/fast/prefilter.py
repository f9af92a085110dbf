"""The byte pre-filter: the cheapest question, asked of a file's bytes before anything
parses them — does any catalogued short name occur at all?"""

from __future__ import annotations

_NEEDLES: dict = {}


def needles(settings) -> tuple:
    """Byte strings of which a file must contain one to possibly have a finding (for the
    catalog of ``settings``: the built-in rows and its ``extend-targets``)."""
    key = settings.extra_targets
    if key not in _NEEDLES:
        names = settings.catalog.short_names()
        # A name that contains another needle adds nothing (upsample_bilinear ⊃ upsample).
        minimal = {n for n in names if not any(other != n and other in n for other in names)}
        _NEEDLES[key] = tuple(sorted(name.encode() for name in minimal))
    return _NEEDLES[key]


def might_have_findings(source: bytes, settings) -> bool:
    """The cheap pre-filter: no catalogued name in the bytes means nothing to report
    (unless the file's declared encoding may write names with other bytes).

    ``settings`` is an ``api.Settings``."""
    # Several `in` scans (fast two-way search in C) beat one regex alternation here.
    if any(needle in source for needle in needles(settings)):
        return True
    from ac_fixer.fast.screen import spells_identifiers_otherwise

    return spells_identifiers_otherwise(source)
