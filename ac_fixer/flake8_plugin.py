"""flake8 plugin: the findings of ``ac-fixer check`` as flake8 errors (``ACF001`` ...).

Registered as ``flake8.extension`` ``ACF = ac_fixer.flake8_plugin:AcFixerChecker``::

    flake8 --select ACF src/

What flake8 reports is what ``ac-fixer check --no-project-analysis`` reports for the same
file, at the same line and column (flake8 shows 1-based columns; the plugin yields
0-based ones as its API asks): flake8 hands the plugin one file at a time, so the
project-wide analysis (the project's own wrappers, constants and callers) is not done
here. Never imports torch.

Configuration: flake8 decides what is selected, ignored and excluded (``--select``,
``--extend-ignore``, ``--exclude``, ``per-file-ignores``); the ``select``, ``ignore``
and ``exclude`` keys of ``[tool.ac-fixer]`` are not read here. ``extend-targets``
(your own wrappers) and ``value`` are, from the nearest ``pyproject.toml`` above the
checked file, so the plugin finds the same calls as ``ac-fixer check --no-project-analysis``. A broken
``[tool.ac-fixer]`` table is reported as ``ACF000`` at line 1 of each checked file
(the message names the file and the key), not as a flake8 traceback.

``# noqa`` comments are honoured by the analysis itself (the line where the call
starts), which is the same line flake8 reads them on; flake8 applies its own noqa
handling on top, which agrees with it.
"""

from __future__ import annotations

import ast
import functools
import tokenize
from pathlib import Path
from typing import Iterator, Sequence, Tuple, Type

from ac_fixer import __version__

Error = Tuple[int, int, str, Type["AcFixerChecker"]]

# Reported (at 1:1 of every checked file) when [tool.ac-fixer] cannot be read.
CONFIG_ERROR = "ACF000"


class AcFixerChecker:
    """A flake8 AST plugin (flake8 passes ``tree``, ``filename`` and ``lines`` by name)."""

    name = "ac-fixer"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str = "stdin", lines: Sequence[str] = ()):
        self.tree = tree  # flake8 classifies plugins by their parameters; the analysis uses LibCST
        self.filename = filename
        self.lines = list(lines)

    def run(self) -> Iterator[Error]:
        from ac_fixer.api import SourceError, check_source
        from ac_fixer.config import ConfigError

        try:
            settings = _settings_for_directory(_directory_of(self.filename))
        except ConfigError as error:
            # flake8 has no clean way for a plugin to fail (an exception is a traceback):
            # say it as an error of this file, at its first line.
            yield 1, 0, f"{CONFIG_ERROR} ac-fixer configuration error: {error}", type(self)
            return
        source = _source_bytes(self.lines)
        try:
            findings = check_source(source, self.filename, settings)
        except SourceError:
            return  # flake8 reports files that do not parse itself (E999)
        for finding in findings:
            yield finding.line, finding.column - 1, f"{finding.code} {finding.message}", type(self)


def _source_bytes(lines: Sequence[str]) -> bytes:
    """The file's bytes again: flake8 decoded them with the file's declared encoding.

    Encoding back with the same codec keeps a coding cookie and the text it
    describes consistent, so LibCST's columns equal flake8's. flake8 falls back
    to latin-1 for bytes the declared codec rejects; latin-1 gives them back.
    """
    text = "".join(lines)
    head = text.encode("utf-8", "surrogateescape").splitlines(keepends=True)[:2]
    try:
        encoding, _ = tokenize.detect_encoding(iter(head).__next__)
    except SyntaxError:
        encoding = "utf-8"
    if encoding == "utf-8-sig":
        encoding = "utf-8"  # flake8 strips the BOM from the first line
    for codec in (encoding, "latin-1"):
        try:
            return text.encode(codec)
        except (UnicodeEncodeError, LookupError):
            continue
    return text.encode("utf-8", "surrogateescape")


def _directory_of(filename: str) -> str:
    path = Path(filename)
    if filename in ("", "-", "stdin") or not path.exists():
        return str(Path.cwd())
    return str((path if path.is_dir() else path.parent).resolve())


@functools.lru_cache(maxsize=256)
def _settings_for_directory(directory: str):
    from ac_fixer.api import Settings
    from ac_fixer.config import find_config

    config = find_config(Path(directory))  # ConfigError: reported by run()
    # flake8 applies `# noqa` itself (and honours --disable-noqa): don't filter twice.
    return Settings(value=bool(config.value), extra_targets=config.extra_targets, respect_noqa=False)
