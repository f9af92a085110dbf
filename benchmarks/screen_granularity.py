#!/usr/bin/env python3
"""How much of the candidate files a group-wise screen would parse, and how much the slice
keeps (issue 17 profile).

    python benchmarks/screen_granularity.py CORPUS_DIR

Candidates below the large-file threshold that name a catalogued API as a whole word: bytes of
the top-level statements naming one (+ imports), and of class members naming one (+ class
headers and non-method members); then, for the files the screen sends to the analysis, the
bytes of `slice_for_check`'s output against the file's.
"""
import ast, os, sys, re
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ac_fixer.api import DEFAULT_SETTINGS as S
from ac_fixer.fast import screen as scr
from ac_fixer.fast.prefilter import might_have_findings
short = set(S.catalog.short_names())
word = scr.whole_word_pattern(short)
wpat = re.compile(r"\b(" + "|".join(sorted(short)) + r")\b")
tot = top = meth = 0
sl_src = sl_out = sl_nb_src = sl_nb_out = 0; nsl = 0
for d, _, fs in os.walk(sys.argv[1]):
    for f in fs:
        if not f.endswith(".py"): continue
        b = open(os.path.join(d, f), "rb").read()
        if len(b) >= scr.LARGE_FILE_BYTES or not (might_have_findings(b, S) and word.search(b)): continue
        try:
            text = b.decode("utf-8"); tree = ast.parse(b)
        except Exception: continue
        lines = text.splitlines(keepends=True)
        def nbytes(n): return sum(len(l) for l in lines[n.lineno - 1 - len(getattr(n, "decorator_list", []) and [0]) * 0:n.end_lineno])
        def names(n): return bool(wpat.search("".join(lines[n.lineno - 1:n.end_lineno])))
        tot += len(text)
        for st in tree.body:
            nb = nbytes(st); hit = names(st) or isinstance(st, (ast.Import, ast.ImportFrom))
            if hit: top += nb
            if isinstance(st, ast.ClassDef) and hit:
                # header + members that name a trigger (methods not naming one are skipped)
                first = st.body[0].lineno if st.body else st.end_lineno
                meth += sum(len(l) for l in lines[st.lineno - 1:first - 1])
                for m in st.body:
                    if names(m) or not isinstance(m, (ast.FunctionDef, ast.AsyncFunctionDef)): meth += nbytes(m)
            elif hit:
                meth += nb
        sc = scr.screen(b, S.catalog)
        if sc is not None and sc.error is None:
            out = scr.slice_for_check(b, sc) or b
            nsl += 1; sl_src += len(b); sl_out += len(out)
            sl_nb_src += len(re.sub(rb"\s", b"", b)); sl_nb_out += len(re.sub(rb"\s", b"", out))
print(sys.argv[1], f"candidates {tot/1e6:.2f} MB; top-level groups naming an API + imports {top/tot:.0%}; class members naming an API (+ class headers, non-method members) {meth/tot:.0%}")
print(f"  slices: {nsl} files, sliced/source bytes {sl_out/sl_src:.0%}, non-blank {sl_nb_out/sl_nb_src:.0%}")
