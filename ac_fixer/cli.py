"""The command line: a thin shell over runner, report and runtime."""

from __future__ import annotations

import os
import sys
from dataclasses import replace
from pathlib import Path
from typing import Optional

import click

from ac_fixer import __version__
from ac_fixer.report import FORMATS

EXIT_CLEAN, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


def _use_color(stream) -> bool:
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    return hasattr(stream, "isatty") and stream.isatty()


def _error(message: str) -> None:
    from ac_fixer.report import printable

    color = _use_color(sys.stderr)
    style = "\x1b[1;31merror\x1b[0m" if color else "error"
    # One error, one line: a path's newline or escape codes are shown, never acted on.
    click.echo(f"{style}: {printable(message)}", err=True, color=color)


def _warning(message: str) -> None:
    from ac_fixer.report import printable

    color = _use_color(sys.stderr)
    style = "\x1b[1;33mwarning\x1b[0m" if color else "warning"
    click.echo(f"{style}: {printable(message)}", err=True, color=color)


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
_DEVICE = click.Choice(["auto", "cpu", "cuda", "mps"])  # check --verify and verify


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--fix", is_flag=True, help="Apply fixes (safe ones; with --unsafe-fixes also unsafe ones).")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff; write nothing.")
@click.option("--value", type=_VALUE, default=None, help="Value the fixes write (default false: keeps behavior).")
@click.option("--output-format", type=click.Choice(FORMATS), default="text", show_default=True)
@click.option("--select", default=None, help="Comma-separated codes or prefixes to check (e.g. ACF001,ACF1).")
@click.option("--ignore", default=None, help="Comma-separated codes or prefixes to skip.")
@click.option("--exit-zero", is_flag=True, help="Exit 0 even when findings remain.")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the cache.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes marked unsafe (ACF004).")
@click.option(
    "--jobs", "-j", type=click.IntRange(min=0), default=0,
    help="Worker processes (0: one per CPU, none for less than 1 MB of source to read). Capped at the CPUs "
    "available and at most 32.",
)
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None, help="Use this TOML file.")
@click.option("--statistics", is_flag=True, help="Show counts per rule instead of each finding.")
@click.option(
    "--verify", is_flag=True, help="With --fix: write only fixes the runtime check found to keep every output bitwise."
)
@click.option(
    "--device", type=_DEVICE, default="auto", show_default=True, help="With --verify: where the runtime check runs."
)
@click.option(
    "--stdin-filename",
    type=click.Path(),
    default=None,
    help="Read the source from stdin (PATH `-` or none) and use this name for configuration, excludes and "
    "messages. With --fix the fixed source goes to stdout, the report to stderr.",
)
@click.option("--show-fixes", is_flag=True, help="List the fixes made (or available) per file and rule.")
@click.option("--exit-non-zero-on-fix", is_flag=True, help="Exit 1 when a fix was written, even if nothing remains.")
@click.option(
    "--output-file", "-o", type=click.Path(dir_okay=False), default=None, help="Write the report to this file."
)
@click.option("--quiet", "-q", is_flag=True, help="Print the findings only: no summary, no progress bar.")
@click.option("--silent", "-s", is_flag=True, help="Print no report (errors still go to stderr); exit codes as usual.")
@click.option("--extend-select", default=None, help="Comma-separated codes or prefixes to check besides --select.")
@click.option("--force-exclude/--no-force-exclude", default=None,
              help="Apply `exclude` to paths named on the command line too (what pre-commit passes).")
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None,
              help="The cache folder (default: .ac-fixer-cache at the project root).")
@click.option("--evidence", "evidence_file", type=click.Path(dir_okay=False), default=None,
              help="An audit report (JSON of `ac-fixer audit` or `pytest --ac-fixer-audit`): ACF003 sites and "
              "wrapper calls it proves become fixable (align_corners=False).")
@click.option("--project-analysis/--no-project-analysis", default=None,
              help="Analyze the project as a whole: wrappers, constants and callers from other modules "
              "(default: the `project-analysis` key, else on).")
def check(paths, fix, diff, value, output_format, select, ignore, exit_zero, no_cache, unsafe_fixes, jobs,
          config_file, statistics, verify, stdin_filename, show_fixes, exit_non_zero_on_fix, output_file, quiet,
          silent, extend_select, force_exclude, cache_dir, device, project_analysis, evidence_file):
    """Check PATHS (default: .) for implicit align_corners; `-` reads one source from stdin."""
    from ac_fixer.config import ConfigError, parse_codes, parse_value
    from ac_fixer import report, runner
    from ac_fixer.files import remove_temp_files_on_termination

    if verify and not fix:
        raise click.UsageError("--verify needs --fix")
    out = _ReportOutput(output_file, silent)
    from_stdin = stdin_filename is not None or "-" in paths
    if from_stdin and any(path != "-" for path in paths):
        raise click.UsageError("`-` (stdin) cannot be checked together with other paths")
    if from_stdin and verify:
        raise click.UsageError("--verify cannot be used with stdin")
    if device != "auto" and not verify:
        raise click.UsageError("--device needs --verify")
    if evidence_file is not None and from_stdin:
        raise click.UsageError("--evidence cannot be used with stdin")
    if statistics and output_format not in report.STATISTICS_FORMATS:
        raise click.UsageError(
            f"--statistics has no {output_format} form; use it with --output-format "
            + " or ".join(report.STATISTICS_FORMATS)
        )
    paths = paths or (".",)
    # SIGTERM/SIGHUP while this command runs remove the temp file of a write in flight.
    click.get_current_context().with_resource(remove_temp_files_on_termination())
    try:
        overrides = dict(
            select=parse_codes(select, "--select"),
            ignore=parse_codes(ignore, "--ignore"),
            value=parse_value(value, "--value") if value is not None else None,
            unsafe_fixes=unsafe_fixes,
            extend_select=parse_codes(extend_select, "--extend-select"),
            force_exclude=force_exclude,
            cache_dir=cache_dir,
            project_analysis=project_analysis,
            no_cache=no_cache,
        )
        if from_stdin:  # exits
            _check_stdin(
                stdin_filename, config_file, overrides, out, fix=fix, diff=diff, output_format=output_format,
                statistics=statistics, show_fixes=show_fixes, quiet=quiet, exit_zero=exit_zero,
                exit_non_zero_on_fix=exit_non_zero_on_fix,
            )
        groups = _settings_groups(paths, config_file, **overrides)
    except ConfigError as error:
        _error(str(error))
        sys.exit(EXIT_ERROR)
    if evidence_file is not None:
        groups = _with_evidence(groups, evidence_file)
        no_cache = True  # cached findings know nothing of the report

    machine_output = output_format != "text"
    stdout_color = out.color
    results, missing = [], []
    for settings, items, not_found, group_cache_dir in groups:
        missing.extend(_split_warnings(not_found))
        with Progress("Checking", PROGRESS_MIN_FILES, enabled=not (quiet or silent)) as progress:
            result = runner.run(
                items, settings, fix=fix or diff, jobs=jobs, use_cache=not no_cache,
                progress=progress if progress.enabled else None,  # not called 10k times for nothing
                cache_dir=group_cache_dir, replacements=output_format == "sarif",
            )
        settings = result.settings  # with the project's facts, which the run computed
        if verify and result.changed:
            result = _verified(result, settings, device)
        if output_format == "sarif":
            runner.add_replacements(result, settings, after_fix=fix)
        results.append((settings, result))
    for reason in dict.fromkeys(result.cache_warning for _, result in results if result.cache_warning):
        _warning(f"cache not used: {reason}; running without the cache (--cache-dir names another folder)")
    value_true = any(settings.value for settings, _ in results)

    write_failures, remaining, applied, changed = [], [], [], []
    for settings, result in results:
        changed.extend(result.changed)
        if diff:
            remaining.extend(result.findings + result.applied)
        else:
            if fix:  # first: a fix that was not written stays a finding
                write_failures.extend(runner.write_fixes(result.changed))
            # ruff's positions: where the findings are in the file as fixed
            remaining.extend(result.findings_after_fix if fix else result.findings)
            applied.extend(result.applied)

    errors = [(e.path, e.reason) for e in missing]
    for _, result in results:
        errors.extend(result.errors)
    errors.extend(write_failures)

    if diff and not machine_output:
        # The diff in the files' own bytes (a latin-1 file's diff applies to the file).
        for outcome in changed:
            out.write(runner.unified_diff(outcome))
    elif statistics:
        out.write(report.STATISTICS_FORMATS[output_format](remaining, unsafe_fixes=unsafe_fixes))
    else:
        text = report.render(
            remaining,
            output_format,
            fixed=applied if fix else (),
            unsafe_fixes=unsafe_fixes,
            color=stdout_color,
            value=value_true,
            project_dir=os.environ.get("CI_PROJECT_DIR"),
            **_text_extras(output_format, show_fixes=show_fixes, quiet=quiet),
            not_checked=len({path for path, _ in errors}),
        )
        out.write(text)
    out.close()

    for path, reason in errors:
        _error(f"{path}: {reason}")
    if errors:
        sys.exit(EXIT_ERROR)
    if exit_zero:
        sys.exit(EXIT_CLEAN)
    if remaining or (diff and changed):
        sys.exit(EXIT_FINDINGS)
    if exit_non_zero_on_fix and fix and changed:
        sys.exit(EXIT_FINDINGS)  # every write succeeded (a failure exits 2 above)
    sys.exit(EXIT_CLEAN)


# Less work than this goes without a progress bar (it would only flicker).
PROGRESS_MIN_FILES = 200
PROGRESS_MIN_SITES = 20  # verify: sites replayed; audit: sites in the report


def _text_extras(output_format: str, *, show_fixes: bool, quiet: bool) -> dict:
    """The text report's options for --show-fixes and --quiet (other formats have no summary)."""
    if output_format != "text":
        return {}
    return {"show_fixes": show_fixes, "summary": not quiet}


class _ReportOutput:
    """Where the report goes: stdout, or with ``-o FILE`` that file, written atomically
    when the run ends (colors off); nothing at all with ``--silent``."""

    def __init__(self, output_file: Optional[str], silent: bool, *, to_stderr: bool = False):
        self.output_file = output_file
        self.silent = silent
        self.err = to_stderr
        self.chunks: list = []
        self.color = output_file is None and not silent and _use_color(sys.stderr if self.err else sys.stdout)

    def write(self, data) -> None:
        if self.silent:
            return
        if self.output_file is not None:
            self.chunks.append(data.encode("utf-8", "surrogateescape") if isinstance(data, str) else data)
        else:
            click.echo(data, nl=False, err=self.err, color=self.color)

    def close(self) -> None:
        if self.output_file is None or self.silent:
            return
        from ac_fixer.files import write_report

        try:
            write_report(Path(self.output_file), b"".join(self.chunks))
        except OSError as error:
            _error(f"{self.output_file}: cannot write the report: {error.strerror or error}")
            sys.exit(EXIT_ERROR)


def _check_stdin(stdin_filename, config_file, overrides, out, *, fix, diff, output_format, statistics, show_fixes,
                 quiet, exit_zero, exit_non_zero_on_fix):
    """``check -``: one source from stdin, named ``stdin_filename`` (for the configuration
    found from it, its excludes and the messages). With --fix the fixed source (the input
    itself when nothing changed or it cannot be parsed) goes to stdout and the report to
    stderr, as ruff does; --diff prints the diff. Nothing is written, nothing cached."""
    from ac_fixer import report, runner
    from ac_fixer.config import ConfigError, find_config, load_file
    from ac_fixer.files import SourceFile, is_excluded

    display = stdin_filename or "-"
    if stdin_filename is not None and os.path.isdir(stdin_filename):
        raise click.UsageError(f"--stdin-filename {stdin_filename!r} is a folder")
    source = sys.stdin.buffer.read()
    stdout = sys.stdout.buffer
    try:
        name = stdin_filename or "-"  # a name to look the configuration up from (the current folder)
        config = load_file(Path(config_file), required_table=True) if config_file else find_config(Path(name))
        settings = _settings_groups([name], config_file, **overrides)[0][0]
    except ConfigError as error:
        if fix:
            stdout.write(source)
            stdout.flush()
        _error(str(error))
        sys.exit(EXIT_ERROR)
    if stdin_filename is not None and is_excluded(stdin_filename, config.exclude, config.base):
        if fix:
            stdout.write(source)  # an excluded file is handed back as it came
            stdout.flush()
        sys.exit(EXIT_CLEAN)
    item = SourceFile(display, Path(stdin_filename or "-"), explicit=True)
    outcome = runner.check_bytes(item, source, settings, fix=fix or diff)
    if fix:
        stdout.write(outcome.new_source if outcome.new_source is not None else source)
        stdout.flush()
        if out.output_file is None:
            out = _ReportOutput(None, out.silent, to_stderr=True)
    if outcome.error:
        _error(f"{display}: {outcome.error}")
        sys.exit(EXIT_ERROR)
    remaining = outcome.findings + (outcome.applied if diff else [])
    if diff and output_format == "text":
        if outcome.new_source is not None:
            out.write(runner.unified_diff(outcome))
    elif statistics:
        out.write(report.format_statistics(remaining, unsafe_fixes=settings.unsafe_fixes))
    else:
        out.write(
            report.render(
                remaining,
                output_format,
                fixed=outcome.applied if fix else (),
                unsafe_fixes=settings.unsafe_fixes,
                color=out.color,
                value=settings.value,
                project_dir=os.environ.get("CI_PROJECT_DIR"),
                **_text_extras(output_format, show_fixes=show_fixes, quiet=quiet),
            )
        )
    out.close()
    if exit_zero:
        sys.exit(EXIT_CLEAN)
    if remaining or (diff and outcome.new_source is not None):
        sys.exit(EXIT_FINDINGS)
    if exit_non_zero_on_fix and fix and outcome.applied:
        sys.exit(EXIT_FINDINGS)
    sys.exit(EXIT_CLEAN)


def _settings_groups(paths, config_file, *, select, ignore, value, unsafe_fixes, extend_select=(),
                     force_exclude=None, cache_dir=None, project_analysis=None, no_cache=False):
    """(settings, files, missing paths, cache folder) per configuration: each path uses its
    nearest pyproject.toml (like ruff), unless --config names one file for all."""
    from ac_fixer.api import Settings
    from ac_fixer.config import cache_dir_for, effective_select, find_config, load_file
    from ac_fixer.files import discover

    by_config: dict = {}
    for path in paths:
        config = load_file(Path(config_file), required_table=True) if config_file else find_config(Path(path))
        by_config.setdefault(config, []).append(path)
    groups = []
    for config, group_paths in by_config.items():
        settings = Settings(
            value=value if value is not None else bool(config.value),
            select=effective_select(config, select, extend_select),
            ignore=config.ignore + ignore,
            unsafe_fixes=unsafe_fixes,
            extra_targets=config.extra_targets,
            per_file_ignores=config.per_file_ignores,
        )
        force = force_exclude if force_exclude is not None else bool(config.force_exclude)
        walks: dict = {}  # the folders this walk listed: the index's walk takes their files
        items, missing = discover(group_paths, config.exclude, config.base, force_exclude=force, walks=walks)
        group_cache = cache_dir_for(config, Path(group_paths[0]), cache_dir)
        if _project_analysis_on(project_analysis, config):
            from ac_fixer.project import DeferredFacts, analysis_root

            root = analysis_root(config, Path(group_paths[0]))
            if root is not None:
                # `check .` at the project's root: the index takes this walk's files, when
                # a walk by the root's real path would find the same (then discover recorded
                # it, by that path: the one path named is the root, spelled without a link).
                whole = len(group_paths) == 1 and not force and str(root.resolve()) in walks
                # Computed by the run (runner.run), which screens the files meanwhile.
                settings = replace(settings, project=DeferredFacts(
                    root, config.exclude, config.base, None if no_cache else group_cache,
                    named=[item.filename for item in items], discovered=items if whole else None,
                    walked=walks if not whole else None))
        groups.append((settings, items, missing, group_cache))
    if len(groups) > 1:
        groups = _each_file_once(groups, list(by_config))
    return groups


def _each_file_once(groups, configs):
    """A file found under two configurations (``check . sub/b.py`` where sub/ has its own
    pyproject.toml) is checked once, under the configuration nearest to it (as ruff does);
    named on the command line wins a tie."""
    from ac_fixer.config import ConfigError, find_config
    from ac_fixer.files import one_entry_per_file

    nearest_of: dict = {}  # folder -> its nearest configuration (None: unreadable)

    def rank(index, item):
        folder = os.path.dirname(os.path.realpath(item.path))
        if folder not in nearest_of:
            try:
                nearest_of[folder] = find_config(Path(folder))
            except ConfigError:
                nearest_of[folder] = None
        return (nearest_of[folder] != configs[index], not item.explicit)

    kept = one_entry_per_file([items for _, items, _, _ in groups], rank)
    return [
        (settings, items, missing, cache_dir) for (settings, _, missing, cache_dir), items in zip(groups, kept)
    ]


class Progress:
    """click's progress bar on stderr, for long work: only when stderr is a terminal (a CI
    log or a redirected stderr gets nothing, stdout never), and only once ``total`` reaches
    ``min_total``. Use as a context manager; call it with (done, total)."""

    def __init__(self, label: str, min_total: int, *, enabled: bool = True, stream=None):
        self.label = label
        self.min_total = min_total
        self.stream = stream if stream is not None else sys.stderr
        self.enabled = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.bar = None

    def __call__(self, done: int, total: int) -> None:
        if self.bar is None:
            if not self.enabled or total < self.min_total:
                return
            self.bar = click.progressbar(length=total, label=self.label, file=self.stream)
            self.bar.__enter__()
        self.bar.update(done - self.bar.pos)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc_info) -> None:
        if self.bar is not None:
            self.bar.__exit__(*exc_info)
            self.bar = None


def _project_analysis_on(flag, config) -> bool:
    """``--project-analysis/--no-project-analysis``, else the `project-analysis` key, else
    on (README "Project-wide analysis": what it costs)."""
    return flag if flag is not None else config.project_analysis is not False


def _with_project_analysis(settings, config, start, items=None, flag=None):
    """``settings`` with the project's facts (its inferred wrappers), as ``check`` has them
    (``items``: the files the command reads; few of a large project get on-demand facts;
    ``flag``: ``--project-analysis/--no-project-analysis``)."""
    if not _project_analysis_on(flag, config):
        return settings
    from ac_fixer.project import analysis_root, with_project

    root = analysis_root(config, Path(start))
    if root is None:
        return settings
    named = [str(item.path) for item in items] if items is not None else None
    return with_project(settings, root, config.exclude, config.base, None, named=named)  # verify writes nothing


def _with_evidence(groups, evidence_file):
    """The settings groups with the audit report's evidence; a report that cannot be used
    is an error (exit 2); each checked file the report no longer fits is named."""
    from ac_fixer.evidence import EvidenceError, load_report, refusal_message, stale_files

    try:
        report = load_report(evidence_file)
    except EvidenceError as error:
        _error(str(error))
        sys.exit(EXIT_ERROR)
    for _, items, _, _ in groups:
        for display in stale_files(report, [item.display for item in items]):
            _warning(refusal_message(report, display))
    return [(replace(settings, evidence=report), items, missing, cache) for settings, items, missing, cache in groups]


def _verified(result, settings, device):
    """Re-run the fixes, keeping only those the runtime check found equal (with
    ``--value true`` too: a fix that changes an output is reported, not written)."""
    from ac_fixer import report, runner
    from ac_fixer.runtime._torch import DeviceUnavailable, TorchMissing

    try:
        from ac_fixer.runtime.verify import equal_sites, site_key, verify_findings

        with Progress("Verifying", PROGRESS_MIN_SITES) as progress:
            checked = verify_findings(
                result.applied, device=device, value=settings.value, progress=progress, catalog=settings.catalog
            )
    except (TorchMissing, DeviceUnavailable) as error:
        _error(str(error))
        sys.exit(EXIT_ERROR)
    confirmed = equal_sites(checked)
    for r in checked:
        if r.key() not in confirmed and r.status != "equal":
            line = f"{r.path}:{r.line}: {r.code} not fixed: runtime check {r.status} ({r.detail})"
            click.echo(report.printable(line), err=True)
    if checked:
        sites = {r.key() for r in checked}  # a site replayed in several dtypes is one fix
        equal = len(sites & confirmed)
        devices = ", ".join(sorted({r.device for r in checked if r.device})) or device
        click.echo(
            f"Runtime check on {devices}: {equal} of {len(sites)} fix{'es' if len(sites) != 1 else ''} "
            f"reproduce{'s' if equal == 1 else ''} {'its call' if equal == 1 else 'their calls'} bitwise with "
            f"align_corners={settings.value}; only confirmed fixes are written.",
            err=True,
        )

    def accept(finding) -> bool:
        return site_key(finding) in confirmed

    outcomes = []
    for outcome in result.outcomes:
        if outcome.new_source is None:
            outcomes.append(outcome)
        else:
            outcomes.append(runner.recompute_fixes(outcome, settings, accept))
    return replace(result, outcomes=outcomes)


# --------------------------------------------------------------------------- clean


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--cache-dir", type=click.Path(file_okay=False), default=None, help="Also remove this cache folder.")
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None, help="Use this TOML file.")
def clean(paths, cache_dir, config_file):
    """Remove the cache: the folder PATHS (default: .) use, and every .ac-fixer-cache below them."""
    from ac_fixer import cache
    from ac_fixer.config import ConfigError, cache_dir_for, find_config, load_file

    paths = paths or (".",)
    folders = []
    try:
        for path in paths:
            config = load_file(Path(config_file), required_table=True) if config_file else find_config(Path(path))
            folders.append(cache_dir_for(config, Path(path), cache_dir))
    except ConfigError as error:
        _error(str(error))
        sys.exit(EXIT_ERROR)
    for path in paths:
        if os.path.isdir(path) and not os.path.islink(path):
            folders.extend(cache.cache_folders_under(path))
    problems = False
    for folder in {os.path.abspath(folder): folder for folder in reversed(folders)}.values():
        removed, problem = cache.remove_cache_folder(folder)
        if removed:
            click.echo(f"Removed {folder}")
        if problem:
            _error(problem)
            problems = True
    sys.exit(EXIT_ERROR if problems else EXIT_CLEAN)


# --------------------------------------------------------------------------- verify


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--device", type=_DEVICE, default="auto", show_default=True)
@click.option("--value", type=_VALUE, default="false", show_default=True)
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--config", "config_file", type=click.Path(dir_okay=False), default=None)
@click.option(
    "--max-elements", type=click.IntRange(min=1), default=None,
    help="Per-site budget: skip a site whose inputs or outputs would hold more elements (default 4194304).",
)
@click.option(
    "--max-seconds", type=click.FloatRange(min=0), default=None,
    help="Per-site budget: skip a site still replaying after this many seconds (default 10).",
)
@click.option("--evidence", "evidence_file", type=click.Path(dir_okay=False), default=None,
              help="An audit report: also replay the ACF003 sites and wrapper calls it proves, with the modes it saw.")
@click.option("--project-analysis/--no-project-analysis", default=None,
              help="Replay what `check --project-analysis` reports too: calls of the project's own wrappers and "
              "modes decided from other modules (default: the `project-analysis` key, else on).")
def verify(paths, device, value, output_format, config_file, max_elements, max_seconds, evidence_file,
           project_analysis):
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
    settings = _with_project_analysis(settings, config, paths[0], items, project_analysis)
    missing = _split_warnings(missing)
    if evidence_file is not None:
        ((settings, items, missing, _),) = _with_evidence([(settings, items, missing, None)], evidence_file)
    result = runner.run(items, settings, use_cache=False)
    try:
        from ac_fixer.runtime import verify as verify_module

        budget = {name: given for name, given in (("max_elements", max_elements), ("max_seconds", max_seconds))
                  if given is not None}
        with Progress("Verifying", PROGRESS_MIN_SITES) as progress:
            results = verify_module.verify_findings(
                result.findings, device=device, value=settings.value, progress=progress, catalog=settings.catalog,
                **budget,
            )
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


class _CatalogHelpOption(click.Option):
    """An option whose help names the catalog's modes, read when the help is shown: a
    check whose files are all cached never loads the catalog."""

    def get_help_record(self, ctx):
        from ac_fixer.catalog import default_catalog

        self.help = f"{default_catalog().flag_modes_text()} (default: the worked example)."
        return super().get_help_record(ctx)


@main.command()
@click.option("--mode", cls=_CatalogHelpOption, default=None)
@click.option("--scale", type=float, default=None, help="Scale factor (default 2).")
@click.option(
    "--plot",
    "plot_file",
    type=click.Path(dir_okay=False),
    default=None,
    help="Also draw the example to this PNG or SVG file (by extension; needs matplotlib, the `plot` extra).",
)
def explain(mode: Optional[str], scale: Optional[float], plot_file: Optional[str]):
    """Show what align_corners does, computed by torch (default: the worked example)."""
    from ac_fixer.runtime._torch import TorchMissing

    try:
        from ac_fixer.runtime.explain import ExplainError, render_explain

        if plot_file is not None:
            from ac_fixer.runtime.explain import explain_example, plot_example, plot_format, render_example

            plot_format(plot_file)  # a wrong extension is an error before any work
            example = explain_example(mode, scale)
            try:
                plot_example(example, plot_file)
            except OSError as error:
                _error(f"{plot_file}: cannot write the picture: {error.strerror or error}")
                sys.exit(EXIT_ERROR)
            click.echo(render_example(example), nl=False)
            click.echo(f"The picture is in {plot_file}.", err=True)
            return
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
@click.option("--follow-symlink", is_flag=True, help="Write the report through --output when it is a symlink.")
@click.argument("command", nargs=-1, type=click.UNPROCESSED, required=True)
def audit(output, output_format, no_shadow, follow_symlink, command):
    """Run a Python COMMAND and record calls that reach torch with align_corners unset.

    Example: ac-fixer audit -- python train.py --epochs 1
    """
    from ac_fixer.runtime.audit import run_audit

    with Progress("Building the report", PROGRESS_MIN_SITES) as progress:
        exit_code = run_audit(
            list(command), output=output, output_format=output_format, shadow=not no_shadow,
            follow_symlink=follow_symlink, progress=progress,
        )
    sys.exit(exit_code)


def run() -> None:
    """Entry point: ``main`` with a one-line error instead of a traceback when a required
    dependency is missing (e.g. ``python -m ac_fixer`` from a checkout not installed)."""
    from ac_fixer.files import CollectorPaused

    CollectorPaused.freeze_after = True  # this process ends after the command
    try:
        main()
    except ModuleNotFoundError as error:
        if error.name in ("libcst", "pathspec", "tomli", "click"):
            _error(f"missing dependency {error.name!r}: install ac-fixer with `pip install .` (or `pip install {error.name}`)")
            sys.exit(EXIT_ERROR)
        raise


if __name__ == "__main__":  # pragma: no cover
    run()
