"""``benchmarks/device_check.py``: the one-command device check. Here on the CPU: it skips
CUDA cleanly without a GPU, reports a difference as a failure, and (slow) the whole check
passes with ``--device cpu`` on a few fixtures."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

torch = pytest.importorskip("torch")

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "benchmarks" / "device_check.py"


def _load():
    spec = importlib.util.spec_from_file_location("device_check", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


device_check = _load()


@pytest.mark.skipif(
    torch.cuda.is_available() or shutil.which("nvidia-smi") is not None, reason="this machine has a GPU"
)
def test_without_cuda_the_check_skips_cleanly(capsys):
    assert device_check.main(["--device", "cuda", "--install", "never"]) == 0
    out = capsys.readouterr().out
    assert "no CUDA device: skipped" in out
    assert "|" not in out  # no table: nothing was checked


def test_a_difference_fails_the_check(monkeypatch):
    """Replaying the fixes with align_corners=True changes the outputs: rows `differs`."""
    monkeypatch.chdir(REPO)
    table = device_check.Table()
    device_check.verify_sites(torch, torch.device("cpu"), ["fixtures/acf002_grid_sample.py"], table, value=True)
    statuses = {(row["dtype"], row["layout"], row["status"]) for row in table.rows}
    assert {("float32", "channels_last", "differs"), ("bfloat16", "contiguous", "differs")} <= statuses
    assert table.failed and all(row["diff"] > 0 for row in table.failed)
    rendered = table.render(summary=True)
    # failures keep a row (and a detail line) of their own in the summary
    assert rendered.count("| differs") == len(table.failed)
    assert "fixtures/acf002_grid_sample.py:6 ACF002 grid_sample" in rendered


def test_summary_counts_sites_and_keeps_the_largest_difference():
    table = device_check.Table()
    table.add("verify", "a.py:1", "float16", "contiguous", "equal", 0.0)
    table.add("verify", "b.py:2", "float16", "contiguous", "equal", 0.0)
    table.add("training step", "backward", "float32", "contiguous", "equal", 3e-7, device_check.BACKWARD_TOLERANCE)
    table.add("explain", "mode=lanczos", "float32", status="skipped", detail="CPU only")
    rows = table.summarized()
    assert [r["site"] for r in rows] == ["2 sites", "backward", "1 example"]
    assert rows[1]["diff"] == 3e-7
    assert not table.failed


@pytest.mark.slow
def test_device_check_on_the_cpu_passes(tmp_path):
    """The whole check, CPU mode, a few fixtures (about 20 s of CPU: six processes import torch)."""
    rows_file = tmp_path / "rows.json"
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--device", "cpu", "--quick", "--install", "never", "--json", str(rows_file)],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "device check: passed" in result.stdout
    rows = json.loads(rows_file.read_text())
    assert {r["check"] for r in rows} == {
        "verify", "verify CLI", "check --fix --verify", "audit shadow run", "training step", "explain", "explain CLI",
    }
    verify_rows = [r for r in rows if r["check"] == "verify"]
    assert {r["dtype"] for r in verify_rows} == {"float32", "float16", "bfloat16"}
    assert {r["layout"] for r in verify_rows} == {"contiguous", "channels_last"}
    assert all(r["status"] in ("equal", "skipped") for r in rows if r["check"] != "training step")
    audited = {r["site"].split()[-1] for r in rows if r["check"] == "audit shadow run"}
    assert audited == {"Upsample", "interpolate", "affine_grid", "grid_sample"}
