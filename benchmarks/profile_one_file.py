"""One file's cold check, stage by stage, in one process: CPU milliseconds of the
interpreter, the CLI's imports, configuration and discovery, the screen (and the catalog it
loads), LibCST's import, the parse, the analysis and the report, in the order `check` does
them (issue 17: "one file with a finding <= 0.25 s cold").

    python benchmarks/profile_one_file.py PROJECT_DIR FILE [--repeat 5]

FILE is relative to PROJECT_DIR (as `ac-fixer check FILE` is run from there). Each round is
a fresh interpreter; the medians are printed. Run with PYTHONDONTWRITEBYTECODE unset.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys

_ROUND = r'''
import resource, sys, os, json
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
stages = [("interpreter", cpu())]
def mark(name): stages.append((name, cpu()))
os.chdir(sys.argv[1]); target = sys.argv[2]
import ac_fixer.cli
from ac_fixer import report, runner
mark("imports: cli, click, runner, report")
from ac_fixer.cli import _settings_groups
settings, items, _, _ = _settings_groups([target], None, select=(), ignore=(), value=None, unsafe_fixes=False,
                                         project_analysis=False)[0]
mark("configuration + discovery")
from ac_fixer.files import read_source_and_signature
source, _ = read_source_and_signature(items[0])
from ac_fixer import api
from ac_fixer.fast.screen import calls_of_slice, slice_with_cuts
catalog = settings.catalog
mark("screen and rules imported, catalog loaded")
screened = api._screened(source, settings, items[0].display)
sliced, cut = slice_with_cuts(source, screened)
ast_calls = calls_of_slice(source, screened, cut)
mark("screen + slice")
import libcst
mark("import libcst")
from ac_fixer.analysis import analyze_module
from ac_fixer.fixes import source_text
mark("imports: analysis, engine, fixes")
text = sliced if sliced is not None else source
module = api.parse(text, items[0].display)
mark("LibCST parse of the slice")
analysis = analyze_module(module, items[0].display, catalog=catalog, value=settings.value, enabled=settings.enabled,
                          source_text=source_text(module, text), respect_noqa=True, used_names=frozenset(),
                          project=None, ast_calls=ast_calls)
mark("analysis")
report.render(analysis.findings, "text", fixed=(), unsafe_fixes=False, color=False, value=False, project_dir=None,
              not_checked=0, show_fixes=False, summary=True)
mark("report")
print(json.dumps([(name, 1000 * (at - (stages[i - 1][1] if i else 0))) for i, (name, at) in enumerate(stages)]))
'''


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("project_dir")
    parser.add_argument("file")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rounds = []
    for _ in range(args.repeat):
        out = subprocess.run([sys.executable, "-c", _ROUND, args.project_dir, args.file], check=True,
                             capture_output=True, text=True).stdout
        rounds.append(json.loads(out.strip().splitlines()[-1]))
    names = [name for name, _ in rounds[0]]
    medians = {name: statistics.median(dict(r)[name] for r in rounds) for name in names}
    for name in names:
        print(f"{medians[name]:7.1f} ms  {name}")
    print(f"{sum(medians.values()):7.1f} ms  total (sum of the medians)")


if __name__ == "__main__":
    main()
