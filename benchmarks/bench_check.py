#!/usr/bin/env python3
"""Benchmark `ac-fixer check` against grep, a plain Python scan, ruff and TorchFix (issue 6).

Everything runs in ONE invocation on the same corpus (built by benchmarks/corpus.py) and ends
with a markdown table of medians, ratios and the targets of issue 6:

    python benchmarks/corpus.py                       # once: builds benchmarks/corpus/
    python benchmarks/bench_check.py                  # 3 repetitions, TorchFix on a subset
    python benchmarks/bench_check.py --repeat 5 --ac-fixer /tmp/dev/bin/ac-fixer
    python benchmarks/bench_check.py --skip-torchfix  # minutes instead of ~10
    python benchmarks/bench_check.py --torchfix-full  # TorchFix on the whole corpus (slow)

Standard library only. ruff and TorchFix are installed on first use into their own virtual
environments under benchmarks/.work/ (requirements-tools.txt, requirements-torchfix.txt):
TorchFix pins a libcst that conflicts with ac-fixer's.
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import corpus as corpus_mod  # noqa: E402

WORK = HERE / ".work"
VENV_TOOLS = WORK / "venv-tools"
VENV_TORCHFIX = WORK / "venv-torchfix"
CACHE_ROOT = WORK / "cache"
OUT_ROOT = WORK / "out"
# --fix runs on a copy at <fix root>/<corpus name>, from cwd <fix root>: the same relative paths
# as the other runs and no hidden directory in them
FIX_ROOT = WORK / "fix"
PAGE = os.sysconf("SC_PAGE_SIZE")


class BenchError(SystemExit):
    def __init__(self, msg: str):
        super().__init__(f"bench_check: error: {msg}")


# ---------------------------------------------------------------------------------------------
# running one command: wall time, exit code, rusage, optional memory sampling


@dataclass
class Mem:
    max_single_rss: int = 0  # bytes: wait4 ru_maxrss, the largest single process of the tree
    peak_sum_rss: int = 0  # bytes: sampled peak of the RSS summed over the live process tree
    peak_sum_pss: int = 0  # bytes: same with PSS (shared pages split between sharers)
    sum_of_hwm: int = 0  # bytes: sum over processes of their own peak (VmHWM), an upper bound
    processes: int = 0  # distinct processes seen in the tree


@dataclass
class Result:
    cmd: list
    rc: int
    wall: float
    stdout: Path | None
    stderr: str
    mem: Mem | None = None


def _proc_stat(pid: str):
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            data = f.read()
    except OSError:
        return None
    rest = data[data.rfind(b")") + 2:].split()
    return int(rest[1]), int(rest[3])  # ppid, session


def _tree(root: int) -> list[int]:
    """Processes of the session the command leads (it runs with start_new_session)."""
    pids = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = _proc_stat(entry)
            if st and st[1] == root:
                pids.append(int(entry))
    return pids


def _read_kb(path: str, keys: tuple[str, ...]) -> dict[str, int]:
    out = {}
    try:
        with open(path) as f:
            for line in f:
                k, _, v = line.partition(":")
                if k in keys:
                    out[k] = int(v.split()[0]) * 1024
    except (OSError, ValueError):
        pass
    return out


class MemSampler(threading.Thread):
    def __init__(self, root: int, interval: float = 0.02):
        super().__init__(daemon=True)
        self.root, self.interval = root, interval
        self.stop = threading.Event()
        self.mem = Mem()
        self.hwm: dict[int, int] = {}

    def run(self):
        while not self.stop.is_set():
            rss = pss = 0
            for pid in _tree(self.root):
                status = _read_kb(f"/proc/{pid}/status", ("VmRSS", "VmHWM"))
                if not status:
                    continue
                rss += status.get("VmRSS", 0)
                self.hwm[pid] = max(self.hwm.get(pid, 0), status.get("VmHWM", 0))
                pss += _read_kb(f"/proc/{pid}/smaps_rollup", ("Pss",)).get("Pss", 0)
            self.mem.peak_sum_rss = max(self.mem.peak_sum_rss, rss)
            self.mem.peak_sum_pss = max(self.mem.peak_sum_pss, pss)
            self.stop.wait(self.interval)
        self.mem.sum_of_hwm = sum(self.hwm.values())
        self.mem.processes = len(self.hwm)


def run(cmd, *, cwd: Path, timeout: float, ok=(0,), env=None, stdout: Path | None = None,
        sample_mem: bool = False, what: str = "") -> Result:
    out = open(stdout, "wb") if stdout else open(os.devnull, "wb")
    err = tempfile.TemporaryFile()
    try:
        t0 = time.perf_counter()
        try:
            proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                    stderr=err, start_new_session=True)
        except OSError as e:
            raise BenchError(f"{what or cmd[0]}: cannot start {shlex.join(map(str, cmd))}: {e}")
        sampler = None
        if sample_mem:
            sampler = MemSampler(proc.pid)
            sampler.start()
        timed_out = []

        def _kill():
            timed_out.append(True)
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, _kill)
        timer.start()
        try:
            _, status, ru = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        proc.returncode = rc = os.waitstatus_to_exitcode(status)
        if sampler:
            sampler.stop.set()
            sampler.join()
        # a worker left behind by the command must not disturb the next measurement
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        err.seek(0)
        stderr = err.read().decode("utf-8", "replace")
    finally:
        out.close()
        err.close()
    if timed_out:
        raise BenchError(f"{what or cmd[0]}: timed out after {timeout:.0f} s: "
                         f"{shlex.join(map(str, cmd))}")
    if rc not in ok:
        tail = "\n".join(stderr.splitlines()[-15:])
        raise BenchError(f"{what or cmd[0]}: exit {rc} (expected {ok}): "
                         f"{shlex.join(map(str, cmd))}\n{tail}")
    mem = None
    if sampler:
        mem = sampler.mem
        mem.max_single_rss = ru.ru_maxrss * 1024  # Linux reports KiB
        mem.peak_sum_rss = max(mem.peak_sum_rss, mem.max_single_rss)  # sampling may miss it
    return Result(list(map(str, cmd)), rc, wall, stdout, stderr, mem)


# ---------------------------------------------------------------------------------------------
# benchmarks


@dataclass
class Bench:
    key: str
    label: str
    cmd: list
    times: list = field(default_factory=list)
    note: str = ""
    cwd: Path | None = None
    load: float = 0.0  # 1-minute load average when the series started

    @property
    def median(self) -> float:
        return statistics.median(self.times)


def timed(key, label, cmd, *, reps, warmup, cwd, timeout, ok=(0,), env=None, out_name=None,
          before_each=None, note="", quiet=False, check_json=False,
          empty_is_error: str = "") -> tuple[Bench, list[Result]]:
    bench = Bench(key, label, [str(c) for c in cmd], note=note, cwd=cwd,
                  load=os.getloadavg()[0])
    results = []
    for i in range(warmup + reps):
        if before_each:
            before_each()
        stdout = OUT_ROOT / f"{out_name}-{i}.out" if out_name else None
        res = run(cmd, cwd=cwd, timeout=timeout, ok=ok, env=env, stdout=stdout, what=label)
        if check_json:
            found = expect_json_array(res, label)
            if not found and empty_is_error:
                raise BenchError(f"{label}: no findings: {shlex.join(res.cmd)}\n{empty_is_error}")
        if i >= warmup:
            bench.times.append(res.wall)
            results.append(res)
    if not quiet:
        print(f"  {label}: median {bench.median:.3f} s  "
              f"({', '.join(f'{t:.3f}' for t in bench.times)})", flush=True)
    return bench, results


def expect_json_array(res: Result, label: str) -> list:
    """The command's stdout must be one JSON array (the findings); stop with its stderr if not."""
    found = load_findings(res.stdout)
    if not isinstance(found, list):
        tail = "\n".join(res.stderr.splitlines()[-25:])
        raise BenchError(f"{label}: exit {res.rc} and stdout is not a JSON array ({found}): "
                         f"{shlex.join(res.cmd)}\n--- stderr (tail) ---\n{tail}")
    return found


def python_scan(root: str) -> int:
    """Read every .py file and test it for the catalog names (run as a subprocess)."""
    names = corpus_mod.CATALOG_NAMES_BYTES
    hits = 0
    for dirpath, _dirs, files in os.walk(root):
        for n in files:
            if n.endswith(".py"):
                with open(os.path.join(dirpath, n), "rb") as f:
                    data = f.read()
                if any(x in data for x in names):
                    hits += 1
    return hits


# ---------------------------------------------------------------------------------------------
# tools


def ensure_venv(venv: Path, requirements: Path, exe: str, timeout: float) -> Path:
    binary = venv / "bin" / exe
    if binary.exists():
        return binary
    print(f"  installing {requirements.name} into {venv.relative_to(HERE)} ...", flush=True)
    if not (venv / "bin" / "python").exists():
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=timeout)
    proc = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         "-r", str(requirements)], capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0 or not binary.exists():
        errors = "\n".join(ln for ln in proc.stderr.splitlines() if "is ignored" not in ln)
        raise BenchError(f"installing {requirements.name} failed (exit {proc.returncode}):\n"
                         f"{errors}")
    return binary


def resolve_ac_fixer(given: str | None) -> str:
    candidates = [given] if given else [shutil.which("ac-fixer"), "/tmp/dev/bin/ac-fixer"]
    for c in candidates:
        if c and (os.path.isfile(c) or shutil.which(c)):
            path = c if os.path.isfile(c) else shutil.which(c)
            break
    else:
        raise BenchError("ac-fixer not found: pass --ac-fixer PATH (default: `ac-fixer` on PATH, "
                         "then /tmp/dev/bin/ac-fixer)")
    try:
        proc = subprocess.run([path, "check", "--help"], capture_output=True, text=True,
                              timeout=60)
    except (OSError, subprocess.TimeoutExpired) as e:
        raise BenchError(f"`{path} check --help` failed: {e}")
    if proc.returncode != 0:
        raise BenchError(f"`{path} check --help` exited {proc.returncode}:\n"
                         + "\n".join((proc.stderr or proc.stdout).splitlines()[-10:]))
    missing = [f for f in ("--no-cache", "--jobs", "--fix", "--output-format")
               if f not in proc.stdout]
    if missing:
        raise BenchError(f"`{path} check` lacks {', '.join(missing)}")
    return os.path.abspath(path)


def version_of(cmd) -> str:
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=60)
        return (proc.stdout or proc.stderr).strip().splitlines()[0] if proc.returncode == 0 \
            else "?"
    except (OSError, subprocess.TimeoutExpired, IndexError):
        return "?"


def machine_info() -> list[str]:
    model = "?"
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = _read_kb("/proc/meminfo", ("MemTotal",)).get("MemTotal", 0)
    try:
        affinity = len(os.sched_getaffinity(0))
    except AttributeError:
        affinity = os.cpu_count()
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg())
    return [
        f"nproc: {affinity} (os.cpu_count: {os.cpu_count()})",
        f"CPU: {model}",
        f"memory: {mem / 2**30:.1f} GiB",
        f"kernel: {platform.system()} {platform.release()} {platform.machine()}",
        f"python (harness): {platform.python_version()} ({sys.executable})",
        f"load average at start: {load}",
        f"locale: LANG={os.environ.get('LANG', '')} LC_ALL={os.environ.get('LC_ALL', '')}",
    ]


def git_rev() -> str:
    try:
        rev = subprocess.run(["git", "-C", str(HERE.parent), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", str(HERE.parent), "status", "--porcelain",
                                "--untracked-files=no"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
        return rev + (" (+ uncommitted changes)" if dirty else "")
    except (OSError, subprocess.TimeoutExpired):
        return "?"


# ---------------------------------------------------------------------------------------------
# findings identity


def load_findings(path: Path):
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError) as e:
        return e


def compare(a: Path, b: Path) -> str:
    ta, tb = a.read_bytes(), b.read_bytes()
    if ta == tb:
        fa = load_findings(a)
        n = len(fa) if isinstance(fa, list) else "?"
        return f"OK ({n} findings, byte-identical)"
    fa, fb = load_findings(a), load_findings(b)
    if not isinstance(fa, list) or not isinstance(fb, list):
        return f"DIFF (not a JSON array: {fa if not isinstance(fa, list) else fb})"
    key = lambda f: json.dumps(f, sort_keys=True)  # noqa: E731
    sa, sb = sorted(map(key, fa)), sorted(map(key, fb))
    if sa == sb:
        return f"DIFF (same {len(fa)} findings, different order)"
    only_a = set(sa) - set(sb)
    only_b = set(sb) - set(sa)
    sample = next(iter(only_a or only_b))
    return (f"DIFF ({len(fa)} vs {len(fb)} findings; {len(only_a)} only in the first, "
            f"{len(only_b)} only in the second; e.g. {sample[:200]})")


# ---------------------------------------------------------------------------------------------
# reporting


def fmt_s(x: float) -> str:
    return f"{x:.3f} s" if x < 10 else f"{x:.2f} s"


def fmt_mb(x: int) -> str:
    return f"{x / 1e6:.0f} MB"


def verdict(ok: bool | None) -> str:
    return "—" if ok is None else ("met" if ok else "**NOT met**")


def pick_median_size(paths: list[Path]) -> Path | None:
    if not paths:
        return None
    ordered = sorted(paths, key=lambda p: (p.stat().st_size, str(p)))
    return ordered[len(ordered) // 2]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeat", "-n", type=int, default=3,
                    help="measured repetitions of each command; the median is reported "
                         "(default: %(default)s)")
    ap.add_argument("--warmup", type=int, default=1,
                    help="unmeasured runs before each measured series (default: %(default)s; "
                         "not for TorchFix and --fix)")
    ap.add_argument("--latency-repeat", type=int, default=7,
                    help="runs of each single-file latency measurement (default: %(default)s)")
    ap.add_argument("--ac-fixer", metavar="PATH",
                    help="the ac-fixer executable (default: `ac-fixer` on PATH, else "
                         "/tmp/dev/bin/ac-fixer)")
    ap.add_argument("--corpus", type=Path, default=corpus_mod.CORPUS_DIR,
                    help="corpus directory (default: %(default)s)")
    ap.add_argument("--copy-to", type=Path, metavar="DIR",
                    help="copy the corpus to DIR/<name> first and run every tool on the copy "
                         "(e.g. a directory outside the git repository, whose .gitignore lists "
                         "benchmarks/corpus/)")
    ap.add_argument("--skip-torchfix", action="store_true", help="do not run TorchFix")
    ap.add_argument("--torchfix-full", action="store_true",
                    help="run TorchFix (and ac-fixer for the ratio) on the whole corpus instead "
                         "of the timm + kornia + segmentation-models-pytorch subset; slow")
    ap.add_argument("--torchfix-repeat", type=int, default=1,
                    help="repetitions of the TorchFix run (default: %(default)s; one run takes "
                         "minutes)")
    ap.add_argument("--skip-ac-fixer", action="store_true",
                    help="only the reference tools (grep, Python scan, ruff, TorchFix)")
    ap.add_argument("--skip-memory", action="store_true", help="no peak-memory runs")
    ap.add_argument("--timeout", type=float, default=900.0,
                    help="seconds allowed for one command (default: %(default)s)")
    ap.add_argument("--torchfix-timeout", type=float, default=3600.0,
                    help="seconds allowed for one TorchFix run (default: %(default)s)")
    ap.add_argument("--json-out", type=Path, default=WORK / "bench-results.json",
                    help="also write the raw numbers here (default: %(default)s)")
    ap.add_argument("--_scan", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)

    if args._scan:
        print(python_scan(args._scan))
        return 0
    if args.repeat < 1 or args.latency_repeat < 1 or args.torchfix_repeat < 1:
        raise BenchError("repetition counts must be >= 1")

    corpus = args.corpus.resolve()
    if not corpus.is_dir() or not any(corpus.iterdir()):
        raise BenchError(f"no corpus at {corpus}: run `python benchmarks/corpus.py` first")
    # commands see the corpus by a relative path, so the JSON paths do not depend on where the
    # repository lies; they run from the corpus' parent directory
    fix_root = FIX_ROOT
    if args.copy_to:
        # run on a copy elsewhere (made before any clock starts), e.g. outside the repository
        # so that its .gitignore (which lists benchmarks/corpus/) plays no part
        dest_root = args.copy_to.resolve()
        dest = dest_root / corpus.name
        if dest_root == corpus.parent or dest_root in corpus.parents:
            raise BenchError("--copy-to must not contain the corpus")
        print(f"copying {corpus} to {dest} ...", flush=True)
        shutil.rmtree(dest, ignore_errors=True)
        dest_root.mkdir(parents=True, exist_ok=True)
        shutil.copytree(corpus, dest)
        corpus = dest
        fix_root = dest_root / "fix"
    cwd = corpus.parent
    rel = corpus.name
    try:
        ignored = subprocess.run(["git", "-C", str(cwd), "check-ignore", "-q", rel],
                                 capture_output=True, timeout=30).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        ignored = False
    if args.torchfix_full:
        subset = [rel]
    else:
        subset = [f"{rel}/{d.name}" for d in corpus_mod.subset_dirs()]
        missing = [s for s in subset if not (cwd / s).is_dir()]
        if missing and not args.skip_torchfix:
            raise BenchError(f"the TorchFix subset is not in {corpus} (missing: "
                             f"{', '.join(missing)}); use --torchfix-full or --skip-torchfix")

    for d in (WORK, OUT_ROOT, CACHE_ROOT):
        d.mkdir(parents=True, exist_ok=True)
    for old in OUT_ROOT.glob("*"):
        old.unlink()

    reps, warm, T = args.repeat, args.warmup, args.timeout
    stats = corpus_mod.corpus_stats(corpus)
    print("# ac-fixer check benchmark\n")
    print("command: " + shlex.join([sys.executable, *sys.argv]))
    print(f"cwd of every measured command: {cwd}")
    for line in machine_info():
        print(line)
    print(f"repository: {HERE.parent} @ {git_rev()}")
    if ignored:
        print(f"note: {corpus} is git-ignored in its repository; a tool that applies .gitignore "
              "to a directory named on its command line would check nothing there (--copy-to "
              "DIR outside the repository avoids that)")
    print(f"corpus: {rel}/ — {stats['files']} .py files, {stats['bytes'] / 1e6:.1f} MB, "
          f"{stats['candidates']} candidate files (contain a catalog name)")

    # ---------------- tools
    ruff = ensure_venv(VENV_TOOLS, HERE / "requirements-tools.txt", "ruff", T)
    ac = None if args.skip_ac_fixer else resolve_ac_fixer(args.ac_fixer)
    torchfix = None if args.skip_torchfix else ensure_venv(
        VENV_TORCHFIX, HERE / "requirements-torchfix.txt", "torchfix", T)
    print(f"grep: {version_of(['grep', '--version'])}")
    print(f"ruff: {version_of([str(ruff), '--version'])} ({ruff})")
    if torchfix:
        print(f"torchfix: {version_of([str(torchfix), '--version'])} ({torchfix})")
    if ac:
        print(f"ac-fixer: {version_of([ac, '--version'])} ({ac})")
    print(f"repetitions: {reps} measured (+{warm} warm-up) per command; "
          f"single-file latency: {args.latency_repeat}; TorchFix: {args.torchfix_repeat}")
    print(flush=True)

    benches: dict[str, Bench] = {}
    notes: list[str] = []
    print("## measuring", flush=True)

    # ---------------- reference tools
    b, res = timed("grep", "grep -rlE (catalog names)",
                   ["grep", "-rlE", corpus_mod.CATALOG_REGEX, rel], reps=reps, warmup=warm,
                   cwd=cwd, timeout=T, out_name="grep")
    benches["grep"] = b
    grep_hits = len(res[0].stdout.read_text().splitlines())
    b, res = timed("scan", "Python read + substring test",
                   [sys.executable, str(Path(__file__).resolve()), "--_scan", rel], reps=reps,
                   warmup=warm, cwd=cwd, timeout=T, out_name="scan")
    benches["scan"] = b
    scan_hits = int(res[0].stdout.read_text().strip())
    if grep_hits != scan_hits or scan_hits != stats["candidates"]:
        notes.append(f"candidate counts disagree: grep {grep_hits}, Python scan {scan_hits}, "
                     f"corpus.py {stats['candidates']}")
    benches["ruff"], _ = timed(
        "ruff", "ruff check --select E9,F63",
        [str(ruff), "check", "--no-cache", "--select", "E9,F63", rel],
        reps=reps, warmup=warm, cwd=cwd, timeout=T, ok=(0, 1))

    # ---------------- ac-fixer
    mem: dict[str, Mem] = {}
    identity: list[tuple[str, str]] = []
    findings_summary = ""
    if ac:
        def env_with(cache: str) -> dict:
            d = CACHE_ROOT / cache
            env = dict(os.environ, AC_FIXER_CACHE_DIR=str(d))
            return env

        def reset_cache(cache: str):
            shutil.rmtree(CACHE_ROOT / cache, ignore_errors=True)
            (CACHE_ROOT / cache).mkdir(parents=True)

        ok = (0, 1, 2)  # 1: findings (normal); 2: a file could not be parsed (reported below)
        json_args = ["--output-format", "json"]
        empty = ""
        if stats["candidates"] >= 100:  # a small corpus may really have no finding
            empty = (f"ac-fixer reported nothing on a corpus with {stats['candidates']} candidate "
                     "files. If the corpus lies in a git work tree whose .gitignore lists it (the "
                     "repository's .gitignore lists benchmarks/corpus/ and benchmarks/.work/), "
                     "ac-fixer may be skipping it as ignored: run with --copy-to DIR, DIR "
                     "outside the repository.")
        jargs = dict(check_json=True, empty_is_error=empty)
        reset_cache("cold")
        b, res_cold = timed("cold", "ac-fixer cold (--no-cache)",
                            [ac, "check", "--no-cache", *json_args, rel], reps=reps,
                            warmup=warm, cwd=cwd, timeout=T, ok=ok, env=env_with("cold"),
                            out_name="cold", **jargs)
        benches["cold"] = b
        if any((CACHE_ROOT / "cold").iterdir()):
            notes.append("--no-cache runs wrote into AC_FIXER_CACHE_DIR")
        if res_cold[0].rc == 2:
            errs = [ln for ln in res_cold[0].stderr.splitlines() if ln.strip()]
            notes.append(f"ac-fixer exited 2 on the corpus (files it could not read or parse; "
                         f"{len(errs)} stderr lines), e.g.: " + " | ".join(errs[:3]))
        reset_cache("cold-j1")
        benches["cold_j1"], res_j1 = timed(
            "cold_j1", "ac-fixer cold --jobs 1",
            [ac, "check", "--no-cache", "--jobs", "1", *json_args, rel], reps=reps,
            warmup=warm, cwd=cwd, timeout=T, ok=ok, env=env_with("cold-j1"), out_name="cold-j1",
            **jargs)

        reset_cache("warm")
        populate = run([ac, "check", *json_args, rel], cwd=cwd, timeout=T, ok=ok,
                       env=env_with("warm"), stdout=OUT_ROOT / "warm-populate.out",
                       what="ac-fixer warm (populating run)")
        expect_json_array(populate, "ac-fixer warm (populating run)")
        print(f"  ac-fixer cache-populating run: {populate.wall:.3f} s", flush=True)
        if not any((CACHE_ROOT / "warm").iterdir()):
            notes.append(f"the cache directory {CACHE_ROOT / 'warm'} is empty after a run with "
                         "AC_FIXER_CACHE_DIR set: the warm numbers may not use a cache")
        benches["warm"], res_warm = timed(
            "warm", "ac-fixer warm (cache populated)", [ac, "check", *json_args, rel],
            reps=reps, warmup=0, cwd=cwd, timeout=T, ok=ok, env=env_with("warm"),
            out_name="warm", **jargs)

        # findings identity
        identity.append(("cache vs --no-cache (warm run vs cold run)",
                         compare(res_cold[0].stdout, res_warm[0].stdout)))
        identity.append(("cache-populating run vs --no-cache",
                         compare(res_cold[0].stdout, OUT_ROOT / "warm-populate.out")))
        identity.append(("--jobs 1 vs default jobs", compare(res_j1[0].stdout,
                                                            res_cold[0].stdout)))
        identity.append(("repeated cold runs", "OK" if len({r.stdout.read_bytes()
                                                           for r in res_cold}) == 1
                         else "DIFF (cold runs differ from each other)"))
        found = load_findings(res_cold[0].stdout)
        finding_files: list[Path] = []
        if isinstance(found, list):
            codes: dict[str, int] = {}
            for f in found:
                codes[f.get("code", "?")] = codes.get(f.get("code", "?"), 0) + 1
            finding_files = sorted({cwd / f["path"] for f in found if "path" in f})
            findings_summary = (f"{len(found)} findings in {len(finding_files)} files: "
                                + ", ".join(f"{k} {v}" for k, v in sorted(codes.items())))
        else:
            notes.append(f"the cold JSON output is not a JSON array: {found}")

        # --fix on a fresh copy (the copy is made outside the timed region)
        fix_copy = fix_root / rel

        def fresh_copy():
            shutil.rmtree(fix_root, ignore_errors=True)
            fix_root.mkdir(parents=True)
            shutil.copytree(corpus, fix_copy)

        reset_cache("fix")
        benches["fix"], res_fix = timed(
            "fix", "ac-fixer --fix (fresh copy, --no-cache)",
            [ac, "check", "--no-cache", "--fix", *json_args, rel], reps=reps, warmup=0,
            cwd=fix_root, timeout=T, ok=ok, env=env_with("fix"), out_name="fix",
            before_each=fresh_copy, check_json=True)
        changed = sum(1 for p in fix_copy.rglob("*.py")
                      if p.read_bytes() != (corpus / p.relative_to(fix_copy)).read_bytes())
        benches["fix"].note = f"{changed} files rewritten"

        # single-file latency
        candidates = set()
        for dirpath, _d, names in os.walk(corpus):
            for n in names:
                if n.endswith(".py"):
                    p = Path(dirpath, n)
                    if corpus_mod.is_candidate(p.read_bytes()):
                        candidates.add(p)
        clean = pick_median_size([p for p in corpus.rglob("*.py") if p not in candidates])
        with_finding = pick_median_size(finding_files)
        for key, label, path in (("clean", "one clean file", clean),
                                 ("finding", "one file with a finding", with_finding)):
            if path is None:
                notes.append(f"no file for '{label}'")
                continue
            relp = str(path.relative_to(cwd))
            reset_cache(key)
            b, _ = timed(key, f"{label}", [ac, "check", "--no-cache", relp],
                         reps=args.latency_repeat, warmup=warm, cwd=cwd, timeout=T, ok=ok,
                         env=env_with(key))
            b.note = f"{relp} ({path.stat().st_size / 1000:.1f} kB)"
            benches[key] = b

        # peak memory (separate, unmeasured-time runs: the sampler costs CPU)
        if not args.skip_memory:
            mem_runs = [
                ("cold", "cold (default jobs)", [ac, "check", "--no-cache", *json_args, rel],
                 None),
                ("cold_j1", "cold --jobs 1",
                 [ac, "check", "--no-cache", "--jobs", "1", *json_args, rel], None),
                ("warm", "warm", [ac, "check", *json_args, rel], None),
                ("fix", "--fix", [ac, "check", "--no-cache", "--fix", *json_args, rel],
                 fresh_copy),
            ]
            if with_finding is not None:
                mem_runs.append(("finding", "one file with a finding",
                                 [ac, "check", "--no-cache", str(with_finding.relative_to(cwd))],
                                 None))
            for key, label, cmd, before in mem_runs:
                if before:
                    before()
                r = run(cmd, cwd=fix_root if key == "fix" else cwd, timeout=T, ok=ok,
                        env=env_with("warm" if key == "warm" else "mem"), sample_mem=True,
                        what=f"memory: {label}")
                mem[label] = r.mem
                print(f"  peak memory, {label}: max single process {fmt_mb(r.mem.max_single_rss)}"
                      f", sum over {r.mem.processes} processes: RSS {fmt_mb(r.mem.peak_sum_rss)}, "
                      f"PSS {fmt_mb(r.mem.peak_sum_pss)}", flush=True)
        shutil.rmtree(fix_root, ignore_errors=True)
        for d in (cwd, corpus):
            if (d / ".ac-fixer-cache").exists():
                notes.append(f"a .ac-fixer-cache directory appeared in {d} (AC_FIXER_CACHE_DIR "
                             "was set for every run)")

    # ---------------- TorchFix on the same files
    if torchfix:
        what = "whole corpus" if args.torchfix_full else "timm + kornia + smp"
        nfiles = sum(corpus_mod.corpus_stats(cwd / s)["files"] for s in subset)
        benches["torchfix"], _ = timed(
            "torchfix", f"TorchFix --select ALL ({what}, {nfiles} files)",
            [str(torchfix), "--select", "ALL", *subset], reps=args.torchfix_repeat, warmup=0,
            cwd=cwd, timeout=args.torchfix_timeout, ok=(0, 1), out_name="torchfix")
        if ac:
            if args.torchfix_full:
                benches["ac_subset"] = benches["cold"]
            else:
                reset_cache("subset")
                benches["ac_subset"], _ = timed(
                    "ac_subset", f"ac-fixer cold ({what}, {nfiles} files)",
                    [ac, "check", "--no-cache", "--output-format", "json", *subset], reps=reps,
                    warmup=warm, cwd=cwd, timeout=T, ok=(0, 1, 2), env=env_with("subset"),
                    out_name="subset", check_json=True)

    # ---------------- the table
    print()
    print("## results\n")
    print("| measurement | runs | median | ratio | target | verdict | load |")
    print("|---|---:|---:|---|---|---|---:|")

    def row(key, ratio="", target="", ok=None, extra=""):
        b = benches.get(key)
        if b is None:
            return
        label = b.label + (f" — {b.note}" if b.note else "") + extra
        print(f"| {label} | {len(b.times)} | {fmt_s(b.median)} | {ratio} | {target} | "
              f"{verdict(ok)} | {b.load:.1f} |")

    g = benches["grep"].median
    row("grep", "1.00× grep")
    row("scan", f"{benches['scan'].median / g:.2f}× grep")
    row("ruff", f"{benches['ruff'].median / g:.2f}× grep")
    results = {}
    if "cold" in benches:
        c = benches["cold"].median
        r = c / benches["ruff"].median
        results["cold_vs_ruff"] = r
        row("cold", f"{r:.2f}× ruff", "≤ 4× ruff", r <= 4)
        j1 = benches["cold_j1"].median
        row("cold_j1", f"{j1 / c:.2f}× default jobs (the speed-up of default jobs)")
        w = benches["warm"].median
        results["warm_vs_grep"] = w / g
        row("warm", f"{w / g:.2f}× grep; {c / w:.1f}× faster than cold", "≤ 2× grep", w / g <= 2)
        f = benches["fix"].median
        results["fix_vs_cold"] = f / c
        row("fix", f"{f / c:.2f}× cold", "≤ 2× cold", f / c <= 2)
        if "clean" in benches:
            row("clean", "", "≤ 0.15 s", benches["clean"].median <= 0.15)
        if "finding" in benches:
            row("finding", "", "≤ 0.4 s", benches["finding"].median <= 0.4)
    if "torchfix" in benches:
        row("torchfix")
        if "ac_subset" in benches:
            r = benches["torchfix"].median / benches["ac_subset"].median
            results["torchfix_vs_ac"] = r
            if args.torchfix_full:
                print(f"| ac-fixer cold on the same files (the cold row above) | "
                      f"{len(benches['cold'].times)} | {fmt_s(benches['cold'].median)} | "
                      f"TorchFix / ac-fixer = {r:.0f}× | ≥ 100× faster than TorchFix | "
                      f"{verdict(r >= 100)} | |")
            else:
                row("ac_subset", f"TorchFix / ac-fixer = {r:.0f}×", "≥ 100× faster than TorchFix",
                    r >= 100)
    if mem:
        worst_label, worst = max(mem.items(), key=lambda kv: kv[1].peak_sum_rss)
        results["peak_memory_bytes"] = worst.peak_sum_rss
        print(f"| peak memory of the ac-fixer runs (largest: {worst_label}; all processes "
              f"summed, see below) | 1 | {fmt_mb(worst.peak_sum_rss)} | | ≤ 200 MB | "
              f"{verdict(worst.peak_sum_rss <= 200e6)} | |")
        print("\npeak memory per run (one run each, outside the timed runs):\n")
        print("| ac-fixer run | processes | max single process (ru_maxrss) | peak Σ RSS | "
              "peak Σ PSS | Σ per-process peaks (VmHWM) | ≤ 200 MB (Σ RSS) |")
        print("|---|---:|---:|---:|---:|---:|---|")
        for label, m in mem.items():
            print(f"| {label} | {m.processes} | {fmt_mb(m.max_single_rss)} | "
                  f"{fmt_mb(m.peak_sum_rss)} | {fmt_mb(m.peak_sum_pss)} | "
                  f"{fmt_mb(m.sum_of_hwm)} | {verdict(m.peak_sum_rss <= 200e6)} |")

    if identity:
        print("\nfindings identity (JSON output, byte for byte):")
        for what, res in identity:
            print(f"- {what}: {res}")
    if findings_summary:
        print(f"\nac-fixer on the corpus: {findings_summary}")
    print(f"\ncandidate files: grep {grep_hits}, Python scan {scan_hits}, corpus.py "
          f"{stats['candidates']} (of {stats['files']})")

    print("\nnotes:")
    print("- wall-clock medians; the corpus is read from the page cache (warm-up runs first).")
    print(f"- load: the 1-minute load average when each series started (nproc "
          f"{len(os.sched_getaffinity(0))}); at the end: "
          f"{', '.join(f'{x:.2f}' for x in os.getloadavg())}. Other work on the machine "
          "inflates the times, most of all for multi-process runs.")
    print("- peak memory comes from separate runs, sampled every 20 ms over every process in "
          "the command's session (workers included): 'max single process' is wait4's "
          "ru_maxrss (what /usr/bin/time -v reports: the largest one process, not a sum); "
          "'sum … RSS' the largest sampled sum of resident memory over all live processes "
          "(counts pages shared by forked workers once per worker, so it over-states); "
          "'PSS' the same with shared pages split; 'Σ per-process peaks' adds each process' "
          "own VmHWM (an upper bound). The verdict uses the sampled RSS sum.")
    print("- cold: --no-cache; warm: AC_FIXER_CACHE_DIR set to a fresh directory under "
          f"{CACHE_ROOT.relative_to(HERE)}/, populated by one unmeasured run first.")
    print("- --fix: each repetition on a fresh copy of the corpus made before the clock starts.")
    for n in notes:
        print(f"- WARNING: {n}")

    print("\ncommands (run from the cwd above):")
    for b in benches.values():
        where = "" if b.cwd in (None, cwd) else f" (from {b.cwd})"
        print(f"- {b.label}: `{shlex.join(b.cmd)}`{where}")

    args.json_out.parent.mkdir(parents=True, exist_ok=True)
    args.json_out.write_text(json.dumps({
        "argv": sys.argv, "machine": machine_info(), "corpus": stats,
        "benches": {k: {"label": b.label, "cmd": b.cmd, "times": b.times, "median": b.median,
                        "note": b.note} for k, b in benches.items()},
        "memory": {k: vars(m) for k, m in mem.items()},
        "identity": identity, "ratios": results, "notes": notes,
    }, indent=1))
    print(f"\nraw numbers: {args.json_out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
