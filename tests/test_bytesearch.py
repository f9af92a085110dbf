"""Byte searches (``ac_fixer.bytesearch``): the SIMD search of ahocorasick-rs, where it can be
imported, answers what the builtins answer -- whether bytes hold a needle, which files of
a buffer hold one -- so that the pre-filter and the project index find the same files
with and without it."""

from __future__ import annotations

import random
import re

import pytest
from conftest import FIXTURES, fuzz_examples, project_facts_json
from hypothesis import given, settings
from hypothesis import strategies as st

from ac_fixer import api, bytesearch
from ac_fixer.fast.prefilter import might_have_findings
from ac_fixer.project import _SourceBuffer

needs_library = pytest.mark.skipif(bytesearch.BytesAhoCorasick is None, reason="ahocorasick-rs is not installed")

NEEDLES = [
    (b"resize",), (b"ab",), (b"abc",), (b"zz",), (b"x",), (b"resize", b"ab"), (b"abc", b"ab", b"x"),
    (b"Up",), (b"resize", b"zz", b"resize"), (b"a\nb",), (),
]


def _texts(seed: int) -> list:
    """Files with the needles at their starts and ends, repeated, absent, split by a NUL."""
    rng = random.Random(seed)
    words = [b"ab", b"abc", b"x", b"resize", b" ", b"\n", b"Up", b"y", b"re", b"size", b"\0", b"a"]
    texts = [b"", b"resize", b"resize resize", b"abc", b"x", b"size\nre", b"z", b"re\0size", b"a\nb"]
    texts += [b"".join(rng.choice(words) for _ in range(rng.randrange(0, 60))) for _ in range(120)]
    texts += [b"y" * 5000, b"resize" + b"y" * 3000 + b"ab", b"\n" * 100 + b"x"]
    rng.shuffle(texts)
    return texts


def _buffer(texts: list) -> _SourceBuffer:
    buffer = _SourceBuffer()
    for index, text in enumerate(texts):
        buffer.add(f"pkg/m{index:03}.py", text)
    buffer.close()
    return buffer


def _oracle(texts: list, needles: tuple) -> set:
    return {index for index, text in enumerate(texts) if any(needle in text for needle in needles)}


@pytest.mark.parametrize("fast", [False, pytest.param(True, marks=needs_library)])
@pytest.mark.parametrize("seed", range(4))
def test_the_files_holding_a_needle_are_those_that_hold_it(fast, seed):
    texts = _texts(seed)
    buffer = _buffer(texts)
    for needles in NEEDLES:
        assert bytesearch.files_holding(buffer.blob, buffer.starts, needles, fast=fast) == _oracle(texts, needles), needles
    assert bytesearch.files_holding(buffer.blob, buffer.starts, (b"resize",), fast=fast)  # some do


@needs_library
@settings(max_examples=fuzz_examples(300), deadline=None)
@given(texts=st.lists(st.binary(max_size=40).map(lambda b: bytes(c % 4 + 97 if c % 7 else 0 for c in b)), max_size=12),
       needles=st.lists(st.binary(min_size=1, max_size=3).map(lambda b: bytes(c % 4 + 97 for c in b)), max_size=3))
def test_the_library_and_the_builtins_agree(texts, needles):
    # Files of a, b, c, d and NUL bytes; needles of a to d (a needle holds no NUL byte).
    buffer = _buffer(texts)
    needles = tuple(needles)
    expected = _oracle(texts, needles)
    assert bytesearch.files_holding(buffer.blob, buffer.starts, needles, fast=True) == expected
    assert bytesearch.files_holding(buffer.blob, buffer.starts, needles, fast=False) == expected
    for text in texts:
        for needle in needles:
            assert bytesearch.contains(text, needle) == (needle in text)


@pytest.mark.parametrize("library", [False, pytest.param(True, marks=needs_library)])
def test_contains_is_in(monkeypatch, library):
    if not library:
        monkeypatch.setattr(bytesearch, "BytesAhoCorasick", None)
    for haystack in (b"", b"interpolate", b"F.interpolate(x)", bytearray(b"a\0b"), bytearray(b"yz")):
        for needle in (b"", b"interpolate", b"nterp", b"\0", b"b", b"z", b"yz", b"x"):
            assert bytesearch.contains(haystack, needle) == (needle in bytes(haystack)), (haystack, needle)


@needs_library
def test_the_searchers_kept_are_bounded(monkeypatch):
    monkeypatch.setattr(bytesearch, "_SEARCHERS", {})
    for number in range(bytesearch._MOST_SEARCHERS * 2 + 3):
        assert bytesearch.contains(b"x%d" % number, b"%d" % number)
    assert 0 < len(bytesearch._SEARCHERS) <= bytesearch._MOST_SEARCHERS


def test_without_the_library_the_prefilter_and_the_facts_are_the_same(monkeypatch):
    roots = [*sorted(p for p in (FIXTURES / "projects").iterdir() if p.is_dir() and "." not in p.name),
             FIXTURES / "walkthrough" / "mmsegmentation"]
    sources = [path.read_bytes() for path in sorted(FIXTURES.rglob("*.py"))]
    assert len(sources) > 50
    settings = api.DEFAULT_SETTINGS
    with_library = {root: project_facts_json(root) for root in roots}
    passed = [might_have_findings(source, settings) for source in sources]
    assert any(passed) and not all(passed)
    monkeypatch.setattr(bytesearch, "BytesAhoCorasick", None)
    assert [might_have_findings(source, settings) for source in sources] == passed
    for root in roots:
        assert project_facts_json(root) == with_library[root], root


def _word_regex(names: tuple):
    alternatives = b"|".join(re.escape(n) for n in sorted(set(names), key=len, reverse=True))
    return re.compile(rb"(?<![A-Za-z0-9_])(?:" + alternatives + rb")(?![A-Za-z0-9_])")


@pytest.mark.parametrize("library", [False, pytest.param(True, marks=needs_library)])
@settings(max_examples=fuzz_examples(300), deadline=None)
@given(text=st.lists(st.sampled_from([b"ab", b"abc", b"b", b"_", b"9", b" ", b"(", b"\n", b".", b"\xc3\xa9"]), max_size=30),
       names=st.lists(st.sampled_from([b"ab", b"abc", b"b", b"bab", b"c9"]), min_size=1, max_size=3))
def test_word_starts_finds_what_the_whole_word_regex_finds(library, text, names):
    haystack = b"".join(text)
    expected = [(match.start(), match.group()) for match in _word_regex(tuple(names)).finditer(haystack)]
    assert bytesearch.word_starts(haystack, tuple(names), fast=library) == expected


@pytest.mark.parametrize("library", [False, pytest.param(True, marks=needs_library)])
def test_the_index_names_the_files_holds_identifier_names(tmp_path, monkeypatch, library):
    """_Project.files_naming reads each occurrence's neighbours in the buffer of every file:
    the files it names are those holds_identifier names, file by file (inside longer names,
    after digits, at a file's first and last byte, next to a NUL byte)."""
    from ac_fixer import catalog as cat
    from ac_fixer import project
    from ac_fixer.project import holds_identifier

    if not library:
        monkeypatch.setattr(bytesearch, "BytesAhoCorasick", None)
    rng = random.Random(7)
    words = [b"resize", b"_resize", b"resize2", b"9resize", b"x9resize", b"a", b" ", b"\n", b".", b"\0", b"0x9resize"]
    texts = [b"resize", b"xresize", b"resizex", b"9resize", b"", b"\0resize\0"]
    texts += [b"".join(rng.choice(words) for _ in range(rng.randrange(0, 12))) for _ in range(300)]
    buffer = _buffer(texts)
    files = {relative: "d" for relative in buffer.order}
    index = project._Project(tmp_path, files, cat.default_catalog(), {}, {})
    index.use_buffer(buffer)
    for name in ("resize", "a", "x9resize", "nothere"):
        expected = sorted(r for r, text in zip(buffer.order, texts) if holds_identifier(text, name.encode()))
        assert index.files_naming(name) == expected, name
        assert index.containing[name.encode()] == {r for r, text in zip(buffer.order, texts) if name.encode() in text}
    assert index.files_naming("resize")  # some do


@pytest.mark.parametrize("library", [False, pytest.param(True, marks=needs_library)])
@settings(max_examples=fuzz_examples(200), deadline=None)
@given(text=st.binary(max_size=60).map(lambda b: bytes(c % 3 + 97 for c in b)),
       needle=st.binary(min_size=1, max_size=3).map(lambda b: bytes(c % 3 + 97 for c in b)))
def test_occurrences_are_those_that_overlap_no_earlier_one(library, text, needle):
    assert bytesearch.occurrences(text, needle, fast=library) == [m.start() for m in re.finditer(re.escape(needle), text)]


@pytest.mark.parametrize("library", [False, pytest.param(True, marks=needs_library)])
@pytest.mark.parametrize("slice_bytes, dense", [(1 << 20, 4096), (64, 2), (1, 0)])
def test_a_dense_needle_is_looked_for_file_by_file_with_the_same_answer(monkeypatch, library, slice_bytes, dense):
    """The library's lists stay short: past DENSE occurrences in a slice of SLICE_BYTES,
    the rest of the files are searched file by file (None: the caller looks at the file)."""
    monkeypatch.setattr(bytesearch, "SLICE_BYTES", slice_bytes)
    monkeypatch.setattr(bytesearch, "DENSE", dense)
    texts = _texts(3)
    buffer = _buffer(texts)
    for needle in (b"ab", b"resize", b"x", b"zz", b"a\nb"):
        found = bytesearch.file_occurrences(buffer.blob, buffer.starts, needle, fast=library)
        assert set(found) == _oracle(texts, (needle,)), needle
        for index, offsets in found.items():
            if offsets is not None:
                start = buffer.starts[index]
                assert [at - start for at in offsets] == bytesearch.occurrences(texts[index], needle, fast=False)
        if not library or dense == 0:
            assert all(offsets is None for offsets in found.values())


@pytest.mark.parametrize("slice_bytes, dense", [(64, 2), (1, 0)])
def test_the_index_names_the_same_files_when_needles_are_dense(tmp_path, monkeypatch, slice_bytes, dense):
    monkeypatch.setattr(bytesearch, "SLICE_BYTES", slice_bytes)
    monkeypatch.setattr(bytesearch, "DENSE", dense)
    test_the_index_names_the_files_holds_identifier_names(tmp_path, monkeypatch, bytesearch.BytesAhoCorasick is not None)
