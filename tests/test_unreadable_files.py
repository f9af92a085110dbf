"""Files Python cannot read as text are named on stderr with exit 2, also when they name no
catalogued API (the byte pre-filter used to pass them silently; issue 14, item 3)."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import isolate_in

from ac_fixer.cli import main
from ac_fixer.fast.screen import unreadable_reason

CALL = b'import torch.nn.functional as F\ny = F.interpolate(x, mode="bilinear")\n'

UNREADABLE = {
    "binary": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe\x00\x01" * 20, "null bytes"),
    "nul-in-text": (b"x = 1\n\x00\n", "null bytes"),
    "unknown-cookie": (b"# -*- coding: klingon -*-\nx = 1\n", "cannot decode: unknown encoding: klingon"),
    "cookie-not-decodable": (b"# coding: ascii\nlabel = 'caf\xc3\xa9'\n", "cannot decode: 'ascii' codec"),
    "bad-utf8": (b"label = 'caf\xe9'\n", "cannot decode: 'utf-8' codec"),
    "bom-and-other-cookie": (b"\xef\xbb\xbf# coding: latin-1\nx = 1\n", "encoding problem"),
}


@pytest.fixture(autouse=True)
def _isolated(tmp_path, monkeypatch):
    return isolate_in(tmp_path / "work", tmp_path / "cache", monkeypatch)


def check(*args: str):
    return CliRunner().invoke(main, ["check", *args], catch_exceptions=False)


@pytest.mark.parametrize("name", sorted(UNREADABLE))
@pytest.mark.parametrize("names_an_api", [False, True], ids=["names-nothing", "names-interpolate"])
def test_unreadable_file_is_named_with_exit_2(name, names_an_api):
    content, reason = UNREADABLE[name]
    if names_an_api:
        content = content + b"\n" + CALL if name != "unknown-cookie" else content + CALL
    Path("ok.py").write_text("x = 1\n")
    Path("bad.py").write_bytes(content)
    result = check("--no-cache", "ok.py", "bad.py")
    assert result.exit_code == 2, result.output
    assert "All checks passed!" not in result.stdout
    assert "bad.py: " in result.stderr and reason in result.stderr, result.stderr
    assert "ok.py" not in result.stderr


def test_unreadable_file_is_named_again_on_a_warm_run():
    Path("bad.py").write_bytes(b"\x00\x01binary")
    assert check("bad.py").exit_code == 2
    again = check("bad.py")
    assert again.exit_code == 2 and "bad.py" in again.stderr


@pytest.mark.parametrize(
    "content",
    [
        b"x = 1\n",
        "label = 'café'\n".encode(),
        b"\xef\xbb\xbfx = 1\n",
        b"# -*- coding: latin-1 -*-\nlabel = 'caf\xe9'\n",
        b"#!/usr/bin/env python\n# vim: set fileencoding=cp1252 :\nlabel = '\x80'\n",
        b"x = 1\n# coding: klingon (a cookie after line 2 is no cookie)\n",
        b"",
    ],
)
def test_readable_files_pass(content):
    assert unreadable_reason(content) is None
    Path("fine.py").write_bytes(content)
    result = check("--no-cache", "fine.py")
    assert result.exit_code == 0 and result.stdout == "All checks passed!\n", result.output
