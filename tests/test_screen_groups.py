"""The screen by groups (issue 17): a candidate file is decided from the top-level statements
and class members that name a trigger; the rest of the file is never parsed.

Each case below is a layout where a wrong group boundary, or a binding made in a group
that is not parsed, would lose a finding: the findings with the screen must be the
findings of the analysis of the whole file without it.
"""

from __future__ import annotations

import pytest

from ac_fixer.fast import screen
from ac_fixer.api import DEFAULT_SETTINGS, SourceError, analyze_source, check_source

CATALOG = DEFAULT_SETTINGS.catalog
IMPORT = "import torch.nn.functional as F\n"
CALL = "F.interpolate(x, mode='bilinear')"

CASES = {
    "column-0 text in a triple-quoted string": IMPORT + 'DOC = """\nclass X:\ndef g():\n"""\ny = ' + CALL + "\n",
    "column-0 text in a single-quoted string continued by a backslash": IMPORT + "s = 'a\\\nclass X:'\ny = " + CALL + "\n",
    "brackets continued at column 0": IMPORT + "ys = [\n1,\n" + CALL + ",\n]\n",
    "a call at column 0 inside brackets of a function": IMPORT + "def f(x):\n    return [\n" + CALL + "]\n",
    "a backslash continuation at column 0": IMPORT + "y = 0 or \\\n" + CALL + "\n",
    "a backslash continuation inside a function": IMPORT + "def f(x):\n    y = 1 + \\\n" + CALL + "\n    return y\n",
    "a decorator with a call": IMPORT + "@decorator(\n1)\ndef f(x):\n    return " + CALL + "\n",
    "a decorator that is the call": IMPORT + "@" + CALL + "\ndef f(x):\n    return x\n",
    "an if __name__ block": IMPORT + 'if __name__ == "__main__":\n    y = ' + CALL + "\nelse:\n    pass\n",
    "an else clause at column 0": IMPORT + "try:\n    pass\nexcept Exception:\n    pass\nelse:\n    y = " + CALL + "\n",
    "a star import after the use": "y = interpolate(x, mode='bilinear')\nz = 1\nfrom torch.nn.functional import *\n",
    "a star import in a try": "try:\n    from torch.nn.functional import *\nexcept ImportError:\n    pass\ny = interpolate(x, mode='bilinear')\n",
    "a clean call, then its name aliased in another group": (
        IMPORT + "def f(x):\n    return F.interpolate(x, mode='nearest')\n\n\nup = F.interpolate\ny = up(x, mode='bilinear')\n"),
    "an import alias that gives a clean call's name another target": (
        # Clean as affine_grid (its flag is False), not as interpolate.
        "from torch.nn.functional import interpolate as affine_grid\n\n\n"
        "def f(x):\n    return affine_grid(x, None, False, mode='bilinear')\n"),
    "a clean call passed to functools.partial in the same group": (
        IMPORT + "import functools\ndef f(x):\n    y = F.interpolate(x, mode='nearest')\n"
        "    return functools.partial(F.interpolate, mode='bilinear')(y)\n"),
    "a call in an f-string's replacement field": IMPORT + 'y = f"{' + CALL + '} done"\n',
    "a call in a triple-quoted f-string over lines": IMPORT + 'y = f"""\nsee {' + CALL + '}\n"""\n',
    "a trigger word in a docstring before the call": (
        IMPORT + 'def f(x):\n    """Wraps F.interpolate."""\n    return ' + CALL + "\n"),
    "nested classes": IMPORT + "class A:\n    class B:\n        def m(self, x):\n            return " + CALL + "\n\n    def other(self):\n        return 1\n",
    "an alias bound in one method, used in another": (
        IMPORT + "class Net:\n    def setup(self):\n        global up\n        up = F.interpolate\n\n"
        "    def forward(self, x):\n        return up(x, mode='bilinear')\n"),
    "an alias bound in one function, used in another": (
        IMPORT + "def bind():\n    global up\n    up = F.interpolate\n\n\ndef use(x):\n    return up(x, mode='bilinear')\n"),
    "an alias chain through another class member": (
        IMPORT + "class A:\n    def a(self):\n        global r\n        r = F.interpolate\n"
        "    def b(self):\n        global u\n        u = r\n    def c(self, x):\n        return u(x, mode='bilinear')\n"),
    "an import alias inside a method": (
        "class A:\n    def f(self, x):\n        from torch.nn.functional import interpolate as up\n"
        "        return up(x, mode='bilinear')\n"),
    "functools.partial aliased in another group": (
        "import functools\nP = functools.partial\n" + IMPORT + "g = P(F.interpolate, mode='bilinear')\n"),
    "functools.partial aliased through a chain": (
        "import functools\nP0 = functools.partial\nP = P0\n" + IMPORT + "def f():\n    return P(F.interpolate, mode='bilinear')\n"),
    "functools.partial in a method": (
        "from functools import partial\n" + IMPORT + "class A:\n    def __init__(self):\n"
        "        self.up = partial(F.interpolate, mode='bilinear')\n"),
    "a decorated class with multi-line bases and a docstring": (
        IMPORT + "@decorator(\n1)\nclass D(\n    object):\n    '''doc\n'''\n    @staticmethod\n"
        "    def m(x):\n        return " + CALL + "\n"),
    "an if/else at member level": IMPORT + "class E:\n    if c:\n        y = 1\n    else:\n        y = " + CALL + "\n    z = 2\n",
    "a comment at column 0 between members": (
        IMPORT + "class Q:\n    x = 1\n# a comment at column 0\n    def m(self, x):\n        return " + CALL + "\n"),
    "a one-line class": IMPORT + "class O: y = " + CALL + "\n",
    "tabs": IMPORT + "class T:\n\tdef a(self):\n\t\treturn 1\n\tdef m(self, x):\n\t\treturn " + CALL + "\n",
    "CRLF newlines": (IMPORT + "class C:\n    def m(self, x):\n        return " + CALL + "\n").replace("\n", "\r\n"),
    "quotes and brackets in comments and strings": (
        IMPORT + "# don't ( [\ns = '(#[' + \"'\" + '''\n)]\n'''\nclass K:\n    # it's {\n    def m(self, x):\n"
        "        return " + CALL + "\n"),
    "format specs with nested fields": IMPORT + "s = f'{x!r:>{w}}' + f\"{{}}\"\ny = " + CALL + "\n",
    "a keyword glued to a string": IMPORT + 'if"a" in s: y = ' + CALL + "\n",
    "an annotated alias": IMPORT + "def f():\n    global up\n    up: object = F.interpolate\n\n\ny = up(x, mode='bilinear')\n",
    "a latin-1 file": "# -*- coding: latin-1 -*-\n" + IMPORT + "NAME = '\xe9'\nclass A:\n    def m(self, x):\n        return " + CALL + "\n",
    "a form feed before a statement": IMPORT + "\x0cdef f(x):\n    return " + CALL + "\n",
    # past the line where a group's line numbers are moved after its parse
    "a call far into the file": IMPORT + "x = 1\n" + "\n" * 2100 + "class A:\n    def m(self, x):\n        return " + CALL + "\n",
    "a class statement split by a backslash": IMPORT + "class \\\nA:\n    def m(self, x):\n        return " + CALL + "\n",
}


def _encoded(text: str) -> bytes:
    return text.encode("latin-1" if "latin-1" in text else "utf-8")


def _json(findings) -> list:
    return [finding.to_json() for finding in findings]


@pytest.mark.parametrize("name", sorted(CASES))
def test_the_screen_by_groups_keeps_every_finding(name):
    source = _encoded(CASES[name])
    whole = _json(analyze_source(source, "<case>", DEFAULT_SETTINGS).findings)
    assert whole, "the case must have a finding"
    assert not screen.groups_prove_clean(source, CATALOG)
    assert _json(check_source(source, "<case>", DEFAULT_SETTINGS)) == whole
    # The same layout with the call made clean: no finding with the screen or without.
    clean = _encoded(CASES[name].replace("mode='bilinear'", "mode='nearest'"))
    assert _json(analyze_source(clean, "<case>", DEFAULT_SETTINGS).findings) == []
    assert check_source(clean, "<case>", DEFAULT_SETTINGS) == []


def test_groups_are_top_level_statements_and_class_members():
    text = (
        "import os\n"
        "@decorator(\n1)\nclass A(\n    B):\n    '''doc\nx = 1\n    '''\n    @property\n    def up(self):\n"
        "        return 1\n    def other(self):\n        s = 1 + \\\n2\n        return s\n"
        "x = [\n1]\n"
        "try:\n    pass\nexcept E:\n    pass\n"
    )
    groups = screen.split_into_groups(text)
    assert [(g.first, g.end) for g in groups] == [(0, 1), (1, 15), (15, 17), (17, 22)]
    assert groups[1].members == [(5, 8), (8, 11), (11, 15)] and groups[1].indent == "    "
    assert [g.members for g in (groups[0], groups[2], groups[3])] == [None, None, None]


@pytest.mark.parametrize("text", [
    "x = (\n",  # brackets that never close
    "x = )\n",
    "s = 'unterminated\n",
    's = f"{x["a"]}"\n',  # Python 3.12 nested quotes: the scanner cannot follow them
])
def test_the_splitter_gives_up_where_it_cannot_be_sure(text):
    assert screen.split_into_groups(text) is None


def test_a_clean_class_is_decided_from_the_members_that_name_a_watched_name(monkeypatch):
    methods = "".join(f"    def m{i}(self, x):\n        return x + {i}\n" for i in range(20))
    source = (IMPORT + "class Net:\n" + methods + "    def forward(self, x):\n"
              "        return F.interpolate(x, mode='nearest')\n").encode()
    parsed = []
    real_parse = screen.ast.parse
    monkeypatch.setattr(screen.ast, "parse", lambda text, *a, **k: parsed.append(text) or real_parse(text, *a, **k))
    assert screen.groups_prove_clean(source, CATALOG)
    assert len(parsed) == 2 and not any("def m1(" in text for text in parsed)
    assert screen.screen(source, CATALOG) is None


def test_an_import_alias_that_gives_a_name_another_target_keeps_its_calls():
    # As torch's `interpolate`, `interpolate(x, "bilinear")` passes no mode (the second
    # argument is the size); the import makes the name mypkg's `resize` too, whose second
    # argument is the mode: ACF001.
    from ac_fixer.api import Settings
    from ac_fixer.config import target_from_row

    resize = target_from_row({"name": "mypkg.resize", "mode-position": 1, "mode-keyword": "mode",
                              "align-corners-position": 2, "align-corners-keyword": "align_corners"}, "test")
    settings = Settings(extra_targets=(resize,))
    source = b'def f(x):\n    return interpolate(x, "bilinear")\n\n\nfrom mypkg import resize as interpolate\n'
    assert not screen.groups_prove_clean(source, settings.catalog)
    assert screen.groups_prove_clean(source.replace(b"resize as interpolate", b"other"), settings.catalog)
    findings = check_source(source, "m.py", settings)
    assert [f.code for f in findings] == ["ACF001"]
    assert [f.code for f in analyze_source(source, "m.py", settings).findings] == ["ACF001"]


def test_a_syntax_error_outside_the_trigger_groups_of_a_clean_file_is_not_reported():
    # The policy: a file its trigger groups prove clean is not compiled whole, like a file
    # that names no catalogued API at all.
    source = (IMPORT + "def broken():\n    x = = 1\n\n\ny = " + CALL.replace("bilinear", "nearest") + "\n").encode()
    assert check_source(source, "<case>", DEFAULT_SETTINGS) == []


def test_a_syntax_error_in_a_trigger_group_is_named():
    source = (IMPORT + "y = " + CALL + " +\n").encode()
    with pytest.raises(SourceError, match="syntax error"):
        check_source(source, "<case>", DEFAULT_SETTINGS)
    # A clean call is compiled too: a statement that calls a catalogued name is a trigger
    # statement whatever its arguments.
    clean = (IMPORT + "def f(:\n    return " + CALL.replace("bilinear", "nearest") + "\n").encode()
    with pytest.raises(SourceError, match="syntax error"):
        check_source(clean, "<case>", DEFAULT_SETTINGS)


def test_a_trigger_word_in_a_comment_or_a_string_selects_no_group(monkeypatch):
    """Comments and strings hold no code (f-strings aside: their fields are code): a group
    that names a trigger only there is not parsed, and, like a group that names none, not
    compiled (a syntax error in it is not named)."""
    source = (IMPORT + 'def f(x):\n    """Calls F.interpolate(x, mode="bilinear"); see `import`."""\n'
              "    return x  # F.interpolate would be wrong here\n\n\n"
              "HELP = 'interpolate, upsample, grid_sample and partial'\n").encode()
    parsed = []
    real_parse = screen.ast.parse
    monkeypatch.setattr(screen.ast, "parse", lambda text, *a, **k: parsed.append(text) or real_parse(text, *a, **k))
    assert screen.groups_prove_clean(source, CATALOG)
    assert parsed == [IMPORT]
    broken = source.replace(b"return x  #", b"return = x  #")
    assert check_source(broken, "<case>", DEFAULT_SETTINGS) == []
    # An f-string's replacement field is code.
    fstring = source + b"y = f\"{F.interpolate(x, mode='bilinear')}\"\n"
    assert not screen.groups_prove_clean(fstring, CATALOG)
    assert [f.code for f in check_source(fstring, "<case>", DEFAULT_SETTINGS)] == ["ACF001"]


def test_a_file_the_groups_leave_undecided_is_parsed_whole_and_its_error_named():
    # The call is not clean, so the whole file is parsed: its syntax error elsewhere is named.
    source = (IMPORT + "def broken():\n    x = = 1\n\n\ny = " + CALL + "\n").encode()
    with pytest.raises(SourceError, match="syntax error"):
        check_source(source, "<case>", DEFAULT_SETTINGS)


def test_the_screen_by_groups_can_be_switched_off(monkeypatch):
    source = (IMPORT + "def broken():\n    x = = 1\n\n\ny = " + CALL.replace("bilinear", "nearest") + "\n").encode()
    monkeypatch.setattr(screen, "SCREEN_BY_GROUPS", False)
    assert screen.screen(source, CATALOG).error.startswith("syntax error")


@pytest.mark.parametrize("fast", [True, False])
def test_trigger_words_found_in_the_bytes_are_those_the_regex_finds(fast, monkeypatch):
    """The long trigger words are found by a byte search in an ASCII file (offsets shared
    with its text), the short ones by the regex: the same (offset, word) list as the regex
    alone gives, whatever stands next to the words (with and without the SIMD library)."""
    import random

    from ac_fixer import bytesearch

    if not fast:
        monkeypatch.setattr(bytesearch, "BytesAhoCorasick", None)
    names = {"F", "nn", "upsample", "upsample_bilinear", "interpolate", "import", "Upsample"}
    pieces = [*names, "_", "x", "9", " ", ".", "(", "\n", "ü", "upsamples", "interpolated", "#", "'"]
    rng = random.Random(17)
    checked = 0
    for _ in range(400):
        text = "".join(rng.choice(pieces) for _ in range(rng.randrange(1, 40)))
        expected = screen._trigger_words(text, None, names)
        if text.isascii():
            assert screen._trigger_words(text, text.encode(), names) == expected, text
            checked += 1
        # Independent of both: every whole-word occurrence, by brute force.
        brute = sorted(
            (at, name) for name in names for at in range(len(text)) if text.startswith(name, at)
            and not (at and (text[at - 1].isalnum() or text[at - 1] == "_"))
            and not (at + len(name) < len(text) and (text[at + len(name)].isalnum() or text[at + len(name)] == "_"))
        )
        assert expected == brute, text
    assert checked > 100


@pytest.mark.parametrize(("text", "code", "inert"), [
    ('x = "a#b"  # c\n', 'x = S  \n', [(4, 9), (11, 14)]),
    ("x = rb'a'\n", "x = rbS\n", [(6, 9)]),  # a prefix: read from the letters before the quote
    ("x = (f'{a}',\n'''b\nc''')\n", "x = (fS,\nS\n\x00)\n", [(13, 22)]),  # an f-string is code: not inert
    ("x = _'a'\n", None, None),  # a name glued to a quote: left to the whole parse
    ("if'a': pass\n", None, None),
    ("x = é'a'\n", None, None),  # a letter `\\w` reads that is not ASCII
    ("x = 'a\n", None, None),  # unterminated
])
def test_strings_and_comments_blanked_by_the_scanner(text, code, inert):
    found: list = []
    assert screen._code_only(text, found) == code
    if code is not None:
        assert found == inert


def test_a_character_whose_nfkc_form_is_ascii_sends_the_file_to_the_whole_parse():
    """`²` is "2" in NFKC: a file holding it is parsed whole (the screen by groups gives up),
    and that parse names a syntax error anywhere in the file. Reading only the characters
    a name may hold would leave the groups on and the error unnamed (a review caught it)."""
    source = (b"import torch\nimport torch.nn.functional as F\ndef f(x):\n    return F.interpolate(x, scale_factor=2)\n"
              b"\ndef g():\n    y = 1\xc2\xb2\n")
    with pytest.raises(SourceError, match="invalid character"):
        check_source(source, "a.py")
