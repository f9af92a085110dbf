"""``# noqa`` comments: which codes a physical line suppresses."""

from __future__ import annotations

import re
from typing import Optional

_NOQA = re.compile(r"#\s*noqa(?::\s*(?P<codes>[A-Z]+[0-9]+(?:[\s,]+[A-Z]+[0-9]+)*))?", re.IGNORECASE)


def noqa_codes(line: str) -> Optional[frozenset]:
    """Codes suppressed on a line: None when none, an empty set for a bare ``# noqa``."""
    match = _NOQA.search(line)
    if match is None:
        return None
    codes = match.group("codes")
    if not codes:
        return frozenset()
    return frozenset(c.upper() for c in re.split(r"[\s,]+", codes.strip()) if c)
