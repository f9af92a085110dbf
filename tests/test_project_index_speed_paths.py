"""The project index's fast paths give the facts the plain paths give.

Three fast paths: a file that names a wrapper is summarized for its re-exports only when
some import of it may name the wrapper (``may_import``, a byte test); a name that holds a
name searched before is looked for only in the files whose bytes hold that one; a file's
imports are read from a light summary at hand before a whole one is made. Each test
builds the facts with and without them and compares."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES, project_facts_json, write_project

from ac_fixer import project
from ac_fixer.project import holds_identifier, may_import


def _plain_files_naming(self, name: str) -> list:
    """files_naming as it was: every file read for every name."""
    needle = name.encode()
    return self._search(name, lambda relative: holds_identifier(self.source(relative), needle))


_facts = project_facts_json


def _both(root: Path, monkeypatch) -> tuple:
    fast = _facts(root)
    with monkeypatch.context() as patch:
        patch.setattr(project, "may_import", lambda source, name: True)
        patch.setattr(project._Project, "files_naming", _plain_files_naming)
        patch.setattr(project._Project, "_imports_summary", lambda self, relative: self.any_summary(relative))
        plain = _facts(root)
    return fast, plain


PROJECTS = sorted(p.name for p in (FIXTURES / "projects").iterdir() if p.is_dir() and "." not in p.name)


@pytest.mark.parametrize("name", PROJECTS)
def test_fixture_projects_same_facts(name, monkeypatch):
    fast, plain = _both(FIXTURES / "projects" / name, monkeypatch)
    assert fast == plain


_write = write_project


TRICKY = {
    "pkg/__init__.py": "from .ops import resize as rs  # re-export under another name\n"
                       "from .ops import (\n    Resizer,  # a class (whose member forwards)\n    resize,\n)\n",
    "pkg/ops.py": (
        "import torch.nn.functional as F\n\n"
        "UP_MODE = 'bilinear'\n\n"
        "def resize(x, size=None, mode='nearest', align_corners=None):\n"
        "    return F.interpolate(x, size, mode=mode, align_corners=align_corners)\n\n"
        "def resize_twice(x, mode='nearest', align_corners=None):\n"
        "    return resize(x, None, mode, align_corners)\n\n"
        "def outer(x):\n"
        "    def inner(y, mode='bilinear', align_corners=None):\n"
        "        return resize(y, mode=mode, align_corners=align_corners)\n"
        "    return inner(x)\n\n"
        "class Resizer:\n"
        "    def resize(self, x, mode='nearest', align_corners=None):\n"
        "        return F.interpolate(x, scale_factor=2, mode=mode, align_corners=align_corners)\n"
    ),
    # The wrapper's name only in a string and a comment, and after `import` in a comment.
    "pkg/docs.py": "HELP = 'call resize(x) to resize'\n# import resize from ops\nvalue = 1\n",
    "pkg/config.py": "from .ops import UP_MODE\nfrom . import ops\n",
    "pkg/use.py": (
        "from pkg import rs, Resizer\nfrom pkg.ops import resize_twice, UP_MODE\n"
        "from pkg.config import UP_MODE as MODE\n\n"
        "def run(x):\n"
        "    Resizer().resize(x, mode='bilinear')\n"
        "    resize_twice(x, mode=UP_MODE)\n"
        "    return rs(x, mode=MODE)\n"
    ),
    # Names the wrapper (a string) without importing it, and re-exports the constant.
    "pkg/reexport.py": "from .ops import UP_MODE\nHELP = 'see resize'\n",
    "pkg/direct.py": (
        "import torch.nn.functional as F\nfrom pkg.reexport import UP_MODE\n\n"
        "def up(x):\n    return F.interpolate(x, scale_factor=2, mode=UP_MODE)\n"
    ),
    "pkg/names_only.py": "def resize_twice_more(x):\n    return x  # resize_twice is not called here\n",
}


def test_tricky_layout_same_facts(tmp_path, monkeypatch):
    fast, plain = _both(_write(tmp_path, TRICKY), monkeypatch)
    assert fast == plain
    assert any(q.endswith("ops.resize") for q in fast["wrappers"])  # the layout exercises wrappers
    assert "pkg.reexport.UP_MODE" in fast["constants"]  # and a constant re-exported by a file not summarized


@pytest.mark.parametrize("source, imported", [
    (b"from x import resize\n", True),
    (b"from x import (\n    a,  # a comment (with = and :)\n    resize,\n)\n", True),
    (b"from x import (\r\n    a,  # c\r\n    resize)\r\n", True),
    (b"from x import a, \\\n    resize as r\n", True),
    (b"import a.b.resize as r\n", True),
    (b"import os; from x import resize\n", True),
    (b"x = resize(1)\n", False),
    (b"def f():\n    return resize\n", False),
    (b"import os\ny = 2\nresize(1)\n", False),
    (b"HELP = 'resize'\n", False),
])
def test_may_import_finds_every_import(source, imported):
    assert may_import(source, b"resize") is imported


def test_an_incremental_search_narrowed_by_a_shorter_name_finds_every_file(tmp_path):
    """files_naming's narrowing (a name that holds a name searched before over every file is
    looked for only in the files that hold that one) is reached on an incremental build
    (the previous searches, the changed files): tested there."""
    from ac_fixer import catalog as cat

    sources = {
        "a.py": b"from ops import resize_twice\n",  # unchanged: the previous answer stands
        "b.py": b"x = resize_twice(1)\n",  # changed, names it
        "c.py": b"resize = 1\n",  # changed, holds only the shorter name
        "d.py": b"resize_twice_more = 1\n",  # changed, inside a longer identifier only
        "e.py": b"y = 2\n",
    }
    for name, data in sources.items():
        (tmp_path / name).write_bytes(data)
    files = {r: project._content_digest(d) for r, d in sources.items()}
    index = project._Project(tmp_path, files, cat.default_catalog(), {}, dict(sources))
    index.previous, index.changed = {"resize_twice": ["a.py"]}, {"b.py", "c.py", "d.py", "e.py"}
    assert index.files_naming("resize") == ["c.py"]  # a new name: searched in every file
    assert b"resize" in index.containing  # so the next search is narrowed by it
    expected = sorted(r for r, d in sources.items() if holds_identifier(d, b"resize_twice"))
    assert index.files_naming("resize_twice") == expected == ["a.py", "b.py"]
