"""Messages a new user reads in issue 13's walk-through (check, audit, fix, verify)."""

from __future__ import annotations

from types import SimpleNamespace

from ac_fixer.evidence import evidence_summary


def _resting(calls: int):
    evidence = {"source": "runtime", "calls": calls, "modes": ["bilinear"], "report": "audit.json"}
    return SimpleNamespace(fixable=True, extra={"evidence": evidence})


def test_one_fix_resting_on_evidence_reads_as_one():
    assert evidence_summary([_resting(4)], applied=True).startswith("1 of them rests on runtime evidence (audit.json")
    assert evidence_summary([_resting(4), _resting(1)], applied=True).startswith("2 of them rest on runtime evidence")
    assert evidence_summary([_resting(4)], applied=False).startswith("1 of the fixes would rest on runtime evidence")


def test_nothing_to_verify_says_why_a_fixed_call_is_not_replayed():
    """After ``check --fix`` the fixed calls pass align_corners: they are no longer findings,
    and a user who runs ``verify`` then learns where the fix is verified instead."""
    from ac_fixer.runtime.verify import summary_line

    line = summary_line([])
    assert line.startswith("no ACF001/ACF002/ACF101/ACF102 sites to verify")
    assert "check --fix --verify" in line


def test_fix_with_verify_says_what_the_runtime_check_confirmed(tmp_path):
    """``check --fix --verify`` names what it confirmed, not only what it refused: the
    walk-through's last step shows that every written fix was replayed."""
    import pytest

    pytest.importorskip("torch")
    from conftest import run_cli

    (tmp_path / "m.py").write_text(
        "import torch.nn.functional as F\n\n\ndef up(x):\n    return F.interpolate(x, scale_factor=2, mode=\"bilinear\")\n"
    )
    result = run_cli(["check", "--no-cache", "--fix", "--verify", "--device", "cpu", "m.py"], cwd=tmp_path)
    assert result.exit_code == 0, result.stdout + result.stderr
    assert "align_corners=False" in (tmp_path / "m.py").read_text()
    assert ("Runtime check on cpu: 1 of 1 fix reproduces its call bitwise with align_corners=False; "
            "only confirmed fixes are written.") in result.stderr
