"""Runtime audit: which resampling calls reach torch with ``align_corners`` unset.

## Runtime audit

``ac-fixer audit [--output FILE] [--output-format text|json] [--no-shadow] [--follow-symlink] -- COMMAND...``
runs a Python command (``python script.py``, ``python -m module``, ``pytest ...``) and
records every call of ``torch.nn.functional.interpolate`` / ``upsample`` /
``upsample_nearest``, ``grid_sample``, ``affine_grid`` and every ``nn.Upsample`` forward that
reaches torch with ``align_corners`` unset. Each site (the user's source line; for
``nn.Upsample`` the line that constructed the module) is reported with the modes seen there,
the number of calls, the input shapes/dtypes/devices, the code the static check reports at
that line and whether adding ``align_corners=False`` is safe there. Every Python process the
command starts is audited too (through ``PYTHONPATH`` and the environment) and the records of
all processes are merged into one report. The exit code is the command's (128 + N when it
was killed by signal N).

Shadow check: each recorded call whose mode uses the flag is computed a second time with
``align_corners=False`` under ``torch.no_grad()`` and compared bitwise; ``equal`` in the
report. The program's own results, gradients, random state, warnings and exceptions are
unchanged. ``--no-shadow`` skips the second computation (``equal`` is null, nothing is then
reported as fixable).

Calls through forwarding wrappers: when the function that calls torch has ``mode`` and
``align_corners`` parameters (or its own names for them) that hold the very values torch
received, the line that called it is recorded too (``call_sites``, with its own modes and
shadow result), through wrappers of wrappers (at most ``MAX_FORWARDING_DEPTH`` frames,
never through torch's own code). Each site carries the SHA-256 of its file (``sha256``)
and the report format (``version``): ``check --evidence`` fixes from the report only the
files the audit saw.

For a test run, ``pytest --ac-fixer-audit=FILE`` writes the same JSON report (the plugin is
registered through the ``pytest11`` entry point; it imports nothing heavy unless the option
is given).

Limits:
- Only calls made from Python are seen: TorchScript (scripted or traced code run later),
  graphs compiled by ``torch.compile``/``torch.export``, and C++ callers are not recorded.
  Under ``torch.compile`` the wrappers step aside, so compiled graphs are unchanged. Graphs
  that run as generated Python (FX ``GraphModule``, compile backends such as ``eager``)
  are reported at their generated code (``<eval_with_key>.N``).
- Processes started with ``python -I``/``-E``/``-S``, or with an environment that drops
  ``PYTHONPATH``/``AC_FIXER_AUDIT_DIR``, are not audited. A process that ends with
  ``os._exit`` (other than multiprocessing children) or is killed by SIGKILL loses its
  records (the report says how many processes were lost); SIGTERM and SIGHUP are handled
  when the program has not installed its own handler.
- An ``nn.Upsample`` copied with ``copy.deepcopy`` or loaded from a pickle is reported at the
  line that calls it, not where the original was constructed.
- The shadow computation allocates a second output and runs one more kernel: memory
  statistics and profiler traces show it. It is skipped (``equal`` stays null) under
  ``torch.jit.trace``, vmap/grad transforms, torch function/dispatch modes, CUDA graph capture
  and for tensor subclasses.
- ``pytest --ac-fixer-audit`` records the pytest process and its pytest-xdist workers, not
  subprocesses started by tests: use ``ac-fixer audit -- pytest ...`` for those.
  With plugin autoloading off (``PYTEST_DISABLE_PLUGIN_AUTOLOAD``) load it with ``-p ac_fixer``.
- Tracebacks of exceptions raised inside an audited call show one more frame (ac-fixer's).

This module imports only the standard library at import time: it is loaded at the start of
every audited Python process. Hooks on torch are installed when torch is imported.
"""

from __future__ import annotations

import atexit
import functools
import os
import signal
import sys
import threading
import types
import weakref
from typing import Any, Callable, Iterable, Sequence

# Environment of audited processes.
ENV_DIR = "AC_FIXER_AUDIT_DIR"
ENV_SHADOW = "AC_FIXER_AUDIT_SHADOW"
ENV_HOME = "AC_FIXER_AUDIT_HOME"
BOOT_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "_audit_boot")

FLAG = "align_corners"
RECORD_VERSION = 1
# The report's format (each site's ``version``): 2 added ``sha256`` (the site file's
# content when the report was built) and ``call_sites`` (calls through forwarding
# wrappers); a site without ``version`` is format 1.
REPORT_VERSION = 2
# How far up the stack a call is followed through forwarding wrappers (a wrapper of a
# wrapper of ...); the walk runs only for calls that reach torch with the flag unset.
MAX_FORWARDING_DEPTH = 8
# Files in the audit folder: a process's record, and the mark each process leaves at start.
RECORD_SUFFIX = ".json"
STARTED_SUFFIX = ".started"
# Distinct shapes/dtypes/devices kept per site (the call count stays exact).
MAX_DISTINCT = 64
MAX_ERRORS = 50

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# The functions wrapped are the catalog rows with audit = "wrap"; those with
# audit = "caller" are reported through the wrapped function torch calls for them.
_FUNCTIONAL = "torch.nn.functional."
_UPSAMPLE = "torch.nn.Upsample"


# --------------------------------------------------------------------------------------
# Records of one process
# --------------------------------------------------------------------------------------


class _SiteStats:
    __slots__ = ("calls", "modes", "shapes", "dtypes", "devices", "equal", "callers")

    def __init__(self) -> None:
        self.calls = 0
        self.modes: set = set()
        self.shapes: set = set()
        self.dtypes: set = set()
        self.devices: set = set()
        self.equal: bool | None = None
        # (path, line) of a call through forwarding wrappers -> its own _SiteStats
        self.callers: dict | None = None

    def caller(self, site: tuple[str, int]) -> "_SiteStats | None":
        callers = self.callers
        if callers is None:
            callers = self.callers = {}
        stats = callers.get(site)
        if stats is None:
            if len(callers) >= MAX_DISTINCT:
                return None
            stats = callers[site] = _SiteStats()
        return stats


class _Recorder:
    """Per-process counts, keyed by (path, line, function)."""

    def __init__(self, shadow: bool) -> None:
        self.shadow = shadow
        # Re-entrant: the SIGTERM handler may snapshot while this thread holds it.
        self.lock = threading.RLock()
        self.sites: dict[tuple[str, int, str], _SiteStats] = {}
        self.errors: dict[str, int] = {}

    def stats(self, key: tuple[str, int, str]) -> _SiteStats:
        stats = self.sites.get(key)
        if stats is None:
            stats = self.sites.setdefault(key, _SiteStats())
        return stats

    def error(self, where: str, exc: BaseException) -> None:
        try:
            message = f"{where}: {type(exc).__name__}: {exc}"
            with self.lock:
                if message in self.errors or len(self.errors) < MAX_ERRORS:
                    self.errors[message] = self.errors.get(message, 0) + 1
        except Exception:  # pragma: no cover - never let the audit raise
            pass

    def reset_after_fork(self) -> None:
        self.lock = threading.RLock()
        self.sites = {}
        self.errors = {}

    def snapshot(self) -> dict:
        """The raw record of this process (JSON-ready)."""
        with self.lock:
            sites = [
                {
                    "path": path,
                    "line": line,
                    "function": function,
                    "modes": sorted(stats.modes),
                    "calls": stats.calls,
                    "equal": stats.equal,
                    "shapes": sorted({tuple(int(size) for size in shape) for shape in stats.shapes}),
                    "dtypes": sorted(str(dtype) for dtype in stats.dtypes),
                    "devices": sorted(str(device) for device in stats.devices),
                    "call_sites": [
                        {"path": where[0], "line": where[1], "calls": caller.calls,
                         "modes": sorted(caller.modes), "equal": caller.equal}
                        for where, caller in (stats.callers or {}).items()
                    ],
                }
                for (path, line, function), stats in self.sites.items()
            ]
            errors = [
                f"{message} (x{count})" if count > 1 else message for message, count in self.errors.items()
            ]
        return {
            "version": RECORD_VERSION,
            "pid": os.getpid(),
            "executable": sys.executable,
            "argv": list(getattr(sys, "argv", [])),
            "sites": sites,
            "errors": errors,
        }


class _ThreadState(threading.local):
    # busy: inside an audited call (nested calls go straight to torch);
    # shadowing: inside the shadow computation (its Python warnings are dropped).
    busy = False
    shadowing = False


_state = _ThreadState()
_recorder: _Recorder | None = None


def _never() -> bool:
    return False


def _always() -> bool:
    return True


def _nothing() -> None:
    return None


# Until torch is fully imported every wrapper passes straight through; afterwards this is
# torch.compiler.is_compiling, so that torch.compile traces straight into torch's function.
_passthrough = _always
# torch.compiler.is_dynamo_compiling: true only while Dynamo traces bytecode symbolically.
_dynamo_tracing = _never

# Filled while torch loads.
_torch: Any = None
# torch._C._get_tracing_state: not None inside torch.jit.trace.
_tracing_state = _nothing
# True under torch function / dispatch modes and vmap/grad transforms (see _torch_loaded).
_special_modes_active = _never
_plain_tensor_types: frozenset = frozenset()
_modes_using_flag: frozenset = frozenset()
_internal_prefixes: tuple[str, ...] = (_PACKAGE_DIR + os.sep,)
# code object -> absolute path of a user file, or None for torch / ac-fixer code.
_code_paths: dict = {}
_UNSEEN = object()
# torch functions that call interpolate on the user's behalf: code object -> name reported.
_MODULE_CALL = object()
_caller_names: dict = {}
# nn.Upsample instance -> (path, line) of its construction.
_module_sites: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
# Code objects of the wrappers (skipped when torch's warnings compute their stacklevel).
_wrapper_codes: set = set()


def _classify(filename: str) -> str | None:
    if filename.startswith(_internal_prefixes):
        return None
    if filename.startswith("<"):
        return filename
    return os.path.abspath(filename)


def _user_site(frame) -> tuple[str, int] | None:
    """The first frame outside torch and ac-fixer: (absolute path, line)."""
    cache = _code_paths
    while frame is not None:
        code = frame.f_code
        path = cache.get(code, _UNSEEN)
        if path is _UNSEEN:
            path = cache[code] = _classify(code.co_filename)
        if path is not None:
            return path, frame.f_lineno
        frame = frame.f_back
    return None


def _module_function_name(module) -> str:
    cls = type(module)
    if cls.__module__.startswith("torch."):
        return "torch.nn." + cls.__name__
    return _UPSAMPLE


def _record_call(caller, spec: "_CallSpec", args: tuple, kwargs: dict):
    """Count one call with the flag unset; returns (stats, mode) or None. Never raises."""
    recorder = _recorder
    try:
        function = spec.name
        site = None
        special = _caller_names.get(caller.f_code)
        if special is _MODULE_CALL:
            module = caller.f_locals.get("self")
            if module is not None:
                function = _module_function_name(module)
                try:
                    site = _module_sites.get(module)
                except TypeError:  # a subclass that is not hashable
                    site = None
        elif special is not None:
            function = special
        if site is None:
            site = _user_site(caller)
            if site is None:
                return None
        mode = spec.mode(args, kwargs)
        tensor = args[0] if args else kwargs.get(spec.first_param)
        forwarded = _forwarding_callers(caller, spec, args, kwargs) if special is None else ()
        recorded = None
        with recorder.lock:
            stats = recorder.stats((site[0], site[1], function))
            stats.calls += 1
            if mode is not None:
                stats.modes.add(mode)
            if forwarded:
                callers = []
                for where in forwarded:
                    caller_stats = stats.caller(where)
                    if caller_stats is not None:
                        caller_stats.calls += 1
                        if mode is not None:
                            caller_stats.modes.add(mode)
                        callers.append(caller_stats)
                if callers:
                    recorded = _Several(stats, callers)
            if (
                type(tensor) in _plain_tensor_types
                and len(stats.shapes) < MAX_DISTINCT
                # torch.jit.trace would record the size reads in its graph
                and _tracing_state() is None
            ):
                stats.shapes.add(tensor.shape)
                stats.dtypes.add(tensor.dtype)
                stats.devices.add(tensor.device)
        return recorded or stats, mode
    except Exception as exc:
        recorder.error(f"recording a call of {spec.name}", exc)
        return None


class _Several:
    """A call's site and the call sites it was reached from through forwarding wrappers:
    the shadow run's outcome is recorded for each."""

    __slots__ = ("site", "callers")

    def __init__(self, site: _SiteStats, callers: list) -> None:
        self.site = site
        self.callers = callers

    def all(self) -> list:
        return [self.site, *self.callers]


# id(code) -> (code, parameters named like the flag, like the mode, all parameters), for the
# functions on a forwarding walk (keyed by id, kept alive by the entry: hashing a code
# object is costly); a function without a flag-like parameter is never a forwarding wrapper.
_forwarding_shapes: dict = {}


_walk_paths: dict = {}  # id(code) -> (code, what _classify says of its file)


def _walk_path(code):
    entry = _walk_paths.get(id(code))
    if entry is None or entry[0] is not code:
        entry = _walk_paths[id(code)] = (code, _classify(code.co_filename))
    return entry[1]


def _forwarding_shape(code) -> tuple:
    entry = _forwarding_shapes.get(id(code))
    if entry is None or entry[0] is not code:
        names = code.co_varnames[: code.co_argcount + code.co_kwonlyargcount]
        entry = _forwarding_shapes[id(code)] = (
            code,
            tuple(n for n in names if _is_flag_name(n)),
            tuple(n for n in names if _is_mode_name(n)),
            names,
        )
    return entry


def _is_flag_name(name: str) -> bool:
    return name == FLAG or name.endswith("corners")


def _is_mode_name(name: str) -> bool:
    return name == "mode" or name.endswith("_mode")


def _forwarding_callers(frame, spec: "_CallSpec", args: tuple, kwargs: dict) -> tuple:
    """The call sites a torch call was reached from through forwarding wrappers.

    ``frame`` calls torch. When it is a function whose ``align_corners`` parameter is
    the ``None`` torch received (passed on, not left out) and whose ``mode`` parameter is
    the very object torch received as its mode (not needed for grid_sample/affine_grid),
    the line that called it is a call site of a forwarding wrapper; the walk goes on
    through wrappers of wrappers, at most :data:`MAX_FORWARDING_DEPTH` frames, and stops
    at torch's or ac-fixer's own code. Never raises."""
    try:
        if _walk_path(frame.f_code) is None:
            return ()  # torch's or ac-fixer's own code calls torch
        position = spec.flag_position
        passed = (position is not None and len(args) > position) or spec.flag_keyword in kwargs
        if not passed:
            return ()  # the flag is left out: a fix at a caller could not reach torch
        mode = None
        if not spec.every_mode and spec.mode_position is not None:
            if len(args) > spec.mode_position:
                mode = args[spec.mode_position]
            elif spec.mode_keyword in kwargs:
                mode = kwargs[spec.mode_keyword]
            else:
                return ()  # torch's default mode: no caller passed it
        sites = []
        for _ in range(MAX_FORWARDING_DEPTH):
            _, flags, modes, names = _forwarding_shape(frame.f_code)
            if not flags:
                break
            local = frame.f_locals
            if not any(local.get(name, _UNSEEN) is None for name in flags):
                break  # the flag torch got (None) is not a parameter's: not passed on
            if mode is not None and not any(local.get(name, _UNSEEN) is mode for name in modes):
                # a wrapper's own name for the mode: exactly one parameter holds it
                if sum(1 for name in names if local.get(name, _UNSEEN) is mode) != 1:
                    break
            upper = frame.f_back
            if upper is None:
                break
            path = _walk_path(upper.f_code)
            if path is None:
                break  # called by torch or ac-fixer (nn.Module.__call__): not a user's call site
            sites.append((path, upper.f_lineno))
            frame = upper
        return tuple(sites)
    except Exception:
        return ()


def _shadow_possible(args: tuple, kwargs: dict, result) -> bool:
    """Whether a second computation can run unseen: plain tensors, eager, no capture."""
    torch = _torch
    plain = _plain_tensor_types
    if type(result) not in plain or result.is_meta:
        return False
    for value in (*args, *kwargs.values()):
        if isinstance(value, torch.Tensor) and type(value) not in plain:
            return False
    if _tracing_state() is not None or _special_modes_active():
        return False
    if result.is_cuda and torch.cuda.is_current_stream_capturing():
        return False
    return True


_SAME_SIZE_INT: dict = {}


def _bitwise_equal(a, b) -> bool:
    torch = _torch
    if type(b) is not type(a) or a.shape != b.shape or a.dtype != b.dtype or a.device != b.device:
        return False
    if a.is_floating_point():
        if not _SAME_SIZE_INT:
            _SAME_SIZE_INT.update({1: torch.uint8, 2: torch.int16, 4: torch.int32, 8: torch.int64})
        as_int = _SAME_SIZE_INT.get(a.element_size())
        if as_int is not None:
            a, b = a.view(as_int), b.view(as_int)
    return bool(torch.equal(a, b))


def _shadow(recorded: tuple, original, args: tuple, kwargs: dict, spec: "_CallSpec", result) -> None:
    """Compute the call again with align_corners=False and compare bitwise. Never raises."""
    recorder = _recorder
    stats, mode = recorded
    if not (recorder.shadow and spec.shadowed(mode)):
        return
    try:
        if not _shadow_possible(args, kwargs, result):
            return
    except Exception as exc:  # not checked: equal stays as it is
        recorder.error(f"shadow run of {spec.name}", exc)
        return
    try:
        position = spec.flag_position
        if position is not None and len(args) > position:
            args = args[:position] + (False,) + args[position + 1 :]
        else:
            kwargs = {**kwargs, spec.flag_keyword: False}
        _state.shadowing = True
        try:
            with _torch.no_grad():
                alternative = original(*args, **kwargs)
                same = _bitwise_equal(result.detach(), alternative)
        finally:
            _state.shadowing = False
    except Exception as exc:
        recorder.error(f"shadow run of {spec.name}", exc)
        same = False
    with recorder.lock:
        for each in stats.all() if isinstance(stats, _Several) else (stats,):
            each.equal = same and each.equal is not False


class _CallSpec:
    """Where a wrapped function takes its arguments (from the catalog)."""

    __slots__ = (
        "name", "flag_position", "mode_position", "default_mode", "every_mode", "first_param",
        "flag_keyword", "mode_keyword",
    )

    def __init__(self, target) -> None:
        self.name = target.name
        self.flag_position = target.flag_param.position if target.flag_param else None
        self.mode_position = target.mode_param.position if target.mode_param else None
        self.flag_keyword = target.flag_param.keyword if target.flag_param else FLAG
        self.mode_keyword = target.mode_param.keyword if target.mode_param else "mode"
        self.default_mode = target.default_mode
        self.every_mode = target.every_mode
        self.first_param = target.params[0] if target.params else ""

    def flag(self, args: tuple, kwargs: dict):
        position = self.flag_position
        if position is not None and len(args) > position:
            return args[position]
        return kwargs.get(self.flag_keyword)

    def mode(self, args: tuple, kwargs: dict) -> str | None:
        if self.mode_position is None:
            return None
        if len(args) > self.mode_position:
            mode = args[self.mode_position]
        else:
            mode = kwargs.get(self.mode_keyword, self.default_mode)
        if mode is None or isinstance(mode, str):
            return mode
        return str(mode)

    def shadowed(self, mode: str | None) -> bool:
        return self.every_mode or mode in _modes_using_flag


def _wrap_function(original, spec: _CallSpec):
    """The audited stand-in for a torch function.

    It runs with the globals of torch's module and reaches the audit only through its
    closure (names TorchScript will never look up): TorchScript resolves the names of
    torch's function body from the stand-in's globals and closure when it compiles the
    overloads of ``interpolate``. Everything else about scripting goes to torch's own
    function (``__prepare_scriptable__``).
    """
    _acf_audit = sys.modules[__name__]
    _acf_state = _state
    _acf_record_call = _record_call
    _acf_shadow = _shadow
    _acf_frame = sys._getframe
    _acf_original = original
    _acf_spec = spec

    def audited(*args, **kwargs):
        # First: under torch.compile this is a constant and the stand-in steps aside.
        if _acf_audit._passthrough() or _acf_state.busy or _acf_spec.flag(args, kwargs) is not None:
            return _acf_original(*args, **kwargs)
        _acf_state.busy = True
        try:
            recorded = _acf_record_call(_acf_frame(1), _acf_spec, args, kwargs)
            result = _acf_original(*args, **kwargs)
            if recorded is not None:
                _acf_shadow(recorded, _acf_original, args, kwargs, _acf_spec, result)
            return result
        finally:
            _acf_state.busy = False

    stand_in = types.FunctionType(
        audited.__code__, original.__globals__, original.__name__, None, audited.__closure__
    )
    functools.update_wrapper(stand_in, original)
    stand_in.__prepare_scriptable__ = lambda: original
    _wrapper_codes.add(audited.__code__)
    return stand_in


def _wrap_upsample_init(original_init):
    @functools.wraps(original_init)
    def audited_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        if _passthrough():
            return
        try:
            site = _user_site(sys._getframe(1))
            if site is not None:
                _module_sites[self] = site
        except TypeError:  # a subclass that is not hashable or weak-referenceable
            pass
        except Exception as exc:
            _recorder.error("recording an nn.Upsample construction", exc)

    return audited_init


class _WarningsShim(types.ModuleType):
    """Stands for the ``warnings`` module inside ``torch.nn.functional``.

    torch warns with ``stacklevel=2`` to point at its caller; a stand-in sits between
    torch and that caller, so :func:`_shim_warn` recomputes the stack level without the
    stand-in frames: the warning keeps the user's file and line (and so its filters and
    once-per-location registry). A module, with ``warn`` registered as TorchScript's
    builtin ``aten::warn``, so that TorchScript compiles torch's functions as before.
    """

    def __init__(self, real) -> None:
        super().__init__(real.__name__, real.__doc__)
        self._real = real
        self.warn = _shim_warn

    def __getattr__(self, name):
        return getattr(self._real, name)


def _shim_warn(message, category=None, stacklevel=1, source=None, **kwargs):
    real_warn = _real_warnings.warn
    if _dynamo_tracing():
        return real_warn(message, category, stacklevel + 1, source, **kwargs)
    if _state.shadowing:
        return None
    if stacklevel >= 1:
        try:
            frame = sys._getframe(1)
            depth = 1
            remaining = stacklevel - 1
            while remaining > 0 and frame is not None:
                frame = frame.f_back
                depth += 1
                if frame is not None and frame.f_code in _wrapper_codes:
                    continue
                remaining -= 1
            stacklevel = depth
        except Exception:  # pragma: no cover
            pass
        stacklevel += 1  # this function's own frame
    return real_warn(message, category, stacklevel, source, **kwargs)


_real_warnings: Any = None


def _install_warnings_shim(torch) -> None:
    global _real_warnings
    functional = torch.nn.functional
    real = getattr(functional, "warnings", None)
    if real is None or isinstance(real, _WarningsShim):
        return
    from torch.jit import _builtins

    _builtins._register_builtin(_shim_warn, "aten::warn")
    _real_warnings = real
    functional.warnings = _WarningsShim(real)


# --------------------------------------------------------------------------------------
# Installing the hooks, now or when torch gets imported
# --------------------------------------------------------------------------------------


def _default_catalog():
    """The catalog, imported from where the auditor found ac-fixer if need be (pipx)."""
    home = os.environ.get(ENV_HOME) if "ac_fixer" not in sys.modules else None
    added = bool(home) and home not in sys.path
    try:
        if added:
            sys.path.insert(0, home)
        from ac_fixer.catalog import default_catalog
    finally:
        if added and home in sys.path:
            sys.path.remove(home)
    return default_catalog()


def _patch_functional(functional) -> None:
    global _internal_prefixes, _modes_using_flag
    catalog = _default_catalog()
    _modes_using_flag = catalog.modes_using_flag
    # Code objects carry the file name the module was loaded under: keep it as is and absolute.
    files = (functional.__file__, os.path.abspath(functional.__file__))
    torch_dirs = {os.path.dirname(os.path.dirname(path)) + os.sep for path in files}
    _internal_prefixes = tuple(sorted({_PACKAGE_DIR + os.sep} | torch_dirs))
    prefix = _FUNCTIONAL
    for target in catalog.targets:
        if target.kind != "function" or not target.name.startswith(prefix):
            continue
        original = getattr(functional, target.name[len(prefix) :], None)
        if original is None or not hasattr(original, "__code__"):
            continue
        if target.audit == "wrap":
            setattr(functional, target.name[len(prefix) :], _wrap_function(original, _CallSpec(target)))
        else:
            # upsample, upsample_nearest, ...: torch calls interpolate for them.
            _caller_names[original.__code__] = target.name


def _library_hooks() -> list:
    """(module, callback) for the wrapped rows outside torch.nn.functional (a library's own
    resize: kornia's, ...): the callback wraps the row's functions once the module is loaded."""
    by_module: dict = {}
    for target in _default_catalog().audited("wrap"):
        if target.kind == "function" and not target.name.startswith(_FUNCTIONAL):
            module, _, attribute = target.name.rpartition(".")
            by_module.setdefault(module, []).append((attribute, target))

    def hook(rows):
        def patch(module) -> None:
            for attribute, target in rows:
                original = getattr(module, attribute, None)
                if original is not None and hasattr(original, "__code__"):
                    setattr(module, attribute, _wrap_function(original, _CallSpec(target)))

        return patch

    return [(module, hook(rows)) for module, rows in by_module.items()]


def _patch_upsampling(upsampling) -> None:
    upsample = upsampling.Upsample
    _caller_names[upsample.forward.__code__] = _MODULE_CALL
    upsample.__init__ = _wrap_upsample_init(upsample.__init__)


def _torch_loaded(torch) -> None:
    global _torch, _plain_tensor_types, _passthrough, _dynamo_tracing, _tracing_state, _special_modes_active
    _torch = torch
    _plain_tensor_types = frozenset((torch.Tensor, torch.nn.Parameter))
    C = torch._C
    _tracing_state = getattr(C, "_get_tracing_state", _nothing)
    function_mode_enabled = getattr(C, "_is_torch_function_mode_enabled", _never)
    dispatch_stack_depth = getattr(C, "_len_torch_dispatch_stack", None)
    interpreter_stack = getattr(getattr(C, "_functorch", None), "peek_interpreter_stack", _nothing)

    def special_modes_active() -> bool:
        return bool(
            function_mode_enabled()
            or (dispatch_stack_depth is not None and dispatch_stack_depth() > 0)
            or interpreter_stack() is not None
        )

    _special_modes_active = special_modes_active
    compiler = getattr(torch, "compiler", None)
    _passthrough = getattr(compiler, "is_compiling", None) or _never
    _dynamo_tracing = getattr(compiler, "is_dynamo_compiling", None) or _passthrough
    _install_warnings_shim(torch)
    _install_library_hooks()


_HOOKS = (
    ("torch.nn.functional", _patch_functional),
    ("torch.nn.modules.upsampling", _patch_upsampling),
    ("torch", _torch_loaded),  # last: torch finishes importing after its submodules
)


class _NotifyingLoader:
    """Runs a module's own loader, then a callback with the loaded module."""

    def __init__(self, loader, callback, watcher: "_TorchImportWatcher", name: str) -> None:
        self._loader = loader
        self._callback = callback
        self._watcher = watcher
        self._name = name

    def __getattr__(self, name):
        return getattr(self._loader, name)

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module) -> None:
        try:
            self._loader.exec_module(module)
        finally:
            module.__loader__ = self._loader
            if getattr(module, "__spec__", None) is not None:
                module.__spec__.loader = self._loader
        self._watcher.loaded(self._name, self._callback, module)


class _TorchImportWatcher:
    """A meta-path finder that patches torch modules right after they are executed."""

    def __init__(self, pending: dict) -> None:
        self.pending = pending

    def find_spec(self, fullname, path=None, target=None):
        callback = self.pending.get(fullname)
        if callback is None:
            return None
        for finder in sys.meta_path:
            if finder is self:
                continue
            find_spec = getattr(finder, "find_spec", None)
            if find_spec is None:
                continue
            spec = find_spec(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _NotifyingLoader(spec.loader, callback, self, fullname)
        return spec

    def loaded(self, name: str, callback, module) -> None:
        self.pending.pop(name, None)
        if not self.pending:
            try:
                sys.meta_path.remove(self)
            except ValueError:
                pass
        try:
            callback(module)
        except Exception as exc:
            _recorder.error(f"installing the hooks on {name}", exc)


def _install_hooks() -> None:
    _install(_HOOKS)


def _install_library_hooks() -> None:
    """The hooks on libraries' wrapped functions (catalog rows outside torch), installed once
    torch is loaded: the catalog is read then, as for torch's own functions (reading it at
    start would import ac_fixer before pytest can rewrite its plugin), and a library that
    wraps torch imports torch first."""
    try:
        hooks = _library_hooks()
    except Exception as exc:
        _recorder.error("reading the catalog's wrapped functions", exc)
        return
    _install(hooks)


def _install(hooks) -> None:
    pending = {}
    for name, callback in hooks:
        module = sys.modules.get(name)
        if module is None:
            pending[name] = callback
            continue
        try:
            callback(module)
        except Exception as exc:
            _recorder.error(f"installing the hooks on {name}", exc)
    if pending:
        sys.meta_path.insert(0, _TorchImportWatcher(pending))


def activate(*, shadow: bool = True) -> _Recorder:
    """Start recording in this process (idempotent); hooks wait for torch's import."""
    global _recorder
    if _recorder is None:
        _recorder = _Recorder(shadow)
        _install_hooks()
    return _recorder


def process_record() -> dict:
    """The raw record of this process so far (empty when the audit is not active)."""
    if _recorder is None:
        return _Recorder(False).snapshot()
    return _recorder.snapshot()


# --------------------------------------------------------------------------------------
# Audited child processes: started by _audit_boot/sitecustomize.py
# --------------------------------------------------------------------------------------


class _ProcessWriter:
    """Writes this process's raw record into the audit directory (atomically)."""

    def __init__(self, directory: str) -> None:
        self.directory = directory
        self.token = os.urandom(4).hex()

    def path(self) -> str:
        return os.path.join(self.directory, f"{os.getpid()}-{self.token}{RECORD_SUFFIX}")

    def mark_started(self) -> None:
        """Leave ``PID-TOKEN.started``: a process that never writes its record is then
        known to the auditor as lost (killed, ``os._exit``), not as one that saw nothing."""
        try:
            name = f"{os.getpid()}-{self.token}{STARTED_SUFFIX}"
            os.close(os.open(os.path.join(self.directory, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
        except OSError:
            pass

    def write(self, *_ignored) -> None:
        try:
            import json

            path = self.path()
            temporary = path + ".tmp"
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump(process_record(), handle)
            os.replace(temporary, path)
        except Exception:
            pass

    def after_fork_in_child(self) -> None:
        try:
            self.token = os.urandom(4).hex()
            if _recorder is not None:
                _recorder.reset_after_fork()
            # multiprocessing children end with os._exit after running their finalizers;
            # Process._bootstrap clears the finalizers, then runs the after-fork callbacks.
            mp_util = sys.modules.get("multiprocessing.util")
            if mp_util is not None:
                mp_util.register_after_fork(self, _register_exit_finalizer)
        except Exception:
            pass


def _register_exit_finalizer(writer: _ProcessWriter) -> None:
    import multiprocessing.util

    multiprocessing.util.Finalize(None, writer.write, exitpriority=-100)


_writer: _ProcessWriter | None = None


def _on_sigterm(signum, frame) -> None:
    """SIGTERM or SIGHUP (the auditor forwards both): write the record, then die of it."""
    if _writer is not None:
        _writer.write()
    signal.signal(signum, signal.SIG_DFL)
    os.kill(os.getpid(), signum)


# Signals that end a process without running atexit, handled when left at their default.
_RECORDED_SIGNALS = tuple(getattr(signal, name) for name in ("SIGTERM", "SIGHUP") if hasattr(signal, name))


def start_from_environment() -> None:
    """Activate the audit when ``AC_FIXER_AUDIT_DIR`` is set; called at interpreter start."""
    global _writer
    directory = os.environ.get(ENV_DIR)
    if not directory or _writer is not None:
        return
    activate(shadow=os.environ.get(ENV_SHADOW, "1") != "0")
    _writer = writer = _ProcessWriter(directory)
    writer.mark_started()
    atexit.register(writer.write)
    if hasattr(os, "register_at_fork"):
        os.register_at_fork(after_in_child=writer.after_fork_in_child)
    for signum in _RECORDED_SIGNALS:
        try:
            if threading.current_thread() is threading.main_thread() and signal.getsignal(signum) == signal.SIG_DFL:
                signal.signal(signum, _on_sigterm)
        except Exception:  # pragma: no cover - no signals on this platform / thread
            pass


# --------------------------------------------------------------------------------------
# The parent: run the command, merge the records, write the report
# --------------------------------------------------------------------------------------


def audit_environment(base: dict, directory: str, *, shadow: bool) -> dict:
    """The environment that makes every Python process started with it record its calls."""
    env = dict(base)
    env[ENV_DIR] = directory
    env[ENV_SHADOW] = "1" if shadow else "0"
    env[ENV_HOME] = os.path.dirname(_PACKAGE_DIR)
    existing = env.get("PYTHONPATH")
    env["PYTHONPATH"] = BOOT_DIR + os.pathsep + existing if existing else BOOT_DIR
    return env


def read_process_records(directory: str) -> list[dict]:
    import json

    records = []
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".json"):
            continue
        try:
            with open(os.path.join(directory, name), encoding="utf-8") as handle:
                records.append(json.load(handle))
        except (OSError, ValueError):
            continue
    return records


def _display_path(path: str, base_dir: str | None) -> str:
    if base_dir is None or path.startswith("<"):
        return path
    try:
        relative = os.path.relpath(path, base_dir)
    except ValueError:
        return path
    return path if relative.startswith(os.pardir) else relative


def _static_codes(path: str) -> list | None:
    """The static check's findings for a file, or None when unavailable."""
    try:
        from ac_fixer.api import check_file
    except ImportError:
        return None
    try:
        return list(check_file(path))
    except Exception:
        return None


_PRIMARY_CODES = ("ACF001", "ACF002", "ACF003", "ACF004")


def _static_code(findings: list | None, line: int, function: str) -> str | None:
    if not findings:
        return None
    here = [finding for finding in findings if getattr(finding, "line", None) == line]
    if not here:
        return None
    here.sort(
        key=lambda finding: (
            getattr(finding, "function", function) != function,
            finding.code not in _PRIMARY_CODES,
            finding.code,
        )
    )
    return here[0].code


def build_report(
    records: Iterable[dict], *, base_dir: str | None = None, progress: Callable[[int, int], None] | None = None
) -> list[dict]:
    """Merge raw process records into the report: one entry per site (docs/contract.md §4)."""
    from ac_fixer.catalog import default_catalog

    catalog = default_catalog()
    merged: dict[tuple[str, int, str], dict] = {}
    for record in records:
        for site in record.get("sites", ()):
            key = (site["path"], site["line"], site["function"])
            entry = merged.get(key)
            if entry is None:
                entry = merged[key] = {"calls": 0, "equal": None, "modes": set()}
                entry.update(shapes=set(), dtypes=set(), devices=set(), call_sites={})
            for caller in site.get("call_sites", ()):
                merged_caller = entry["call_sites"].setdefault(
                    (caller["path"], caller["line"]), {"calls": 0, "modes": set(), "equal": None}
                )
                merged_caller["calls"] += caller.get("calls", 0)
                merged_caller["modes"].update(caller.get("modes", ()))
                if caller.get("equal") is not None:
                    merged_caller["equal"] = caller["equal"] and merged_caller["equal"] is not False
            entry["calls"] += site.get("calls", 0)
            entry["modes"].update(site.get("modes", ()))
            entry["shapes"].update(tuple(shape) for shape in site.get("shapes", ()))
            entry["dtypes"].update(site.get("dtypes", ()))
            entry["devices"].update(site.get("devices", ()))
            equal = site.get("equal")
            if equal is not None:
                entry["equal"] = equal and entry["equal"] is not False

    findings_by_path: dict[str, list | None] = {}
    digests: dict[str, str | None] = {}

    def digest(path: str) -> str | None:
        if path not in digests:
            digests[path] = _file_digest(path)
        return digests[path]

    def proved(modes: list, equal, every_mode: bool) -> bool:
        takes_flag = every_mode or all(mode in catalog.modes_using_flag for mode in modes)
        return bool(takes_flag and equal is True)

    report = []
    for done, ((path, line, function), entry) in enumerate(sorted(merged.items()), 1):
        if progress is not None:
            progress(done, len(merged))
        if path not in findings_by_path:
            on_disk = not path.startswith("<") and os.path.isfile(path)
            findings_by_path[path] = _static_codes(path) if on_disk else None
        target = catalog.lookup(function)
        every_mode = bool(target and target.every_mode)
        modes = sorted(entry["modes"])
        modes_take_flag = every_mode or all(mode in catalog.modes_using_flag for mode in modes)
        report.append(
            {
                "path": _display_path(path, base_dir),
                "line": line,
                "function": function,
                "modes": modes,
                "calls": entry["calls"],
                "static_code": _static_code(findings_by_path[path], line, function),
                "equal": entry["equal"],
                "fixable": bool(modes_take_flag and entry["equal"] is True),
                "shapes": [list(shape) for shape in sorted(entry["shapes"])],
                "dtypes": sorted(entry["dtypes"]),
                "devices": sorted(entry["devices"]),
                "version": REPORT_VERSION,
                "sha256": digest(path),
                "call_sites": [
                    {
                        "path": _display_path(caller_path, base_dir),
                        "line": caller_line,
                        "calls": caller["calls"],
                        "modes": sorted(caller["modes"]),
                        "equal": caller["equal"],
                        "fixable": proved(sorted(caller["modes"]), caller["equal"], every_mode),
                        "sha256": digest(caller_path),
                    }
                    for (caller_path, caller_line), caller in sorted(entry["call_sites"].items())
                ],
            }
        )
    return report


def _file_digest(path: str) -> str | None:
    """SHA-256 of a site file's bytes as they are now (the report's ``sha256``): evidence
    applied later (``check --evidence``) only to the file the audit saw. None for code
    that is not a file (``<string>``, generated code) or a file that cannot be read."""
    import hashlib

    if path.startswith("<"):
        return None
    try:
        with open(path, "rb") as handle:
            return hashlib.sha256(handle.read()).hexdigest()
    except OSError:
        return None


def record_errors(records: Iterable[dict]) -> list[str]:
    errors = []
    for record in records:
        for message in record.get("errors", ()):
            errors.append(f"pid {record.get('pid')}: {message}")
    return errors


def format_audit_json(sites: Sequence[dict]) -> str:
    import json

    return json.dumps(list(sites), indent=2) + "\n"


def _rejecting_modes(site: dict) -> list[str]:
    from ac_fixer.catalog import default_catalog

    catalog = default_catalog()
    target = catalog.lookup(site["function"])
    if target is not None and target.every_mode:
        return []  # grid_sample/affine_grid: every mode takes the flag (nearest too)
    return [mode for mode in site["modes"] if mode in catalog.modes_rejecting_flag]


def format_audit_text(sites: Sequence[dict], *, nothing_recorded: str | None = None, lost: str | None = None) -> str:
    """The table and its summary. ``nothing_recorded``: why no process reported back (then
    there is no table); ``lost``: the processes whose records are missing."""
    notes = [f"Records lost: {lost}."] if lost else []
    if not sites:
        if nothing_recorded:
            return f"Nothing was recorded: {nothing_recorded}.\n"
        return "\n".join(["No call reached torch with align_corners unset.", *notes]) + "\n"
    header = ("SITE", "FUNCTION", "MODES", "CALLS", "STATIC", "EQUAL")
    rows = [header]
    for site in sites:
        equal = {True: "yes", False: "NO", None: "-"}[site["equal"]]
        rows.append(
            (
                f"{site['path']}:{site['line']}",
                site["function"],
                ",".join(site["modes"]) or "-",
                str(site["calls"]),
                site["static_code"] or "-",
                equal,
            )
        )
    widths = [max(len(row[column]) for row in rows) for column in range(len(header))]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)).rstrip() for row in rows]

    def where(selected: list[dict]) -> str:
        return ", ".join(f"{site['path']}:{site['line']}" for site in selected) or "none"

    # A wrapper's own torch call, every call of which came through the wrapper's callers,
    # is fixed at those callers (below), never inside the wrapper: there it would override
    # the value each caller passes.
    direct = [site for site in sites if sum(c["calls"] for c in site.get("call_sites", ())) < site["calls"]]
    safe = [site for site in direct if site["fixable"]]
    rejecting = [site for site in direct if _rejecting_modes(site)]
    differs = [site for site in sites if site["equal"] is False]
    unchecked = [site for site in sites if site["equal"] is None and not _rejecting_modes(site)]
    lines.append("")
    lines.append(
        f"Safe to fix with align_corners=False: {where(safe)}. "
        f"Seen with modes that reject the flag (nearest/area/nearest-exact), leave unset: {where(rejecting)}."
    )
    callers = [
        f"{caller['path']}:{caller['line']} (to {site['path']}:{site['line']}, {caller['calls']} "
        f"call{'s' if caller['calls'] != 1 else ''}, {','.join(caller['modes']) or '-'}"
        f"{', safe to fix' if caller.get('fixable') else ''})"
        for site in sites for caller in site.get("call_sites", ())
    ]
    if callers:
        lines.append(f"Calls through forwarding wrappers: {', '.join(callers)}.")
    if differs:
        lines.append(f"The shadow run with align_corners=False differed at: {where(differs)}.")
    if unchecked:
        lines.append(f"Not shadow-checked: {where(unchecked)}.")
    lines.extend(notes)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------
# The report file: checked before the command runs, written atomically after
# --------------------------------------------------------------------------------------


class ReportPathError(Exception):
    """The report cannot be written where asked; the message says why."""


class ReportFile:
    """A report path, checked before anything runs (:class:`ReportPathError`).

    A symlink is refused unless ``follow_symlink`` (then its target is written). A regular
    file (or a new one) is replaced atomically, keeping its mode bits; anything else that
    is not a folder (``/dev/null``, a FIFO) is written in place.
    """

    def __init__(self, path: str, *, follow_symlink: bool = False) -> None:
        import stat

        self.given = path
        self.path = path
        info = self._lstat(path)
        if info is not None and stat.S_ISLNK(info.st_mode):
            if not follow_symlink:
                raise ReportPathError(
                    f"the report path {path} is a symlink; not written through it "
                    "(name it with --follow-symlink to write the report where it points)"
                )
            self.path = os.path.realpath(path)
            info = self._lstat(self.path)
        if info is not None and stat.S_ISDIR(info.st_mode):
            raise ReportPathError(f"cannot write the report to {path}: it is a folder")
        self.in_place = info is not None and not stat.S_ISREG(info.st_mode)
        if self.in_place:
            if not os.access(self.path, os.W_OK):
                raise ReportPathError(f"cannot write the report to {path}: permission denied")
        else:
            try:  # the folder must take a new file: try it (then remove it) rather than guess
                os.close(self._create_temporary()[0])
                os.unlink(self._temporary)
            except OSError as exc:
                raise ReportPathError(f"cannot write the report to {path}: {exc.strerror or exc}") from None

    def _lstat(self, path: str):
        try:
            return os.lstat(path)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise ReportPathError(f"cannot write the report to {self.given}: {exc.strerror or exc}") from None

    def _create_temporary(self) -> tuple[int, str]:
        folder, name = os.path.split(os.path.abspath(self.path))
        self._temporary = os.path.join(folder, f".{name}.{os.urandom(4).hex()}.ac-fixer-tmp")
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)
        return os.open(self._temporary, flags, 0o666), self._temporary

    def write(self, text: str) -> None:
        """Write the report (raises OSError)."""
        data = text.encode("utf-8")
        if self.in_place:
            with open(self.path, "wb") as handle:
                handle.write(data)
            return
        try:
            mode = os.stat(self.path).st_mode & 0o7777
        except OSError:
            mode = None
        fd, temporary = self._create_temporary()
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
                if mode is not None:
                    os.chmod(temporary, mode)
            os.replace(temporary, self.path)
        except BaseException:
            try:
                os.unlink(temporary)
            except OSError:
                pass
            raise


# --------------------------------------------------------------------------------------
# The audit folder: one per run, named and marked with the auditor's pid
# --------------------------------------------------------------------------------------

AUDIT_FOLDER_PREFIX = "ac-fixer-audit-"
# "PID START NAMESPACE": the auditor's pid, when it started, and its pid namespace (a /tmp
# shared between containers holds folders whose pids mean nothing here: never judged).
_AUDITOR_FILE = "auditor"


def pid_namespace() -> str:
    try:
        return os.readlink("/proc/self/ns/pid").replace(" ", "")
    except (OSError, AttributeError):
        return "-"


def _process_start(pid: int) -> str:
    """When process ``pid`` started (Linux: clock ticks after boot, from /proc), or "-"."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()[19].decode("ascii")
    except (OSError, IndexError, UnicodeDecodeError):
        return "-"


def make_audit_folder() -> str:
    """A new private folder for the records of one run, marked with this process."""
    import tempfile

    pid = os.getpid()
    directory = tempfile.mkdtemp(prefix=f"{AUDIT_FOLDER_PREFIX}{pid}-")
    with open(os.path.join(directory, _AUDITOR_FILE), "w", encoding="ascii") as handle:
        handle.write(f"{pid} {_process_start(pid)} {pid_namespace()}\n")
    return directory


def _auditor_alive(pid: int, start: str) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: alive, another user's process
        pass
    now = _process_start(pid)
    return "-" in (start, now) or now == start  # another start time: the pid was reused


def remove_stale_audit_folders() -> list[str]:
    """Remove the audit folders that an auditor killed before it could clean up (SIGKILL)
    left in the temporary folder: only real folders of this user whose auditor file names
    a process that is gone. Returns the folders removed."""
    import shutil
    import stat
    import tempfile

    removed = []
    try:
        entries = list(os.scandir(tempfile.gettempdir()))
    except OSError:
        return removed
    uid = os.getuid() if hasattr(os, "getuid") else None
    for entry in entries:
        if not entry.name.startswith(AUDIT_FOLDER_PREFIX):
            continue
        try:
            info = entry.stat(follow_symlinks=False)
            if not stat.S_ISDIR(info.st_mode) or (uid is not None and info.st_uid != uid):
                continue
            flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
            fd = os.open(os.path.join(entry.path, _AUDITOR_FILE), flags)
            try:
                if not stat.S_ISREG(os.fstat(fd).st_mode):
                    continue
                pid_text, start, namespace = os.read(fd, 200).decode("ascii").split()
            finally:
                os.close(fd)
            pid = int(pid_text)
        except (OSError, ValueError, UnicodeDecodeError):
            continue  # not marked (yet): not ours to judge
        if namespace != pid_namespace() or _auditor_alive(pid, start):
            continue
        shutil.rmtree(entry.path, ignore_errors=True)
        removed.append(entry.path)
    return removed


def _process_marks(directory: str) -> tuple[set, set]:
    """(processes that started, processes that wrote their record), as ``PID-TOKEN``."""
    started, recorded = set(), set()
    for name in os.listdir(directory):
        if name.endswith(STARTED_SUFFIX):
            started.add(name[: -len(STARTED_SUFFIX)])
        elif name.endswith(RECORD_SUFFIX):
            recorded.add(name[: -len(RECORD_SUFFIX)])
    return started, recorded


# --------------------------------------------------------------------------------------
# Running the command
# --------------------------------------------------------------------------------------


class ChildRun:
    """How the command ended: exit code (128 + N for signal N), the signal, or why it
    could not be started; ``group``: the process group the command led (POSIX), or None."""

    __slots__ = ("exit_code", "signal", "error", "group")

    def __init__(self, exit_code: int, signal_number: int | None = None, error: str | None = None,
                 group: int | None = None) -> None:
        self.exit_code = exit_code
        self.signal = signal_number
        self.error = error
        self.group = group


def _exit_code(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def _signal_name(number: int) -> str:
    try:
        return f"signal {number} ({signal.Signals(number).name})"
    except ValueError:
        return f"signal {number}"


_PR_SET_PDEATHSIG = 1  # <linux/prctl.h>


def _load_prctl():
    """The C library's ``prctl`` on Linux (looked up before the fork), else None."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import ctypes

        return ctypes.CDLL(None, use_errno=True).prctl
    except (ImportError, OSError, AttributeError):
        return None


def _foreground_terminal() -> int | None:
    """A descriptor of the controlling terminal when this process group is its foreground."""
    try:
        fd = os.open("/dev/tty", os.O_RDWR | os.O_NOCTTY | getattr(os, "O_CLOEXEC", 0))
    except (OSError, AttributeError):
        return None
    try:
        if os.tcgetpgrp(fd) == os.getpgrp():
            return fd
    except OSError:
        pass
    os.close(fd)
    return None


def _give_terminal(fd: int, group: int) -> None:
    """Make ``group`` the terminal's foreground; SIGTTOU blocked, as a shell does, so that
    a process in a background group may do it without being stopped."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTTOU})
    try:
        os.tcsetpgrp(fd, group)
    except OSError:
        pass
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _child_setup(parent: int, terminal: int | None, prctl):
    """What the child does between fork and exec (``preexec_fn``).

    - Its own process group: a signal for the auditor (``kill -INT``, a CI runner's
      SIGTERM to the auditor's group) reaches the program exactly once, forwarded, and the
      auditor can signal the program together with its own subprocesses.
    - The terminal's foreground, when the auditor had it: the program reads the terminal
      and gets Ctrl-C / Ctrl-Z itself, as it does without the audit.
    - Linux: the parent-death signal (``prctl(PR_SET_PDEATHSIG, SIGKILL)``). Chosen over a
      watchdog process because the kernel delivers it even when the auditor dies by
      SIGKILL or crashes, with no extra process to manage; SIGKILL because the program
      must not outlive its auditor whatever handlers it installs (the orderly signals,
      SIGINT/SIGTERM/SIGHUP, are forwarded instead and give it its usual clean-up).
      Elsewhere there is no such signal: a program whose auditor was SIGKILLed keeps running.
    """

    def setup() -> None:
        os.setpgid(0, 0)
        if terminal is not None:
            _give_terminal(terminal, os.getpid())
        if prctl is not None:
            prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0)
            if os.getppid() != parent:  # the auditor died before prctl took effect
                os.kill(os.getpid(), signal.SIGKILL)

    return setup


_FORWARDED_SIGNALS = tuple(getattr(signal, name) for name in ("SIGINT", "SIGTERM", "SIGHUP") if hasattr(signal, name))
_JOB_CONTROL_STOPS = tuple(getattr(signal, name) for name in ("SIGTSTP", "SIGTTIN", "SIGTTOU") if hasattr(signal, name))


def _wait(process, terminal: int | None) -> int:
    """Wait for the command; with a terminal, follow job control: when the program is
    stopped at the terminal (Ctrl-Z), stop too (the shell sees the job stopped), and on
    ``fg``/``bg`` continue it."""
    if terminal is None:
        return process.wait()
    while True:
        _, status = os.waitpid(process.pid, os.WUNTRACED)
        if os.WIFSTOPPED(status):
            if os.WSTOPSIG(status) in _JOB_CONTROL_STOPS:
                _give_terminal(terminal, os.getpgrp())
                os.kill(os.getpid(), signal.SIGSTOP)
                if os.tcgetpgrp(terminal) == os.getpgrp():  # fg (not bg): the terminal is back
                    _give_terminal(terminal, process.pid)
                try:
                    os.killpg(process.pid, signal.SIGCONT)
                except OSError:
                    pass
            continue
        process.returncode = os.waitstatus_to_exitcode(status)
        return process.returncode


def run_child(command: list[str], env: dict) -> ChildRun:
    """Run the command in its own process group; forward SIGINT/SIGTERM/SIGHUP to it."""
    import subprocess

    posix = os.name == "posix"
    main_thread = threading.current_thread() is threading.main_thread()
    running: list = []
    pending: list = []

    def forward(signum, frame):
        if not running:
            pending.append(signum)  # not started yet: delivered once it is
            return
        process = running[0]
        try:
            if posix:
                os.killpg(process.pid, signum)
            else:
                process.send_signal(signum)
        except OSError:
            try:  # the program left its process group
                process.send_signal(signum)
            except OSError:
                pass

    previous = {}
    if main_thread:
        for signum in _FORWARDED_SIGNALS:
            try:
                # An ignored signal stays ignored, for the program too (nohup, `cmd &` in a script).
                if signal.getsignal(signum) != signal.SIG_IGN:
                    previous[signum] = signal.signal(signum, forward)
            except (OSError, ValueError):
                pass
    terminal = _foreground_terminal() if posix and main_thread else None
    try:
        # The parent-death signal is sent when the thread that forked ends: only from the main thread.
        setup = _child_setup(os.getpid(), terminal, _load_prctl() if main_thread else None) if posix else None
        try:
            process = subprocess.Popen(command, env=env, preexec_fn=setup)
        except (OSError, subprocess.SubprocessError) as exc:
            sys.stderr.write(f"ac-fixer audit: cannot run {command[0]!r}: {exc}\n")
            code = 127 if isinstance(exc, FileNotFoundError) else 126
            return ChildRun(code, error=f"cannot run {command[0]!r}: {exc}")
        running.append(process)
        for signum in pending:
            forward(signum, None)
        returncode = _wait(process, terminal)
        return ChildRun(_exit_code(returncode), -returncode if returncode < 0 else None,
                        group=process.pid if posix else None)
    finally:
        if terminal is not None:
            _give_terminal(terminal, os.getpgrp())
            os.close(terminal)
        for signum, handler in previous.items():
            signal.signal(signum, handler)


def _pids(names: Iterable[str]) -> str:
    return ", ".join(name.split("-", 1)[0] for name in sorted(names))


def _process_alive(pid: int) -> bool:
    """Whether the process ``pid`` runs: a zombie (ended, not yet reaped: an orphan waits
    for the system's first process to reap it, which may take seconds) does not."""
    state = _proc_stat(pid)
    if state is not None:
        return state[0] != b"Z"
    return _reached(os.kill, pid)


def _reached(send, target: int) -> bool:
    """Whether signal 0 sent by ``send`` (os.kill, os.killpg) finds ``target`` (one that is
    not ours to signal exists too)."""
    try:
        send(target, 0)
    except ProcessLookupError:
        return False
    except OSError:
        pass
    return True


def _proc_stat(pid) -> list | None:
    """The fields of /proc/PID/stat after the command's name (state, parent, process
    group, ...), or None where there is no such file (not Linux, or no such process)."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            return handle.read().rsplit(b")", 1)[1].split()
    except (OSError, IndexError):
        return None


# How long the auditor waits, once the command has ended, for the records of audited
# processes that are still running (a multiprocessing forkserver or resource tracker ends
# when its parent has gone, and writes its record then).
LINGER_SECONDS = 2.0


def settle(directory: str, timeout: float = LINGER_SECONDS, group: int | None = None) -> tuple[set, set, set]:
    """(started, recorded, still running) once every started process has written its
    record, has gone, or ``timeout`` has passed. ``group``: the command's process group,
    waited for too while a process of it runs: a child the command started as it ended
    may not have marked its start yet (it would be neither read nor named)."""
    import time

    deadline = time.monotonic() + timeout
    while True:
        started, recorded = _process_marks(directory)
        running = {name for name in started - recorded if _process_alive(int(name.split("-", 1)[0]))}
        if (not running and (group is None or not _group_alive(group))) or time.monotonic() >= deadline:
            return started, recorded, running
        time.sleep(0.05)


def _group_alive(group: int) -> bool:
    """Whether a process of the process group ``group`` runs (a zombie does not: see
    _process_alive); where /proc cannot tell, whether the group exists."""
    try:
        pids = [entry for entry in os.listdir("/proc") if entry.isdigit()] if os.path.isdir("/proc/self") else None
    except OSError:
        pids = None
    if pids is None:
        return _reached(os.killpg, group)
    wanted = str(group).encode()
    for pid in pids:
        fields = _proc_stat(pid)  # state, parent, process group, ...
        if fields is not None and len(fields) > 2 and fields[2] == wanted and fields[0] != b"Z":
            return True
    return False


def lost_records(
    run: ChildRun, started: set, recorded: set, records: list, running: set = frozenset()
) -> tuple[str | None, str | None]:
    """(why nothing was recorded, or None; whose records are missing, or None)."""
    if run.error:
        return f"the command could not be started ({run.error})", None
    how = f"the command was killed by {_signal_name(run.signal)}" if run.signal else "killed, or ended with os._exit"
    if not records and not started:
        return (
            "the command started no audited Python process (Python started with -I, -E or -S, or "
            f"without the PYTHONPATH and {ENV_DIR} it was given, is not audited)"
            + (f"; {how}" if run.signal else ""),
            None,
        )
    gone = started - recorded - running
    parts = []
    if gone:
        record = "its record" if len(gone) == 1 else "their records"
        parts.append(f"{len(gone)} ended without writing {record} (pid {_pids(gone)}; {how})")
    if running:
        were = "was" if len(running) == 1 else "were"
        parts.append(f"{len(running)} {were} still running when the command ended (pid {_pids(running)})")
    missing = " and ".join(parts)
    processes = "process" if len(started) == 1 else "processes"
    if not records:
        return f"of {len(started)} audited Python {processes}, {missing}", None
    if not parts:
        return None, None
    return None, (
        f"{len(gone) + len(running)} of {len(started)} audited Python {processes} wrote no record: {missing}; "
        "the calls they made are missing from this report"
    )


def run_audit(
    command: list[str], *, output: str | None, output_format: str, shadow: bool, follow_symlink: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Run ``command`` with the audit on; write the report; return the command's exit code.

    The report path is checked before the command runs (exit 2 when it cannot be written,
    or is a symlink without ``follow_symlink``); a write that still fails at the end puts
    the report on stdout and keeps the command's exit code.
    """
    import shutil

    if not command:
        sys.stderr.write("ac-fixer audit: no command given (usage: ac-fixer audit -- COMMAND...)\n")
        return 2
    try:
        target = ReportFile(output, follow_symlink=follow_symlink) if output else None
    except ReportPathError as exc:
        sys.stderr.write(f"ac-fixer audit: {exc}\n")
        return 2
    remove_stale_audit_folders()
    directory = make_audit_folder()
    try:
        run = run_child(list(command), audit_environment(os.environ, directory, shadow=shadow))
        started, recorded, running = settle(directory, group=run.group)
        records = read_process_records(directory)
    finally:
        shutil.rmtree(directory, ignore_errors=True)
    for message in record_errors(records):
        sys.stderr.write(f"ac-fixer audit: internal error recorded ({message})\n")
    nothing_recorded, lost = lost_records(run, started, recorded, records, running)
    if nothing_recorded and not run.error:
        sys.stderr.write(f"ac-fixer audit: nothing was recorded: {nothing_recorded}\n")
    if lost:
        sys.stderr.write(f"ac-fixer audit: records lost: {lost}\n")
    sites = build_report(records, base_dir=os.getcwd(), progress=progress)
    if output_format == "json":
        text = format_audit_json(sites)
    else:
        text = format_audit_text(sites, nothing_recorded=nothing_recorded, lost=lost)
    if target is not None:
        try:
            target.write(text)
            return run.exit_code
        except OSError as exc:
            sys.stderr.write(
                f"ac-fixer audit: cannot write the report to {output}: {exc.strerror or exc}; it follows on stdout\n"
            )
    try:
        sys.stdout.write(text)
        sys.stdout.flush()
    except OSError:  # the terminal is gone (SIGHUP): the exit code still tells
        pass
    return run.exit_code
