"""Whether bytes hold a byte string: the byte pre-filter's question of every file
(``prefilter``), and the project index's name searches, which ask it of every file at
once (``project._Project.holding``: every file's bytes end to end, each after a NUL byte);
where names occur as whole words (the index's literal-only test).

A cold build of a large project makes tens of these searches over every file (30 over
the 164 MB of the first benchmark corpus). ``bytearray.find`` (and ``in``) read about
2 GB/s here; the SIMD substring search of ahocorasick-rs (the Rust ``aho-corasick`` and
``memchr`` crates; a dependency on Python 3.10 and later, which its wheels need) reads
the same bytes about ten times faster: the searches run in this process, with no worker
to fork. Where it cannot be imported (Python 3.9, a platform without its wheel), the
builtins give the same answers (tests/test_bytesearch.py): speed only.
"""

from __future__ import annotations

import bisect
from typing import Optional

try:
    from ahocorasick_rs import BytesAhoCorasick
except ImportError:  # pragma: no cover -- exercised by the tests with the fallback forced
    BytesAhoCorasick = None

# One search for each needle, not one automaton of all of them: with a single pattern the
# library runs its SIMD substring search (6 ms for 164 MB), with sixteen a real automaton
# (255 ms, slower than sixteen single searches).
_SEARCHERS: dict = {}
_MOST_SEARCHERS = 256


def _searcher(needle: bytes):
    searcher = _SEARCHERS.get(needle)
    if searcher is None:
        if len(_SEARCHERS) >= _MOST_SEARCHERS:
            _SEARCHERS.clear()
        searcher = _SEARCHERS[needle] = BytesAhoCorasick([needle])
    return searcher


def contains(haystack, needle: bytes) -> bool:
    """``needle in haystack`` (bytes or bytearray), by the library's search where it is there."""
    if BytesAhoCorasick is None or not needle:
        return needle in haystack
    return bool(_searcher(needle).find_matches_as_indexes(haystack))


def occurrences(haystack, needle: bytes, fast: Optional[bool] = None) -> list:
    """The offsets where ``needle`` (not empty) starts in ``haystack`` (bytes or bytearray),
    overlapping ones too, in order. ``fast``: as for :func:`files_holding`."""
    if BytesAhoCorasick is not None if fast is None else fast:
        return [at for _, at, _ in _searcher(needle).find_matches_as_indexes(haystack, overlapping=True)]
    found, at = [], haystack.find(needle)
    while at >= 0:
        found.append(at)
        at = haystack.find(needle, at + 1)
    return found


def _word_byte(byte: int) -> bool:
    """[A-Za-z0-9_]"""
    return byte == 95 or 48 <= byte <= 57 or 65 <= byte <= 90 or 97 <= byte <= 122


def word_starts(haystack: bytes, names: tuple, fast: Optional[bool] = None) -> list:
    """Sorted (offset, name) of each occurrence of one of ``names`` (identifiers, bytes)
    in ``haystack`` with no ``[A-Za-z0-9_]`` byte just before or after it: what
    ``(?<![A-Za-z0-9_])(?:name|...)(?![A-Za-z0-9_])`` finds, without a regex that starts
    with a look-behind (tried at every position of the text: several times slower).
    ``fast``: as for :func:`files_holding`."""
    found = []
    size = len(haystack)
    for name in set(names):
        if not name:
            continue
        for at in occurrences(haystack, name, fast):
            end = at + len(name)
            if not (at and _word_byte(haystack[at - 1])) and not (end < size and _word_byte(haystack[end])):
                found.append((at, name))
    found.sort()
    return found


def files_holding(blob, starts: list, needles: tuple, fast: Optional[bool] = None) -> set:
    """The indices of the files whose bytes hold one of ``needles``. ``blob``: the files'
    bytes end to end, file ``i`` from ``starts[i]`` (each after a NUL byte, which no
    needle holds, so that an occurrence lies within one file). ``fast``: whether to use
    the library (default: when it is there); tests force either way."""
    use_library = BytesAhoCorasick is not None if fast is None else fast
    found: set = set()
    for needle in needles:
        if use_library and needle and b"\0" not in needle:
            for _, at, _ in _searcher(needle).find_matches_as_indexes(blob):
                found.add(bisect.bisect_right(starts, at) - 1)
        else:
            at = blob.find(needle)
            while at >= 0:
                index = bisect.bisect_right(starts, at) - 1
                found.add(index)
                if index + 1 >= len(starts):
                    break
                at = blob.find(needle, starts[index + 1])  # on from the next file
    return found

