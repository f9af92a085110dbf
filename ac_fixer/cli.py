"""The command line: a thin shell over runner, report and runtime."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Optional

import click

from ac_fixer import __version__

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _use_color(stream) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def _error(message: str) -> None:
    color = _use_color(sys.stderr)
    style = "\x1b[1;31merror\x1b[0m" if color else "error"
    click.echo(f"{style}: {message}", err=True, color=color)


def _warning(message: str) -> None:
    color = _use_color(sys.stderr)
    style = "\x1b[1;33mwarning\x1b[0m" if color else "warning"
    click.echo(f"{style}: {message}", err=True, color=color)


def _split_warnings(problems: list) -> list:
    """Print the warnings among discovery's problems (skipped ignore files); the errors."""
    errors = []
    for problem in problems:
        if getattr(problem, "warning", False):
            _warning(f"{problem.path}: {problem.reason}")
        else:
            errors.append(problem)
    return errors


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="ac-fixer")
def main() -> None:
    """Find, fix and prove PyTorch calls that leave align_corners implicit."""


# --------------------------------------------------------------------------- check

_VALUE = click.Choice(["false", "true"], case_sensitive=False)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fix", is_flag=True, help="Apply fixes (safe ones; with --unsafe-fixes also unsafe ones).")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option("--value", type=_VALUE, default=None, help="Value the fixes write (default false: keeps behavior).")
@click.option(
    "--output-format", type=click.Choice(["text", "json", "sarif", "github"]), default="text", show_default=True
)
@click.option("--select", default=None, help="Comma-separated codes or prefixes to check (e.g. ACF001,ACF1).")
@click.option("--ignore", default=None, help="Comma-separated codes or prefixes to skip.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings remain.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes marked unsafe (ACF004).")
@click.option("--jobs", "-j", type=click.IntRange(min=0), default=0, help="Worker processes (0: all cores).")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None, help="Use this TOML file.")
@click.option("--statistics", is_flag=True, help="Show counts per rule instead of each finding.")
@click.option("--verify", is_flag=True, help="With --fix: write only fixes the runtime check confirmed.")
def check(paths, fix, diff, value, output_format, select, ignore, exit_zero, no_cache, unsafe_fixes, jobs,
          config_file, statistics, verify):
    """Check PATHS (default: .) for implicit align_corners."""
    from ac_fixer.config import ConfigError, parse_codes, parse_value
    from ac_fixer import report, runner

    if verify and not fix:
        raise click.UsageError("--verify needs --fix")
    paths = paths or (".",)
    try:
        overrides = dict(
            select=parse_codes(select, "--select"),
            ignore=parse_codes(ignore, "--ignore"),
            value=parse_value(value, "--value") if value is not None else None,
            unsafe_fixes=unsafe_fixes,
        )
        groups = _settings_groups(paths, config_file, **overrides)
    except ConfigError as error:
        _error(str(error))
        sys.exit(EXIT_ERROR)

    machine_output = output_format != "text"
    stdout_color = _use_color(sys.stdout)
    results, missing = [], []
    for settings, items, not_found in groups:
        missing.extend(_split_warnings(not_found))
        show_progress = not machine_output and _use_color(sys.stderr) and len(items) > 200
        progress = _progress_bar() if show_progress else None
        result = runner.run(items, settings, fix=fix or diff, jobs=jobs, use_cache=not no_cache, progress=progress)
        if progress is not None:
            click.echo("\r\x1b[K", err=True, nl=False)
        if verify and result.changed:
            result = _verified(result, settings)
        if output_format == "sarif":
            runner.add_replacements(result, settings)
        results.append((settings, result))
    value_true = any(settings.value for settings, _ in results)

    write_failures, remaining, applied, changed = [], [], [], []
    for settings, result in results:
        changed.extend(result.changed)
        if diff:
            remaining.extend(result.findings + result.applied)
        else:
            remaining.extend(result.findings)
            applied.extend(result.applied)
            if fix:
                write_failures.extend(runner.write_fixes(result.changed))

    if diff and not machine_output:
        # The diff in the files' own bytes (a latin-1 file's diff applies to the file).
        for outcome in changed:
            click.echo(runner.unified_diff(outcome), nl=False)
    elif statistics:
        click.echo(report.format_statistics(remaining, unsafe_fixes=unsafe_fixes), nl=False)
    else:
        text = report.render(
            remaining,
            output_format,
            fixed=applied if fix else (),
            unsafe_fixes=unsafe_fixes,
            color=stdout_color,
            value=value_true,
        )
        click.echo(text, nl=False, color=stdout_color)

    errors = [(e.path, e.reason) for e in missing]
    for _, result in results:
        errors.extend(result.errors)
    errors.extend(write_failures)
    for path, reason in errors:
        _error(f"{path}: {reason}")
    if errors:
        sys.exit(EXIT_ERROR)
    if exit_zero:
        sys.exit(EXIT_CLEAN)
    if remaining or (diff and changed):
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


def _settings_groups(paths, config_file, *, select, ignore, value, unsafe_fixes):
    """(settings, files, missing paths) per configuration: each path uses its nearest
    pyproject.toml (like ruff), unless --config names one file for all."""
    from ac_fixer.api import Settings
    from ac_fixer.config import find_config, load_file
    from ac_fixer.files import discover

    by_config: dict = {}
    for path in paths:
        config = load_file(Path(config_file), required_table=True) if config_file else find_config(Path(path))
        by_config.setdefault(config, []).append(path)
    groups = []
    for config, group_paths in by_config.items():
        settings = Settings(
            value=value if value is not None else bool(config.value),
            select=select or config.select,
            ignore=config.ignore + ignore,
            unsafe_fixes=unsafe_fixes,
            extra_targets=config.extra_targets,
        )
        items, missing = discover(group_paths, config.exclude, config.base)
        groups.append((settings, items, missing))
    return groups


def _progress_bar():
    def show(done: int, total: int) -> None:
        width = 30
        filled = width * done // max(total, 1)
        click.echo(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} files", err=True, nl=False)

    return show


def _verified(result, settings):
    """Re-run the fixes, keeping only those the runtime check confirmed."""
    from ac_fixer import runner
    from ac_fixer.runtime._torch import TorchMissing

    try:
        from ac_fixer.runtime.verify import confirmed_sites, site_key, verify_findings

        checked = verify_findings(result.applied, device="auto", value=settings.value)
    except TorchMissing as error:
        _error(str(error))
        sys.exit(EXIT_ERROR)
    confirmed = confirmed_sites(checked)
    for r in checked:
        if r.key() not in confirmed and r.status != "equal":
            click.echo(f"{r.path}:{r.line}: {r.code} not fixed: runtime check {r.status} ({r.detail})", err=True)

    def accept(finding) -> bool:
        return site_key(finding) in confirmed

    outcomes = []
    for outcome in result.outcomes:
        if outcome.new_source is None:
            outcomes.append(outcome)
        else:
            outcomes.append(runner.recompute_fixes(outcome, settings, accept))
    return replace(result, outcomes=outcomes)


# --------------------------------------------------------------------------- verify


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--device", type=click.Choice(["auto", "cpu", "cuda", "mps"]), default="auto", show_default=True)
@click.option("--value", type=_VALUE, default="false", show_default=True)
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None)
def verify(paths, device, value, output_format, config_file):
    """Replay each fixable site as written and as fixed on DEVICE; compare outputs bitwise."""
    from ac_fixer.api import Settings
    from ac_fixer.config import ConfigError, find_config, load_file
    from ac_fixer.files import discover
    from ac_fixer import runner
    from ac_fixer.runtime._torch import TorchMissing

    paths = paths or (".",)
    try:
        config = load_file(Path(config_file), required_table=True) if config_file else find_config(Path(paths[0]))
    except ConfigError as error:
        _error(str(error))
        sys.exit(EXIT_ERROR)
    settings = Settings(value=value.lower() == "true", extra_targets=config.extra_targets)
    items, missing = discover(paths, config.exclude, config.base)
    missing = _split_warnings(missing)
    result = runner.run(items, settings, use_cache=False)
    try:
        from ac_fixer.runtime import verify as verify_module

        results = verify_module.verify_findings(result.findings, device=device, value=settings.value)
    except TorchMissing as error:
        _error(str(error))
        sys.exit(EXIT_ERROR)
    except verify_module.DeviceUnavailable as error:
        _error(str(error))
        sys.exit(EXIT_ERROR)
    if output_format == "json":
        click.echo(verify_module.format_verify_json(results), nl=False)
    else:
        click.echo(verify_module.format_verify_text(results, value=settings.value), nl=False)
    errors = [(e.path, e.reason) for e in missing] + result.errors
    for path, reason in errors:
        _error(f"{path}: {reason}")
    if errors:
        sys.exit(EXIT_ERROR)
    sys.exit(verify_module.verify_exit_code(results))


# --------------------------------------------------------------------------- explain


@main.command()
@click.option("--mode", default=None, help="linear, bilinear, bicubic or trilinear (default: the worked example).")
@click.option("--scale", type=float, default=None, help="Scale factor (default 2).")
def explain(mode: Optional[str], scale: Optional[float]):
    """Show what align_corners does, computed by torch (default: the worked example)."""
    from ac_fixer.runtime._torch import TorchMissing

    try:
        from ac_fixer.runtime.explain import ExplainError, render_explain

        click.echo(render_explain(mode, scale), nl=False)
    except TorchMissing as error:
        _error(str(error))
        sys.exit(EXIT_ERROR)
    except ExplainError as error:
        _error(str(error))
        sys.exit(EXIT_ERROR)


# --------------------------------------------------------------------------- rule


@main.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="Show every rule.")
def rule(code: Optional[str], show_all: bool):
    """Show a rule's documentation (what it does, why, example, fix safety)."""
    from ac_fixer.rules import RULES, RULES_BY_CODE

    if show_all or code is None:
        click.echo("\n".join(r.markdown() for r in RULES))
        return
    found = RULES_BY_CODE.get(code.upper())
    if found is None:
        _error(f"unknown rule {code!r}; known: {', '.join(RULES_BY_CODE)}")
        sys.exit(EXIT_ERROR)
    click.echo(found.markdown())


# --------------------------------------------------------------------------- audit


@main.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--output", "-o", type=click.Path(dir_okay=False), default=None, help="Write the report here.")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--no-shadow", is_flag=True, help="Skip the shadow run with align_corners=False.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
def audit(output, output_format, no_shadow, command):
    """Run a Python COMMAND and record calls that reach torch with align_corners unset.

    Example: ac-fixer audit -- python train.py --epochs 1
    """
    from ac_fixer.runtime.audit import run_audit

    sys.exit(run_audit(list(command), output=output, output_format=output_format, shadow=not no_shadow))


def run() -> None:
    """Entry point: ``main`` with a one-line error instead of a traceback when a required
    dependency is missing (e.g. ``python -m ac_fixer`` from a checkout not installed)."""
    try:
        main()
    except ModuleNotFoundError as error:
        if error.name in ("libcst", "pathspec", "tomli", "click"):
            _error(f"missing dependency {error.name!r}: install ac-fixer with `pip install .` (or `pip install {error.name}`)")
            sys.exit(EXIT_ERROR)
        raise


if __name__ == "__main__":  # pragma: no cover
    run()
