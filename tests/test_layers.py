"""The layers of issue 12: the engine knows no rule; the rules' docs and predicates (what
the screen and a warm run load) do not load LibCST."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import ac_fixer

PACKAGE = Path(ac_fixer.__file__).resolve().parent


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, package: str) -> set:
    """Every ac_fixer module a file of ``package`` imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            found.add(module)
            found.update(f"{module}.{alias.name}" for alias in node.names)  # `from pkg import module`
    return {name for name in found if name == "ac_fixer" or name.startswith("ac_fixer.")}


def _reachable(start: str) -> set:
    files = {_module_name(p): p for p in PACKAGE.rglob("*.py")}
    seen, todo = set(), [name for name in files if name == start or name.startswith(start + ".")]
    while todo:
        name = todo.pop()
        if name in seen or name not in files:
            continue
        seen.add(name)
        path = files[name]
        todo.extend(_imports(path, name if path.name == "__init__.py" else name.rpartition(".")[0]))
    return seen


def test_the_engine_imports_no_rule():
    reached = _reachable("ac_fixer.engine")
    assert "ac_fixer.engine.index" in reached and "ac_fixer.engine.resolve" in reached
    rules = sorted(name for name in reached if name == "ac_fixer.rules" or name.startswith("ac_fixer.rules."))
    assert not rules, f"ac_fixer/engine/ reaches {rules}: the engine must stay below the rules"


def test_the_layering_check_sees_an_import_of_the_rules(tmp_path):
    """The check above would notice (a function-local import counts)."""
    sample = tmp_path / "sample.py"
    sample.write_text("def f():\n    from ac_fixer.rules import missing_flag\n", encoding="utf-8")
    assert "ac_fixer.rules" in _imports(sample, "ac_fixer.engine")
    sample.write_text("from ..rules import base\n", encoding="utf-8")
    assert "ac_fixer.rules" in _imports(sample, "ac_fixer.engine")


def test_rules_and_the_fast_path_load_no_libcst():
    """The screen and a warm run ask only the rules' predicates and docs: importing them must
    not load LibCST (about 0.3 s a process); the checks import the engine when they run."""
    code = (
        "import sys, ac_fixer.rules, ac_fixer.report, ac_fixer.fast.screen, ac_fixer.fast.prefilter\n"
        "print(sorted(m for m in sys.modules if m == 'libcst' or m.startswith('ac_fixer.engine')))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"
