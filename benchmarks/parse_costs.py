#!/usr/bin/env python3
"""CPU cost of the ways to parse the candidate files of a corpus (issue 17 profile).

    python benchmarks/parse_costs.py CORPUS_DIR

Candidates: files that pass the byte pre-filter and name a catalogued API as a whole word,
below the large-file threshold (what the screen parses whole). Best of 3, CPU seconds.
"""
import ast, os, sys, time, symtable, warnings, gc
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from ac_fixer.api import DEFAULT_SETTINGS
from ac_fixer.fast import screen as scr
from ac_fixer.fast.prefilter import might_have_findings
root = sys.argv[1]
word = scr.whole_word_pattern(DEFAULT_SETTINGS.catalog.short_names())
srcs = []
for d, _, fs in os.walk(root):
    for f in fs:
        if f.endswith(".py"):
            b = open(os.path.join(d, f), "rb").read()
            if might_have_findings(b, DEFAULT_SETTINGS) and word.search(b) and len(b) < scr.LARGE_FILE_BYTES:
                srcs.append(b)
print(root, len(srcs), "files", sum(map(len, srcs)) / 1e6, "MB")
warnings.simplefilter("ignore")
gc.disable()
def t(name, fn):
    best = 1e9
    for _ in range(3):
        t0 = time.process_time()
        for s in srcs:
            try: fn(s)
            except (SyntaxError, ValueError): pass
        best = min(best, time.process_time() - t0)
    print(f"  {name}: {best:.3f} CPU s")
t("ast.parse (what the screen does)", ast.parse)
t("compile to bytecode", lambda s: compile(s, "<f>", "exec", dont_inherit=True))
t("symtable (C parse + symtable, no AST objects)", lambda s: symtable.symtable(s.decode("utf-8", "replace"), "<f>", "exec"))
t("decode only", lambda s: s.decode("utf-8", "replace"))
t("screen() whole", lambda s: scr.screen(s, DEFAULT_SETTINGS.catalog))

# How much of the candidates' bytes the top-level groups that name a catalogued API (plus the
# import groups) hold: what a group-wise screen of every candidate would still have to parse.
import re  # noqa: E402

short = set(DEFAULT_SETTINGS.catalog.short_names())
total = selected = 0
for s in srcs:
    text = scr.decoded_source(s)
    groups = scr.top_level_groups(text) if text is not None else None
    if groups is None:
        total += len(s)
        selected += len(s)  # not splittable: parsed whole
        continue
    for _first, group_text, names in groups:
        total += len(group_text)
        if names & short or re.match(r"\s*(import|from)\b", group_text):
            selected += len(group_text)
print(f"  top-level groups naming an API + import groups: {selected / 1e6:.2f} of "
      f"{total / 1e6:.2f} MB = {selected / total:.0%}")
