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


# The library lists every occurrence it finds (it has no "first one only"): it reads at
# most this many bytes at a time, and a needle it finds more often than DENSE times in them
# (a short common word: `self`) is looked for with bytes.find from there on, which stops at
# the first occurrence a file holds. A list is never longer than DENSE + the occurrences in
# one slice; files are never cut.
SLICE_BYTES = 1 << 20
DENSE = 4096


def _library(fast: Optional[bool], needle: bytes) -> bool:
    """Whether to search for ``needle`` with the library (``fast``: the tests' choice)."""
    return (BytesAhoCorasick is not None if fast is None else fast) and bool(needle) and b"\0" not in needle


def contains(haystack, needle: bytes) -> bool:
    """``needle in haystack`` (bytes or bytearray), by the library's search where it is there."""
    if not _library(None, needle) or len(haystack) > SLICE_BYTES:
        return needle in haystack
    return bool(_searcher(needle).find_matches_as_indexes(haystack))


def occurrences(haystack, needle: bytes, fast: Optional[bool] = None) -> list:
    """The offsets where ``needle`` (not empty) starts in ``haystack`` (bytes or bytearray),
    in order, except those that overlap one before (which no whole word does). ``fast``:
    as for :func:`files_holding`."""
    if _library(fast, needle) and len(haystack) <= SLICE_BYTES:
        return [at for _, at, _ in _searcher(needle).find_matches_as_indexes(haystack)]
    found, at = [], haystack.find(needle)
    while at >= 0 and needle:
        found.append(at)
        at = haystack.find(needle, at + len(needle))
    return found


def is_word_byte(byte: int) -> bool:
    """[A-Za-z0-9_]"""
    return byte == 95 or 48 <= byte <= 57 or 65 <= byte <= 90 or 97 <= byte <= 122


def is_whole_word(haystack, at: int, length: int) -> bool:
    """Whether the ``length`` bytes at ``at`` have no ``[A-Za-z0-9_]`` byte just before or
    just after them in ``haystack``."""
    end = at + length
    return not (at and is_word_byte(haystack[at - 1])) and not (end < len(haystack) and is_word_byte(haystack[end]))


def word_starts(haystack: bytes, names: tuple, fast: Optional[bool] = None) -> list:
    """Sorted (offset, name) of each occurrence of one of ``names`` (identifiers, bytes)
    in ``haystack`` with no ``[A-Za-z0-9_]`` byte just before or after it: what
    ``(?<![A-Za-z0-9_])(?:name|...)(?![A-Za-z0-9_])`` finds, without a regex that starts
    with a look-behind (tried at every position of the text: several times slower).
    ``fast``: as for :func:`files_holding`."""
    found = [(at, name) for name in set(names) if name
             for at in occurrences(haystack, name, fast) if is_whole_word(haystack, at, len(name))]
    found.sort()
    return found


def holds_a_whole_word(haystack: bytes, names: tuple, fast: Optional[bool] = None) -> bool:
    """Whether ``word_starts(haystack, names)`` finds anything, stopping at the first."""
    return any(is_whole_word(haystack, at, len(name))
               for name in names if name for at in occurrences(haystack, name, fast))


def file_occurrences(blob, starts: list, needle: bytes, fast: Optional[bool] = None) -> dict:
    """For each file of the buffer that holds ``needle``: the offsets in ``blob`` where it
    starts there (see :func:`occurrences`), or None where it was looked for file by file
    (without the library, or once it proved dense: see DENSE). ``blob``: the files' bytes
    end to end, file ``i`` from ``starts[i]`` after a NUL byte (which no needle holds: an
    occurrence lies within one file), ``starts`` ending with one past the end.
    ``fast``: whether to use the library (default: when it is there); tests force either way."""
    found: dict = {}
    files = len(starts) - 1
    by_file = not _library(fast, needle)
    first = 0
    while first < files:
        stop = max(first + 1, bisect.bisect_left(starts, starts[first] + SLICE_BYTES, first + 1, files))
        begin, end = starts[first], starts[stop] - 1  # file `stop`'s NUL byte, or the end
        if not by_file:
            with memoryview(blob) as view:
                matches = _searcher(needle).find_matches_as_indexes(view[begin:end])
            if len(matches) <= DENSE:
                for _, at, _ in matches:
                    at += begin
                    found.setdefault(bisect.bisect_right(starts, at, first, stop) - 1, []).append(at)
                first = stop
                continue
            by_file = True
        at = blob.find(needle, begin, end)
        while at >= 0:
            index = bisect.bisect_right(starts, at, first, stop) - 1
            found[index] = None
            at = blob.find(needle, starts[index + 1], end)  # on from the next file
        first = stop
    return found


def files_holding(blob, starts: list, needles: tuple, fast: Optional[bool] = None) -> set:
    """The indices of the files whose bytes hold one of ``needles`` (see
    :func:`file_occurrences`)."""
    found: set = set()
    for needle in needles:
        found.update(file_occurrences(blob, starts, needle, fast))
    return found
