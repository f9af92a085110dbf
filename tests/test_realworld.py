"""A held-out collection of real-world call patterns (tests/realworld/), checked end to end.

Each snippet in tests/realworld/ restates, trimmed, how a public project calls a
resampling API; its header names the repository and path. ``expected.json`` maps every
snippet to the findings docs/contract.md §1 prescribes for it, decided from the rule
definitions and Python semantics (not from what the tool prints):
``[{"line": N, "code": "ACF00x", "fixed": true|false}]`` where ``fixed`` says whether
the default ``--fix`` (safe fixes only) resolves that finding; notebook entries add
``"cell"`` (0-based) and count ``line`` within that cell. Snippets under with_config/ are
checked with the pyproject.toml beside them (an extend-target for a wrapper) and, in
addition, without it (then nothing may be reported).

What is checked, through the real command line (``python -m ac_fixer``):

* the findings equal the expected ones exactly (no miss, no false report);
* ``--fix`` resolves exactly the findings marked ``fixed`` and leaves the others;
* ``--fix`` changes only intended tokens: added ``align_corners=False`` keywords,
  ``align_corners=None`` -> ``False``, the ACF101 rename and the ACF102 rewrite
  (rename plus ``mode=``/``align_corners=True``); comments, indentation and every
  other token stay as they were;
* for the snippets that can run on synthesized tensors, the fixed program computes
  exactly what the original computed (``torch.equal``).

Cases where the tool disagrees with the expectation are ``xfail(strict=True)`` with a
``BUG:`` reason; see XFAIL below.
"""

from __future__ import annotations

import collections
import contextlib
import difflib
import io
import json
import shutil
import sys
import tokenize
import types
import warnings
from pathlib import Path

import pytest
from conftest import run_subprocess

REALWORLD = Path(__file__).resolve().parent / "realworld"
EXPECTED: dict = json.loads((REALWORLD / "expected.json").read_text("utf-8"))
CONFIG_DIR = "with_config"
MAIN_FILES = sorted(name for name in EXPECTED if "/" not in name)
CONFIG_FILES = sorted(name for name in EXPECTED if name.startswith(CONFIG_DIR + "/"))
ALL_FILES = MAIN_FILES + CONFIG_FILES

# file -> {test kind -> reason}; kinds: "findings", "fix", "diff", "runtime" (the tests below).
XFAIL: dict = {}


def _param(name: str, kind: str):
    reason = XFAIL.get(name, {}).get(kind)
    if reason:
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=reason), id=name)
    return pytest.param(name, id=name)


def _params(kind: str, names=None):
    return [_param(name, kind) for name in (ALL_FILES if names is None else names)]


# --------------------------------------------------------------------------- running the CLI


def _cli(args, cwd: Path):
    result = run_subprocess(args, cwd, timeout=300)
    if result.exit_code not in (0, 1):
        raise AssertionError(f"ac-fixer {' '.join(args)} exited {result.exit_code}:\n{result.stderr}")
    return result


def _check_json(cwd: Path, files, extra=()) -> dict:
    """path -> list of finding dicts, for ``check --output-format json``."""
    proc = _cli(["check", "--no-cache", "--exit-zero", "--output-format", "json", *extra, *files], cwd)
    by_path: dict = {name: [] for name in files}
    for item in json.loads(proc.stdout or "[]"):
        by_path.setdefault(Path(item["path"]).as_posix(), []).append(item)
    return by_path


@pytest.fixture(scope="module")
def workspace(tmp_path_factory) -> dict:
    """Two copies of tests/realworld (checked / fixed), outside any pyproject.toml."""
    root = tmp_path_factory.mktemp("realworld")
    original = root / "original"
    fixed = root / "fixed"
    for target in (original, fixed):
        shutil.copytree(REALWORLD, target, ignore=shutil.ignore_patterns("__pycache__", "expected.json"))
    empty_config = root / "no-targets.toml"
    empty_config.write_text("")  # a dedicated config file with no keys: no extend-targets

    findings = _check_json(original, MAIN_FILES)
    # with_config/: discovered config (the pyproject.toml next to the snippets) ...
    findings.update(_check_json(original, CONFIG_FILES))
    # ... and the same snippets without it (wrappers are not torch: nothing to report).
    unconfigured = _check_json(original, CONFIG_FILES, ["--config", str(empty_config)])

    _cli(["check", "--no-cache", "--exit-zero", "--fix", *MAIN_FILES], fixed)
    _cli(["check", "--no-cache", "--exit-zero", "--fix", *CONFIG_FILES], fixed)
    remaining = _check_json(fixed, MAIN_FILES)
    remaining.update(_check_json(fixed, CONFIG_FILES))
    return {
        "original": original,
        "fixed": fixed,
        "findings": findings,
        "unconfigured": unconfigured,
        "remaining": remaining,
    }


def _key(item) -> tuple:
    """(cell, line, code): ``cell`` is the 0-based notebook cell, None for .py files."""
    return (item.get("cell"), item["line"], item["code"])


def _codes(items) -> collections.Counter:
    return collections.Counter(item["code"] for item in items)


# --------------------------------------------------------------------------- findings


@pytest.mark.parametrize("name", _params("findings"))
def test_findings_match_expected(workspace, name):
    got = collections.Counter(_key(item) for item in workspace["findings"][name])
    want = collections.Counter(_key(item) for item in EXPECTED[name])
    missed = want - got
    extra = got - want
    assert not missed and not extra, f"missed {sorted(missed.elements())}, false reports {sorted(extra.elements())}"


@pytest.mark.parametrize("name", ALL_FILES)
def test_json_fields_are_consistent(workspace, name):
    for item in workspace["findings"][name]:
        assert item["path"] == name
        assert item["function"].startswith(("torch.nn", "mmseg.ops"))
        if item["code"] in ("ACF003",):
            assert item["fixable"] is False and item["fix"] is None
        if item["code"] in ("ACF001", "ACF002") and item["fixable"]:
            assert item["fix"] == "align_corners=False"


@pytest.mark.parametrize("name", CONFIG_FILES)
def test_wrappers_need_extend_targets(workspace, name):
    assert workspace["unconfigured"][name] == []


# --------------------------------------------------------------------------- --fix


@pytest.mark.parametrize("name", _params("fix"))
def test_fix_resolves_exactly_the_fixed_findings(workspace, name):
    left = _codes(item for item in EXPECTED[name] if not item["fixed"])
    assert _codes(workspace["remaining"][name]) == left


def _tokens(source: str) -> list:
    """Every token but NL (newlines inside brackets): fixes may add such lines only."""
    skip = {tokenize.NL, tokenize.ENDMARKER}
    return [
        (tok.type, tok.string)
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type not in skip
    ]


_RENAMES = {
    "upsample": "interpolate",  # ACF101
    "upsample_bilinear": "interpolate",  # ACF102
    "upsample_nearest": "interpolate",  # ACF102
    "UpsamplingBilinear2d": "Upsample",  # ACF102
    "UpsamplingNearest2d": "Upsample",  # ACF102
}


def _inserted_keywords(tokens) -> list:
    """`, kw=value` groups of an insertion (commas anywhere); None if it is anything else."""
    values = [tok for tok in tokens if tok != (tokenize.OP, ",")]
    if len(values) % 3:
        return None
    groups = []
    for i in range(0, len(values), 3):
        (t1, kw), (t2, eq), (t3, value) = values[i:i + 3]
        if t1 != tokenize.NAME or (t2, eq) != (tokenize.OP, "=") or t3 not in (tokenize.NAME, tokenize.STRING):
            return None
        groups.append(f"{kw}={value}")
    return groups


def _edits(original: str, fixed: str):
    """The token edits between two sources: (inserted keywords, renames, None->False), or a failure."""
    a, b = _tokens(original), _tokens(fixed)
    inserted, renames, none_to_false, bad = [], [], 0, []
    for op, i1, i2, j1, j2 in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if op == "equal":
            continue
        old, new = a[i1:i2], b[j1:j2]
        if op == "replace" and len(old) == 1 and old[0][0] == tokenize.NAME and new:
            name = old[0][1]
            if name in _RENAMES and new[0] == (tokenize.NAME, _RENAMES[name]):
                renames.append(f"{name}->{new[0][1]}")
                old, new, op = [], new[1:], "insert"
            elif name == "None" and new[0] == (tokenize.NAME, "False"):
                none_to_false += 1
                old, new, op = [], new[1:], "insert"
        if op in ("insert", "replace") and not old:
            groups = _inserted_keywords(new)
            if groups is None:
                bad.append(f"unexpected insertion {[t[1] for t in new]}")
            else:
                inserted.extend(groups)
            continue
        bad.append(f"{op}: {[t[1] for t in old]} -> {[t[1] for t in new]}")
    return inserted, renames, none_to_false, bad


def _notebook_code(original_text: str, fixed_text: str, expected) -> tuple:
    """The changed code cells of a notebook as two sources; everything else must be equal."""
    before, after = json.loads(original_text), json.loads(fixed_text)
    old_cells, new_cells = before.pop("cells"), after.pop("cells")
    assert before == after, "notebook metadata changed"
    assert len(old_cells) == len(new_cells)
    changed, old_parts, new_parts = set(), [], []
    for index, (old, new) in enumerate(zip(old_cells, new_cells)):
        old_source, new_source = old.pop("source"), new.pop("source")
        assert old == new, f"cell {index}: more than its source changed"
        if old_source != new_source:
            changed.add(index)
            old_parts.append(_python_of_cell("".join(old_source)))
            new_parts.append(_python_of_cell("".join(new_source)))
    assert changed == {item["cell"] for item in expected if item["fixed"]}
    return "\n".join(old_parts) + "\n", "\n".join(new_parts) + "\n"


def _python_of_cell(text: str) -> str:
    """A cell's source with IPython magic and shell lines blanked (they are not Python)."""
    return "\n".join("pass" if line.lstrip().startswith(("%", "!")) else line for line in text.split("\n"))


@pytest.mark.parametrize("name", _params("diff"))
def test_fix_changes_only_intended_tokens(workspace, name):
    original = (workspace["original"] / name).read_text("utf-8")
    fixed = (workspace["fixed"] / name).read_text("utf-8")
    expected = EXPECTED[name]
    if not any(item["fixed"] for item in expected):
        assert fixed == original
        return
    notebook = name.endswith(".ipynb")
    if notebook:
        original, fixed = _notebook_code(original, fixed, expected)
    inserted, renames, none_to_false, bad = _edits(original, fixed)
    assert not bad, bad

    # What the expected fixed findings call for.
    codes = _codes(item for item in expected if item["fixed"])
    flag_fixes = codes["ACF001"] + codes["ACF002"]
    # Fixed calls that pass align_corners=None get it set to False instead of a new keyword.
    set_to_false = _explicit_none_calls(original, expected, notebook)
    assert none_to_false == set_to_false
    added = collections.Counter(inserted)
    assert added["align_corners=False"] == flag_fixes - set_to_false
    rewrites = codes["ACF102"]
    assert added["align_corners=True"] == sum(
        1 for r in renames if r.startswith(("upsample_bilinear", "UpsamplingBilinear2d"))
    )
    assert sum(v for k, v in added.items() if k.startswith("mode=")) == rewrites
    assert set(added) <= {"align_corners=False", "align_corners=True", 'mode="bilinear"', 'mode="nearest"'}
    assert len(renames) == codes["ACF101"] + rewrites
    if notebook:
        return  # finding lines count within cells; the per-line check below is for .py files

    # Lines outside the fixed calls are byte-for-byte the same, in order.
    old_lines, new_lines = original.splitlines(keepends=True), fixed.splitlines(keepends=True)
    matcher = difflib.SequenceMatcher(None, old_lines, new_lines, autojunk=False)
    kept = set()
    for start, _, size in matcher.get_matching_blocks():
        kept.update(range(start + 1, start + size + 1))
    in_fixed_calls = set()
    for item in expected:
        if item["fixed"]:
            in_fixed_calls.update(range(item["line"], item["line"] + _call_lines(original, item["line"]) + 1))
    untouched = set(range(1, len(old_lines) + 1)) - in_fixed_calls
    assert untouched <= kept, f"lines changed outside the fixed calls: {sorted(untouched - kept)}"


def _explicit_none_calls(source: str, expected, notebook: bool) -> int:
    if notebook:
        return source.replace(" ", "").count("align_corners=None")
    lines = source.splitlines()
    count = 0
    for item in expected:
        if item["fixed"] and item["code"] in ("ACF001", "ACF002"):
            first = item["line"] - 1
            call = "".join(lines[first:first + 1 + _call_lines(source, item["line"])])
            count += "align_corners=None" in call.replace(" ", "")
    return count


def _call_lines(source: str, line: int) -> int:
    """How many lines a call starting on ``line`` spans beyond its first."""
    depth = 0
    for offset, text in enumerate(source.splitlines()[line - 1:]):
        code = text.split("#", 1)[0]
        depth += code.count("(") - code.count(")")
        if depth <= 0:
            return offset
    return 0


# --------------------------------------------------------------------------- runtime equivalence


def _load(source: str, name: str, extra_modules=None) -> dict:
    """Execute a snippet's source as a fresh module and return its namespace."""
    namespace = {"__name__": f"realworld_{Path(name).stem}", "__file__": name}
    saved = {}
    for module_name, module in (extra_modules or {}).items():
        saved[module_name] = sys.modules.get(module_name)
        sys.modules[module_name] = module
    try:
        with contextlib.redirect_stdout(io.StringIO()), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            exec(compile(source, name, "exec"), namespace)
    finally:
        for module_name, module in saved.items():
            if module is None:
                sys.modules.pop(module_name, None)
            else:
                sys.modules[module_name] = module
    return namespace


def _seeded(torch, seed=0):
    torch.manual_seed(seed)
    return torch


def _run_detectron2_alias(ns, torch):
    return ns["upsample_masks"](torch.randn(2, 3, 5, 7), 2)


def _run_dino(ns, torch):
    pos_embed = torch.randn(1, 1 + 16, 8)
    x = torch.randn(1, 1 + 36, 8)
    return ns["interpolate_pos_encoding"](pos_embed, x, 96, 96, 16)


def _run_dtrb(ns, torch):
    # Run the torch <= 1.2 branch (the one the fix changes) by showing it an old version.
    ns["torch"] = types.SimpleNamespace(__version__="1.2.0")
    net = ns["TPS_SpatialTransformerNetwork"](20, (8, 10), (6, 9), 1)
    batch = torch.randn(2, 1, 8, 10)
    points = torch.rand(2, 6 * 9, 2) * 2.4 - 1.2
    return net(batch, points)


def _run_emreg(ns, torch):
    x = torch.randn(2, 3, 6, 6)
    grid = torch.rand(2, 5, 4, 2) * 2.2 - 1.1
    canvas = torch.randn(2, 3, 5, 4)
    return (
        ns["grid_sample"](x, grid),
        ns["grid_sample"](x, grid, canvas=canvas, mode="bilinear"),
        ns["grid_sample"](x, grid, canvas=canvas, mode="nearest", padding_mode="border"),
    )


def _run_explicit_none(ns, torch):
    x = torch.randn(1, 2, 8, 8)
    feature = torch.randn(1, 2, 4, 4)
    ys = [torch.randn(1, 2, 8, 8), torch.randn(1, 2, 3, 5)]
    return (
        ns["interp_resize"](x, 1.5),
        ns["aggregate"](x, feature, 1),
        ns["upsample_branches"](ys),
        ns["upscale_depth"](torch.randn(1, 1, 4, 6), 2),
    )


def _run_stn_model(ns, torch):
    net = ns["STN"]()
    net.localization = lambda x: torch.randn(x.shape[0], 90)
    net.affinement = torch.nn.Linear(90, 6)
    return net(torch.randn(3, 1, 12, 12))


def _run_hrnet(ns, torch):
    xs = [torch.randn(1, 2, 8, 8), torch.randn(1, 2, 4, 4), torch.randn(1, 2, 2, 2), torch.randn(1, 2, 1, 1)]
    return (
        ns["fuse_branch"](torch.zeros(1, 2, 8, 8), lambda t: t * 2, xs[1], xs[0]),
        ns["upsample_heads"](xs),
    )


def _run_kernelbench_positional(ns, torch):
    return ns["upsample"]()(torch.rand(2, 3, 4, 4))


def _run_monodepth2(ns, torch):
    inputs = {("color", -1, 0): torch.rand(2, 3, 6, 8)}
    outputs = {("disp", 0): torch.rand(2, 1, 3, 4), ("sample", -1, 0): torch.rand(2, 6, 8, 2) * 2.2 - 1.1}
    disp, color = ns["generate_images_pred"](inputs, outputs, 6, 8)
    return disp, color, ns["compute_depth_losses"](torch.rand(1, 1, 6, 8))


def _run_pwcnet(ns, torch):
    return ns["warp"](torch.randn(2, 3, 6, 7), torch.randn(2, 2, 6, 7) * 2)


def _run_star_single(ns, torch):
    return ns["resize_activation"](torch.randn(1, 4, 5, 6), (7, 9)), ns["warp"](
        torch.randn(1, 4, 5, 6), torch.rand(1, 3, 3, 2) * 2 - 1
    )


def _run_stn_tutorial(ns, torch):
    theta = torch.tensor([[1.0, 0.1, 0.05], [-0.1, 0.9, 0.0]]).repeat(2, 1)
    return ns["Net"]().stn(torch.randn(2, 1, 7, 7), theta)


def _module_value(key):
    return lambda ns, torch: ns[key]


def _run_torbencher_functional(ns, torch):
    case = ns["TorchNNFunctionalUpsampleBilinearTestCase"]()
    a = torch.randn(2, 3, 5, 5)
    return (
        case.test_upsample_bilinear(),
        case.test_upsample_bilinear(input=(a, (9, 11), None)),
        case.test_upsample_bilinear(input=(a, None, 2)),
    )


def _run_torbencher_module(ns, torch):
    return ns["TorchNNUpsamplingBilinear2dTestCase"]().test_upsampling_bilinear2d(torch.randn(1, 2, 4, 5))


def _run_transunet(ns, torch):
    block = ns["DecoderBlock"](4, 3)
    head = ns["SegmentationHead"](3, 2, upsampling=4)
    x = torch.randn(1, 4, 5, 5)
    return block(x), head(block(x))


def _run_voxelmorph(ns, torch):
    transformer = ns["SpatialTransformer"]((6, 7))
    src = torch.randn(2, 3, 6, 7)
    flow = torch.randn(2, 2, 6, 7)
    resize = ns["ResizeTransform"](0.5, 2)
    return transformer(src, flow), resize(torch.randn(1, 2, 4, 4))


def _run_psp(ns, torch):
    module = ns["_PyramidPoolingModule"](4, 2, (1, 2, 3)).eval()
    x = torch.randn(1, 4, 6, 6)
    aux = torch.randn(1, 4, 3, 3)
    return module(x), ns["psp_output"](x[:, :2, :3, :3], aux, x.size(), True, True), ns["psp_output"](
        x, aux, x.size(), False, False
    )


def _run_ncnn_f_upsample(ns, torch):
    return ns["Model"]().eval()(torch.rand(1, 3, 32), torch.rand(1, 3, 32, 32), torch.rand(1, 8, 12, 12))


def _run_ncnn_f_upsample_bilinear(ns, torch):
    return ns["Model"]().eval()(torch.rand(1, 12, 24, 64))


def _run_ncnn_nn_upsample(ns, torch):
    model = ns["Model"]().eval()
    return model(torch.rand(1, 3, 32), torch.rand(1, 3, 32, 32), torch.rand(1, 2, 8, 8, 8), torch.rand(1, 8, 12, 12))


def _require(module_name: str) -> dict:
    pytest.importorskip(module_name)
    return {}


def _stubs_for_missing(*names) -> dict:
    """Empty stand-ins for modules a snippet imports but the runner never uses."""
    stubs = {}
    for module_name in names:
        try:
            __import__(module_name)
        except ImportError:
            stubs[module_name] = types.ModuleType(module_name)
    return stubs


def _mmseg_modules(torch):
    wrapper = _load((REALWORLD / "mmseg_resize_wrapper.py").read_text("utf-8"), "mmseg_resize_wrapper.py")
    mmseg = types.ModuleType("mmseg")
    ops = types.ModuleType("mmseg.ops")
    ops.resize = wrapper["resize"]
    mmseg.ops = ops
    return {"mmseg": mmseg, "mmseg.ops": ops}


def _run_mmseg_caller(ns, torch):
    x1, x2 = torch.randn(1, 2, 4, 5), torch.randn(1, 3, 7, 9)
    return ns["ChannelAttention"]()(x1, x2), ns["seg_logits_to_ori"](x2, {"ori_shape": (11, 13, 3)}, None)


RUNNERS = {
    "detectron2_interpolate_alias.py": (_run_detectron2_alias, None),
    "dino_pos_embed.py": (_run_dino, None),
    "dtrb_tps_transformation.py": (_run_dtrb, lambda torch: _stubs_for_missing("numpy")),
    "emreg_grid_sample.py": (_run_emreg, None),
    "explicit_none_bilinear.py": (_run_explicit_none, None),
    "hanyoseob_stn_model.py": (_run_stn_model, lambda torch: {"layer": types.ModuleType("layer")}),
    "hrnet_seg.py": (_run_hrnet, None),
    "kernelbench_upsample_positional.py": (_run_kernelbench_positional, None),
    "monodepth2_trainer.py": (_run_monodepth2, None),
    "ncnn_test_F_upsample.py": (_run_ncnn_f_upsample, None),
    "ncnn_test_F_upsample_bilinear.py": (_run_ncnn_f_upsample_bilinear, None),
    "ncnn_test_nn_Upsample.py": (_run_ncnn_nn_upsample, lambda torch: _require("packaging")),
    "pwcnet_warp.py": (_run_pwcnet, None),
    "stage_gridtest.py": (_module_value("output"), None),
    "star_import_single.py": (_run_star_single, None),
    "stn_tutorial.py": (_run_stn_tutorial, None),
    "super_study_grid_sample.py": (_module_value("outp"), None),
    "titanfuzz_affine_grid.py": (_module_value("grid"), None),
    "titanfuzz_upsample_nearest.py": (_module_value("y"), None),
    "titanfuzz_upsampling_bilinear2d.py": (_module_value("output"), None),
    "torbencher_upsample_bilinear.py": (_run_torbencher_functional, None),
    "torbencher_upsampling_bilinear2d.py": (_run_torbencher_module, None),
    "transunet_decoder.py": (_run_transunet, None),
    "voxelmorph_layers.py": (_run_voxelmorph, None),
    "zijundeng_psp_net.py": (_run_psp, None),
    CONFIG_DIR + "/mmseg_resize_caller.py": (_run_mmseg_caller, _mmseg_modules),
}


def _flatten(value):
    if isinstance(value, (tuple, list)):
        for item in value:
            yield from _flatten(item)
    else:
        yield value


@pytest.mark.parametrize("name", _params("runtime", sorted(RUNNERS)))
def test_fixed_program_computes_the_same(workspace, name):
    torch = pytest.importorskip("torch")
    original = (workspace["original"] / name).read_text("utf-8")
    fixed = (workspace["fixed"] / name).read_text("utf-8")
    assert fixed != original, "the runner should exercise a fixed snippet"
    run, modules = RUNNERS[name]
    results = []
    for source in (original, fixed):
        _seeded(torch)
        namespace = _load(source, name, modules(torch) if modules else None)
        _seeded(torch, 1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            with torch.no_grad():
                results.append(list(_flatten(run(namespace, torch))))
    before, after = results
    assert len(before) == len(after) and before
    for old, new in zip(before, after):
        assert isinstance(old, torch.Tensor)
        assert old.shape == new.shape and old.dtype == new.dtype
        assert torch.equal(old, new)
