"""The byte pre-filter: the cheapest question, asked of a file's bytes before anything
parses them — does any catalogued short name occur at all?"""

from __future__ import annotations

from ac_fixer.bytesearch import contains

_NEEDLES: dict = {}


def needles(settings) -> tuple:
    """Byte strings of which a file must contain one to possibly have a finding (for the
    catalog of ``settings``: the built-in rows and its ``extend-targets``)."""
    key = settings.extra_targets
    if key not in _NEEDLES:
        # A name that contains another needle adds nothing (upsample_bilinear ⊃ upsample).
        _NEEDLES[key] = settings.catalog.short_needles()
    return _NEEDLES[key]


_SCANS: dict = {}


def shared_scans(needles: tuple) -> tuple:
    """``needles`` as (shared text, the needles holding it): needles that share most of
    their text (upsample, Upsample, UpsamplingBilinear2d and UpsamplingNearest2d share
    ``psampl``) are looked for by one scan of every file, and one by one only in the few
    files that hold the shared text: the same decision as a scan for each needle, 4 scans
    of most files instead of 7."""
    if needles not in _SCANS:
        groups = [(needle, (needle,)) for needle in needles]
        merged = True
        while merged:
            merged = False
            for a in range(len(groups)):
                for b in range(a + 1, len(groups)):
                    x, y = groups[a][0], groups[b][0]
                    shared = max((x[i:j] for i in range(len(x)) for j in range(i + 1, len(x) + 1) if x[i:j] in y),
                                 key=len, default=b"")
                    if len(shared) >= 6 and 4 * len(shared) >= 3 * min(len(x), len(y)):
                        groups[a] = (shared, groups[a][1] + groups[b][1])
                        del groups[b]
                        merged = True
                        break
                if merged:
                    break
        _SCANS[needles] = tuple(groups)
    return _SCANS[needles]


def might_have_findings(source: bytes, settings) -> bool:
    """The cheap pre-filter: no catalogued name in the bytes means nothing to report
    (unless the file's declared encoding may write names with other bytes).

    ``settings`` is an ``api.Settings``."""
    # Several scans (bytesearch.contains: SIMD, or the builtin `in`) beat one automaton or
    # regex alternation here; one scan for the text several needles share, the needles
    # themselves only where it occurs.
    for shared, group in shared_scans(needles(settings)):
        if contains(source, shared) and (len(group) == 1 or any(contains(source, needle) for needle in group)):
            return True
    from ac_fixer.fast.screen import spells_identifiers_otherwise

    return spells_identifiers_otherwise(source)
