"""The warm run's string-only paths (issue 17): discovery on os.scandir with one Path per
walk, SourceFile's Path made on first use, the cache keyed by the walk's absolute path,
and the byte pre-filter's shared scans. Speed only: each must decide what it did before."""

from __future__ import annotations

import os
import pickle
import random
from pathlib import Path

import pytest

from ac_fixer.api import Settings
from ac_fixer.fast.prefilter import might_have_findings, needles as needles_of, shared_scans
from ac_fixer.files import SKIPPED_DIRECTORIES, SOURCE_SUFFIXES, SourceFile, discover


def _reference_walk(top: str) -> list:
    """What discovery found with os.walk and two Paths per file (the code before issue 17),
    without ignore rules: (display, path, root, key) per file."""
    root = os.path.realpath(top)
    found = []
    for directory, dirnames, filenames in os.walk(top, followlinks=False):
        dirnames[:] = [d for d in sorted(dirnames) if d not in SKIPPED_DIRECTORIES and not d.endswith(".egg-info")
                       and not os.path.isfile(os.path.join(directory, d, "pyvenv.cfg"))]
        for name in sorted(filenames):
            if name.endswith(SOURCE_SUFFIXES):
                shown = Path(directory, name)
                key = os.path.realpath(shown) if os.path.islink(shown) else os.path.abspath(shown)
                found.append((str(shown), shown, Path(root), key))
    return found


def _random_tree(base: Path, seed: int) -> None:
    base.mkdir(parents=True)
    rng = random.Random(seed)
    names = ["a", "B", "c.py", "_d", "e.ipynb", "build", "venv", "x.egg-info", "ü", "z", ".py", "m.pyc"]
    folders = [base]
    for _ in range(40):
        parent = rng.choice(folders)
        name = rng.choice(names) + str(rng.randrange(3))
        kind = rng.random()
        target = parent / name
        if target.exists() or target.is_symlink():
            continue
        if kind < 0.3:
            target.mkdir()
            folders.append(target)
        elif kind < 0.8:
            target.with_suffix(rng.choice([".py", ".ipynb", ".txt"])).write_text("x = 1\n")
        elif kind < 0.9:
            os.symlink(os.path.relpath(rng.choice(folders), parent), parent / (name + "_link"))
        else:
            os.symlink("missing.py", parent / (name + "_broken.py"))
    venv = rng.choice(folders) / "venv_here"
    venv.mkdir()
    (venv / "pyvenv.cfg").write_text("")
    (venv / "inside.py").write_text("x = 1\n")


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("spelling", ["plain", "dot-slash", "absolute", "trailing-slash"])
def test_the_scandir_walk_finds_what_os_walk_found_in_its_order(tmp_path, monkeypatch, seed, spelling):
    _random_tree(tmp_path / "tree", seed)
    monkeypatch.chdir(tmp_path)
    top = {"plain": "tree", "dot-slash": "./tree", "absolute": str(tmp_path / "tree"),
           "trailing-slash": "tree/"}[spelling]
    found, errors = discover([top])
    assert errors == []
    expected, seen = [], set()
    for display, path, root, key in _reference_walk(top):
        if key not in seen:  # a symlink and its target are one file
            seen.add(key)
            expected.append((display, path, root))
    assert [(item.display, item.path, item.root) for item in found] == expected
    assert all(item.abspath == os.path.abspath(item.path) and not item.explicit for item in found)


def test_a_folder_replaced_by_a_symlink_is_not_entered(tmp_path, monkeypatch):
    (tmp_path / "tree" / "sub").mkdir(parents=True)
    (tmp_path / "tree" / "sub" / "a.py").write_text("x = 1\n")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "b.py").write_text("x = 1\n")
    (tmp_path / "tree" / "link").symlink_to(tmp_path / "outside")
    found, _ = discover([str(tmp_path / "tree")])
    assert [Path(item.display).name for item in found] == ["a.py"]


def test_a_source_file_makes_its_path_when_asked_and_compares_by_its_fields(tmp_path):
    lazy = SourceFile("pkg/a.py", "pkg/a.py", False, tmp_path, str(tmp_path / "pkg" / "a.py"))
    eager = SourceFile("pkg/a.py", Path("pkg/a.py"), False, tmp_path)
    assert lazy._path is None  # nothing built until asked
    assert lazy.path == Path("pkg/a.py") and isinstance(lazy.path, Path)
    assert lazy == eager and hash(lazy) == hash(eager)
    assert lazy != SourceFile("pkg/a.py", "pkg/a.py", True, tmp_path)
    copy = pickle.loads(pickle.dumps(lazy))
    assert copy == lazy and copy.abspath == lazy.abspath


@pytest.mark.parametrize("name", ["a.py", "a.ipynb", ".py", "a.", "a", "dir.x/a", "a.tar.py", ".hidden.py"])
def test_a_source_files_suffix_is_its_paths(name):
    assert SourceFile(name, name, True).suffix == Path(name).suffix


def test_the_cache_key_is_the_absolute_path_as_before(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("x = 1\n")
    (walked,), _ = discover(["./pkg/../pkg"])
    (named,), _ = discover(["pkg/a.py"])
    assert walked.abspath == named.abspath == os.path.abspath(tmp_path / "pkg" / "a.py")


def _needle_decision(source: bytes, settings: Settings) -> bool:
    from ac_fixer.fast.screen import spells_identifiers_otherwise

    return any(needle in source for needle in needles_of(settings)) or spells_identifiers_otherwise(source)


@pytest.mark.parametrize("text", [
    b"", b"upsampling = 1\n", b"psampl", b"x.Upsample(2)", b"nn.UpsamplingNearest2d", b"UpsamplingBilinear2d",
    b"F.upsample(x)", b"Upsampl", b"F.interpolate(x)", b"grid_sampl", b"affine_grid", b"# -*- coding: utf-16 -*-\n",
    b"downsample psample Psampling",
])
def test_the_shared_scans_decide_as_one_scan_per_needle(text):
    settings = Settings()
    assert might_have_findings(text, settings) == _needle_decision(text, settings)


def test_shared_scans_cover_every_needle_once():
    for needles in (needles_of(Settings()), (b"Upsample", b"my_upsample_bilinear", b"resize_image", b"resize_mask")):
        groups = shared_scans(needles)
        assert sorted(n for _, members in groups for n in members) == sorted(needles)
        assert all(shared in member for shared, members in groups for member in members)
    assert len(shared_scans(needles_of(Settings()))) < len(needles_of(Settings()))


def test_shared_scans_decide_as_one_scan_per_needle_on_random_bytes():
    rng = random.Random(17)
    settings = Settings()
    pieces = [b"psampl", b"Upsampl", b"upsample", b"ing", b"Nearest2d", b"Bilinear2d", b"x", b" ", b"grid_", b"sample",
              b"interpolat", b"e", b"affine_"]
    for _ in range(2000):
        text = b"".join(rng.choice(pieces) for _ in range(rng.randrange(6)))
        assert might_have_findings(text, settings) == _needle_decision(text, settings), text


def test_a_warm_run_imports_neither_the_pool_nor_pathspec_nor_importlib_metadata_nor_the_catalog_file(tmp_path):
    """A one-file run's fixed cost: modules only some runs need are imported when used."""
    from conftest import runs_listing_modules

    (tmp_path / "a.py").write_text("x = 1\n")
    # The second run finds the file in the cache.
    run = runs_listing_modules(tmp_path, ["check", "a.py"], (
        "concurrent.futures", "multiprocessing", "pathspec", "importlib.metadata", "difflib", "libcst",
        "ac_fixer.rules", "importlib.resources"))[-1]
    assert run.stdout.strip().splitlines()[-1] == "[]", run.stdout + run.stderr


def test_jobs_0_checks_a_little_source_without_workers(tmp_path, monkeypatch):
    """Below MIN_BYTES_FOR_WORKERS, --jobs 0 starts no pool (it would cost more than it
    saves); the findings are those of --jobs 1."""
    from ac_fixer import runner

    started = []
    monkeypatch.setattr(runner, "_run_in_workers", lambda *args, **kwargs: started.append(args))
    items = []
    for i in range(runner.MIN_FILES_FOR_WORKERS + 2):
        path = tmp_path / f"m{i}.py"
        path.write_text("import torch.nn.functional as F\ny = F.interpolate(x, mode='bilinear')\n")
        items.append(SourceFile(str(path), path, explicit=True))
    monkeypatch.setattr(runner, "worker_count", lambda jobs: 2)
    result = runner.run(items, Settings(), jobs=0, use_cache=False)
    assert started == [] and len(result.findings) == len(items)
    runner.run(items, Settings(), jobs=2, use_cache=False)
    assert len(started) == 1  # --jobs 2 still starts them
