"""The audit's text summary on a real package (issue 13's walk-through, mmsegmentation):
the torch call inside a forwarding wrapper (``resize``'s ``F.interpolate(..., mode,
align_corners)``) is not a place to write ``align_corners=False`` (that would override
every caller's own value); the summary sends the reader to the calls of the wrapper."""

from __future__ import annotations

from ac_fixer.runtime.audit import format_audit_text


def _site(path, line, calls, call_sites=(), static_code=None, modes=("bilinear",)):
    return {
        "path": path, "line": line, "function": "torch.nn.functional.interpolate", "modes": list(modes),
        "calls": calls, "static_code": static_code, "equal": True, "fixable": True,
        "shapes": [], "dtypes": [], "devices": [], "version": 2, "sha256": "0" * 64,
        "call_sites": list(call_sites),
    }


CALLER = {"path": "mmseg/models/necks/multilevel_neck.py", "line": 76, "calls": 4, "modes": ["bilinear"],
          "equal": True, "fixable": True}


def _summary(sites) -> str:
    text = format_audit_text(sites)
    return text.split("\n\n", 1)[1]


def test_a_wrappers_own_torch_call_is_not_listed_as_safe_to_fix():
    sites = [
        _site("mmseg/models/utils/ppm.py", 124, 4, static_code="ACF003"),
        _site("mmseg/models/utils/wrappers.py", 27, 4, [CALLER]),
    ]
    summary = _summary(sites)
    assert "Safe to fix with align_corners=False: mmseg/models/utils/ppm.py:124." in summary
    assert "wrappers.py:27." not in summary.splitlines()[0]
    assert ("Calls through forwarding wrappers: mmseg/models/necks/multilevel_neck.py:76 "
            "(to mmseg/models/utils/wrappers.py:27, 4 calls, bilinear, safe to fix).") in summary
    # the table still shows the torch call that was reached
    assert "mmseg/models/utils/wrappers.py:27" in format_audit_text(sites).split("\n\n", 1)[0]


def test_a_wrapper_also_called_from_elsewhere_stays_listed():
    """Two of its four calls came from a function that is not a forwarder (no attribution):
    the line itself reached torch with the flag unset."""
    caller = dict(CALLER, calls=2)
    summary = _summary([_site("mmseg/models/utils/wrappers.py", 27, 4, [caller])])
    assert summary.splitlines()[0].startswith("Safe to fix with align_corners=False: mmseg/models/utils/wrappers.py:27.")


def test_a_wrapper_seen_with_nearest_through_its_callers_is_left_to_them():
    caller = dict(CALLER, modes=["nearest"], fixable=False)
    summary = _summary([_site("mmseg/models/utils/wrappers.py", 27, 4, [caller], modes=("nearest",))])
    assert "leave unset: none." in summary.splitlines()[0]
    assert "multilevel_neck.py:76 (to mmseg/models/utils/wrappers.py:27, 4 calls, nearest)" in summary
