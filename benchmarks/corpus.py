#!/usr/bin/env python3
"""Build the benchmark corpus: the .py files of pinned PyTorch projects (issue 6).

Every project is fetched with ``pip download --no-deps`` at a pinned version (PyPI only),
then its wheel (zip) or sdist (tar) is unpacked keeping only ``*.py`` files, into
``benchmarks/corpus/<name>-<version>/``. torch itself comes from the CPU wheel that lies on
disk (``--torch-wheel``); only its .py files are unpacked.

Idempotent: a project whose directory is complete (its marker in ``benchmarks/.work/state``
matches the files on disk) is skipped, and a download already in ``benchmarks/.work/downloads``
is not fetched again. Standard library only; runs with any Python >= 3.9.

    python benchmarks/corpus.py            # build (or complete) the corpus, print a summary
    python benchmarks/corpus.py --list     # show the pinned projects
    python benchmarks/corpus.py --rebuild  # wipe benchmarks/corpus and build it again
    python benchmarks/corpus.py --corpus second   # the second corpus, in benchmarks/corpus2/
"""
from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from ac_fixer.catalog import default_catalog  # noqa: E402

CORPUS_DIR = HERE / "corpus"
WORK_DIR = HERE / ".work"
DOWNLOAD_DIR = WORK_DIR / "downloads"
STATE_DIR = WORK_DIR / "state"
MANIFEST = WORK_DIR / "corpus-manifest.json"

DEFAULT_TORCH_WHEEL = Path("/opt/wheels/torch-2.13.0+cpu-cp311-cp311-manylinux_2_28_x86_64.whl")

# The names of the APIs in ac_fixer/catalog.toml, as they appear in source. A file that
# contains none of them cannot hold a finding: this is the "candidate" test that grep and the
# plain Python scan of bench_check.py perform.
CATALOG_NAMES = tuple(sorted(default_catalog().short_names(), key=lambda n: (n.lower(), n)))
CATALOG_REGEX = "|".join(CATALOG_NAMES)  # POSIX ERE and Python re alike
CATALOG_NAMES_BYTES = tuple(n.encode() for n in CATALOG_NAMES)


@dataclass(frozen=True)
class Project:
    name: str  # distribution name as on PyPI
    version: str
    # extra arguments for pip download (a platform wheel is pinned to one platform so that the
    # same files are fetched on every machine)
    pip_args: tuple[str, ...] = ()
    note: str = ""

    @property
    def key(self) -> str:
        return f"{_normalize(self.name)}-{self.version}"


# Pinned versions; each was checked with `pip download --no-deps -d <tmp> NAME==VER`.
PROJECTS: tuple[Project, ...] = (
    Project("transformers", "5.23.0"),
    Project("diffusers", "0.42.1"),
    Project("timm", "1.0.31"),
    Project("kornia", "0.9.0"),
    Project("segmentation-models-pytorch", "0.6.0"),
    Project("accelerate", "1.15.0"),
    Project("peft", "0.21.2"),
    Project("monai", "1.6.1"),
    Project("torchmetrics", "1.9.0"),
    Project("pytorch-lightning", "2.6.6"),
    Project("open-clip-torch", "3.3.0"),
    Project("ultralytics", "8.4.190"),
    Project(
        "torchvision",
        "0.29.1",
        (
            "--only-binary=:all:",
            "--platform", "manylinux_2_28_x86_64",
            "--python-version", "3.11",
            "--implementation", "cp",
            "--abi", "cp311",
        ),
        note="no sdist on PyPI; the .py files of the x86_64 wheel",
    ),
)
TORCH = Project("torch", "2.13.0", note="CPU wheel from disk, .py files only")

# The second corpus (issue 17): PyTorch projects that are NOT in the first one, so that a speed
# tuned on the first corpus can be checked on code it never saw. No torch wheel in it. Built
# into benchmarks/corpus2/ by `python benchmarks/corpus.py --corpus second`. Each version was
# checked with `pip download --no-deps -d <tmp> NAME==VER`; torchgeo 0.8.1 is the newest that
# installs on Python 3.11 (0.9+ require 3.12).
SECOND_PROJECTS: tuple[Project, ...] = (
    Project("mmsegmentation", "1.2.2"),
    Project("mmengine", "0.10.7"),
    Project("mmdet", "3.3.0"),
    Project("mmpretrain", "1.2.0"),
    Project("mmpose", "1.3.2"),
    Project("mmagic", "1.2.0"),
    Project("mmocr", "1.0.1"),
    Project("pytorch-msssim", "1.0.0"),
    Project("segment-anything", "1.0"),
    Project("lightly", "1.6.0"),
    Project("torchgeo", "0.8.1"),
    Project("pytorchvideo", "0.1.5"),
    Project("basicsr", "1.4.2"),
    Project("facexlib", "0.3.0"),
    Project("gfpgan", "1.3.8"),
    Project("realesrgan", "0.3.0"),
    Project("lpips", "0.1.4"),
    Project("torch-geometric", "2.8.1"),
    Project("monai-generative", "0.2.3"),
    Project("effdet", "0.4.1"),
    Project("pretrainedmodels", "0.7.4"),
    Project("efficientnet-pytorch", "0.7.1"),
    Project("vit-pytorch", "1.26.11"),
    Project("denoising-diffusion-pytorch", "2.3.4"),
    Project("x-transformers", "2.31.10"),
    Project("imagen-pytorch", "2.1.0"),
    Project("torchio", "1.2.1"),
    Project("pytorch-wavelets", "1.3.0"),
    Project("sam2", "1.1.0"),
    Project("pyiqa", "0.1.16"),
    Project("piq", "0.8.0"),
    Project("controlnet-aux", "0.0.10"),
    Project("iopaint", "1.6.0"),
    Project("dalle2-pytorch", "1.15.6"),
)
SECOND_CORPUS_DIR = HERE / "corpus2"
CORPORA = ("first", "second")


def use_corpus(which: str) -> None:
    """Point the module at one of the corpora (its projects, directory, state and manifest)."""
    global PROJECTS, CORPUS_DIR, STATE_DIR, MANIFEST, _WITH_TORCH
    if which == "second":
        PROJECTS, CORPUS_DIR = SECOND_PROJECTS, SECOND_CORPUS_DIR
        STATE_DIR, MANIFEST = WORK_DIR / "state-second", WORK_DIR / "corpus2-manifest.json"
        _WITH_TORCH = False
    elif which != "first":
        raise ValueError(f"unknown corpus {which!r} (one of {', '.join(CORPORA)})")


_WITH_TORCH = True  # the first corpus includes torch's own sources

# The subset TorchFix runs on by default (it is slow); bench_check.py uses it.
TORCHFIX_SUBSET = ("timm", "kornia", "segmentation-models-pytorch")


def _normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def project_dir(project: Project) -> Path:
    return CORPUS_DIR / project.key


def subset_dirs(names=TORCHFIX_SUBSET) -> list[Path]:
    by_name = {_normalize(p.name): p for p in (*PROJECTS, TORCH)}
    return [project_dir(by_name[_normalize(n)]) for n in names]


def all_projects(include_torch: bool = True) -> list[Project]:
    return [*PROJECTS, TORCH] if include_torch and _WITH_TORCH else list(PROJECTS)


# ---------------------------------------------------------------------------------------------
# download


def _find_archive(project: Project) -> Path | None:
    """An already downloaded wheel or sdist of this exact version, if any."""
    if not DOWNLOAD_DIR.is_dir():
        return None
    wanted = _normalize(project.name)
    for path in sorted(DOWNLOAD_DIR.iterdir()):
        m = re.match(r"^(?P<name>.+?)-(?P<ver>[^-]+?)(-|\.tar\.gz$|\.zip$)", path.name)
        if not m:
            continue
        if _normalize(m.group("name")) == wanted and m.group("ver") == project.version:
            if path.name.endswith((".whl", ".tar.gz", ".zip", ".tgz")):
                return path
    return None


def download(project: Project, timeout: float) -> Path:
    found = _find_archive(project)
    if found is not None:
        return found
    DOWNLOAD_DIR.mkdir(parents=True, exist_ok=True)
    cmd = [
        sys.executable, "-m", "pip", "download", "--no-deps", "--disable-pip-version-check",
        "-q", "-d", str(DOWNLOAD_DIR), *project.pip_args, f"{project.name}=={project.version}",
    ]
    print(f"  $ {' '.join(cmd)}", flush=True)
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        raise SystemExit(f"error: pip download of {project.name}=={project.version} "
                         f"took more than {timeout:.0f} s")
    if proc.returncode != 0:
        errors = "\n".join(ln for ln in proc.stderr.splitlines() if "is ignored" not in ln)
        raise SystemExit(f"error: pip download of {project.name}=={project.version} failed "
                         f"(exit {proc.returncode}):\n{errors}")
    found = _find_archive(project)
    if found is None:
        raise SystemExit(f"error: pip download of {project.name}=={project.version} succeeded "
                         f"but no archive of that version is in {DOWNLOAD_DIR}")
    return found


# ---------------------------------------------------------------------------------------------
# unpack


def _safe_relpath(name: str, strip_top: bool) -> Path | None:
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    if strip_top:
        parts = parts[1:]
    if not parts or any(p == ".." for p in parts) or not parts[-1].endswith(".py"):
        return None
    return Path(*parts)


def unpack_py(archive: Path, dest: Path) -> tuple[int, int]:
    """Extract only the *.py members of a wheel/zip or a tar sdist. Returns (files, bytes)."""
    files = size = 0
    if archive.name.endswith((".whl", ".zip")):
        strip = archive.name.endswith(".zip")  # an sdist zip has a top-level directory
        with zipfile.ZipFile(archive) as zf:
            for info in zf.infolist():
                if info.is_dir():
                    continue
                rel = _safe_relpath(info.filename, strip)
                if rel is None:
                    continue
                target = dest / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                with zf.open(info) as src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
                files += 1
                size += info.file_size
    elif archive.name.endswith((".tar.gz", ".tgz", ".tar.bz2", ".tar")):
        with tarfile.open(archive) as tf:
            for member in tf:
                if not member.isfile():
                    continue
                rel = _safe_relpath(member.name, strip_top=True)
                if rel is None:
                    continue
                src = tf.extractfile(member)
                if src is None:
                    continue
                target = dest / rel
                target.parent.mkdir(parents=True, exist_ok=True)
                with src, open(target, "wb") as out:
                    shutil.copyfileobj(src, out)
                files += 1
                size += member.size
    else:
        raise SystemExit(f"error: do not know how to unpack {archive}")
    return files, size


def _count(directory: Path) -> tuple[int, int]:
    files = size = 0
    for root, _dirs, names in os.walk(directory):
        for n in names:
            if n.endswith(".py"):
                files += 1
                size += os.path.getsize(os.path.join(root, n))
    return files, size


def _state_file(project: Project) -> Path:
    return STATE_DIR / f"{project.key}.json"


def is_complete(project: Project) -> bool:
    state = _state_file(project)
    directory = project_dir(project)
    if not state.is_file() or not directory.is_dir():
        return False
    try:
        recorded = json.loads(state.read_text())
    except (OSError, ValueError):
        return False
    return (recorded.get("files"), recorded.get("bytes")) == _count(directory)


def build_project(project: Project, archive: Path) -> dict:
    directory = project_dir(project)
    CORPUS_DIR.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".tmp-{project.key}-", dir=CORPUS_DIR))
    try:
        files, size = unpack_py(archive, tmp)
        if directory.exists():
            shutil.rmtree(directory)
        tmp.rename(directory)
    finally:
        if tmp.exists():
            shutil.rmtree(tmp, ignore_errors=True)
    record = {"name": project.name, "version": project.version, "archive": archive.name,
              "files": files, "bytes": size, "note": project.note}
    STATE_DIR.mkdir(parents=True, exist_ok=True)
    _state_file(project).write_text(json.dumps(record, indent=1))
    return record


# ---------------------------------------------------------------------------------------------
# statistics


def is_candidate(data: bytes) -> bool:
    return any(n in data for n in CATALOG_NAMES_BYTES)


def corpus_stats(directory: Path) -> dict:
    files = size = candidates = 0
    for root, _dirs, names in os.walk(directory):
        for n in names:
            if not n.endswith(".py"):
                continue
            data = Path(root, n).read_bytes()
            files += 1
            size += len(data)
            candidates += is_candidate(data)
    return {"files": files, "bytes": size, "candidates": candidates}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", choices=CORPORA, default="first",
                    help="which pinned corpus: first -> benchmarks/corpus/, second -> "
                         "benchmarks/corpus2/ (other projects, no torch) (default: %(default)s)")
    ap.add_argument("--torch-wheel", type=Path, default=DEFAULT_TORCH_WHEEL,
                    help="the torch wheel whose .py files go in the corpus (default: %(default)s)")
    ap.add_argument("--no-torch", action="store_true", help="leave torch out of the corpus")
    ap.add_argument("--rebuild", action="store_true", help="delete the corpus and build it anew")
    ap.add_argument("--list", action="store_true", help="print the pinned projects and exit")
    ap.add_argument("--timeout", type=float, default=600.0,
                    help="seconds allowed for one pip download (default: %(default)s)")
    args = ap.parse_args(argv)
    use_corpus(args.corpus)

    projects = all_projects(include_torch=not args.no_torch)
    if args.list:
        for p in projects:
            print(f"{p.name}=={p.version}" + (f"  ({p.note})" if p.note else ""))
        return 0

    if args.rebuild:
        shutil.rmtree(CORPUS_DIR, ignore_errors=True)
        shutil.rmtree(STATE_DIR, ignore_errors=True)

    # leftovers of an interrupted run
    if CORPUS_DIR.is_dir():
        for leftover in CORPUS_DIR.glob(".tmp-*"):
            shutil.rmtree(leftover, ignore_errors=True)

    start = time.monotonic()
    rows = []
    for p in projects:
        if is_complete(p):
            print(f"{p.key}: already there, skipped", flush=True)
        else:
            print(f"{p.key}: building", flush=True)
            if p is TORCH:
                if not args.torch_wheel.is_file():
                    raise SystemExit(
                        f"error: torch wheel not found at {args.torch_wheel}; pass --torch-wheel "
                        "PATH (any torch 2.13.0 wheel: only its .py files are used) or --no-torch")
                archive = args.torch_wheel
            else:
                archive = download(p, args.timeout)
            rec = build_project(p, archive)
            print(f"  {rec['files']} .py files, {rec['bytes'] / 1e6:.1f} MB from {archive.name}",
                  flush=True)
        stats = corpus_stats(project_dir(p))
        rows.append((p, stats))

    # projects in the corpus directory that are not (or no longer) pinned
    known = {project_dir(p).name for p in all_projects(True)}
    strays = sorted(d.name for d in CORPUS_DIR.iterdir() if d.is_dir() and d.name not in known)
    if strays:
        print(f"warning: directories in {CORPUS_DIR} not in the pinned list (they are part of "
              f"what is benchmarked; --rebuild removes them): {', '.join(strays)}")

    total = {"files": 0, "bytes": 0, "candidates": 0}
    print()
    print("| project | version | .py files | MB | candidate files |")
    print("|---|---|---:|---:|---:|")
    for p, s in rows:
        print(f"| {p.name} | {p.version} | {s['files']} | {s['bytes'] / 1e6:.1f} | "
              f"{s['candidates']} |")
        for k in total:
            total[k] += s[k]
    print(f"| **total** | | {total['files']} | {total['bytes'] / 1e6:.1f} | "
          f"{total['candidates']} |")
    print(f"\ncandidate = contains one of: {', '.join(CATALOG_NAMES)}")
    print(f"corpus: {CORPUS_DIR}  ({time.monotonic() - start:.1f} s)")

    WORK_DIR.mkdir(parents=True, exist_ok=True)
    MANIFEST.write_text(json.dumps({
        "projects": [{"name": p.name, "version": p.version, **s} for p, s in rows],
        "total": total,
        "catalog_names": list(CATALOG_NAMES),
    }, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
