"""The built-in catalog is read from the file beside the module, importlib.resources as the
fallback (a package that is not a folder of files)."""
from __future__ import annotations

import subprocess
import sys

from ac_fixer import catalog as cat


def test_the_fallback_reads_the_same_catalog(monkeypatch):
    direct = cat.default_catalog()
    real_join = cat.os.path.join
    asked = []
    monkeypatch.setattr(cat.os.path, "join", lambda *parts: asked.append(parts) or real_join("/nonexistent", *parts[1:]))
    cat.default_catalog.cache_clear()  # (cached: else the second call returns the first's catalog)
    try:
        fallback = cat.default_catalog()
    finally:
        cat.default_catalog.cache_clear()
    assert asked and fallback is not direct  # read again, through the fallback
    assert [t.name for t in fallback.targets] == [t.name for t in direct.targets]
    assert fallback.targets == direct.targets


def test_loading_the_catalog_does_not_import_importlib_resources():
    code = ("import sys\nfrom ac_fixer.catalog import default_catalog\ndefault_catalog()\n"
            "print('importlib.resources' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.stdout.strip() == "False", done.stderr
