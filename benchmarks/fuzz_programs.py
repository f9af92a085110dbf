"""Random Python programs that call the catalogued torch APIs in every way we could think of
(import styles, aliases, partial, positional and keyword arguments, literal forms, contexts such
as dead code, annotations, f-strings, match, decorators; CRLF, tabs, form feeds, latin-1, NFKC
spellings). Used by ``fuzz_screens.py``; a program may not parse (the runner skips those).

``Gen(seed).program()`` returns the bytes of one program; the same seed gives the same program.
"""

import random

FUNCS = {  # short: params
    "interpolate": ["input", "size", "scale_factor", "mode", "align_corners", "recompute_scale_factor", "antialias"],
    "upsample": ["input", "size", "scale_factor", "mode", "align_corners"],
    "grid_sample": ["input", "grid", "mode", "padding_mode", "align_corners"],
    "affine_grid": ["theta", "size", "align_corners"],
    "upsample_bilinear": ["input", "size", "scale_factor"],
    "upsample_nearest": ["input", "size", "scale_factor"],
}
CLASSES = {
    "Upsample": ["size", "scale_factor", "mode", "align_corners", "recompute_scale_factor"],
    "UpsamplingBilinear2d": ["size", "scale_factor"],
    "UpsamplingNearest2d": ["size", "scale_factor"],
}
USER = {"resize": ["x", "how", "corners"]}  # mypkg.ops.resize: mode-position 1 kw 'how', flag pos 2 kw 'corners'

MODES = ['"bilinear"', "'nearest'", '"bi" "linear"', '"near" "est"', 'f"bilinear"', 'b"bilinear"', "None", "1",
         "MODE", "MODE", "LOCAL_MODE", '"bicubic" if c else "nearest"', '"bilinear" if c else MODE',
         '"nearest" if c else "area"', "self.mode", 'cfg["mode"]', '("nearest")', '"lanczos"', '"area"',
         '"nearest-exact"', '"trilinear"', 'u"bilinear"', 'r"nearest"', '"""bilinear"""', '"\\x62ilinear"',
         '"bi\\\nlinear"', '"linear"', "mode", "M2", "(MODE)", '"bicubic"', "'bilinear' 'x'", "f'{MODE}'"]
FLAGS = ["True", "False", "None", "0", "1", "1.0", "-0", "+1", "--1", "(True)", "FLAG", "flag",
         "True if c else False", "1j", "not 0", "~0", "0x1", "0.0", "x.flag", "(None)", "LOCAL_FLAG", "-True"]

HEADS = ["F", "torch", "nn", "functional", "NF", "interpolate", "grid_sample", "Upsample", "resize", "partial",
         "functools", "up", "P", "MODE"]


class Gen:
    def __init__(self, seed, user=False):
        self.r = random.Random(seed)
        self.user = user
        self.top = []       # module-level chunks
        self.n = 0

    def fresh(self, base="u"):
        self.n += 1
        return f"{base}{self.n}"

    def pick(self, seq):
        return self.r.choice(seq)

    # ---------------------------------------------------------------- callee
    def callee(self):
        """(imports:list[str], callee_expr, params)"""
        r = self.r
        kinds = ["func"] * 6 + ["class"] * 2 + (["user"] * 3 if self.user else [])
        kind = self.pick(kinds)
        if kind == "func":
            f = self.pick(list(FUNCS))
            params = FUNCS[f]
            styles = [
                ("import torch", f"torch.nn.functional.{f}"),
                ("import torch.nn.functional", f"torch.nn.functional.{f}"),
                ("import torch.nn.functional as F", f"F.{f}"),
                ("import torch.nn as nn", f"nn.functional.{f}"),
                ("from torch import nn", f"nn.functional.{f}"),
                ("from torch.nn import functional", f"functional.{f}"),
                ("from torch.nn import functional as NF", f"NF.{f}"),
                (f"from torch.nn.functional import {f}", f),
                (f"from torch.nn.functional import {f} as A{f}", f"A{f}"),
                ("from torch.nn.functional import *", f),
                ("from torch.nn.functional import (interpolate, grid_sample,\n    affine_grid, upsample)", f if f in ("interpolate", "grid_sample", "affine_grid", "upsample") else f"torch.nn.functional.{f}"),
                (f"import torch.nn.functional.{f} as D{f}", f"D{f}"),
                ("import torch.nn.functional as F\nG = F", f"G.{f}"),
                ("import torch\nTF = torch.nn.functional", f"TF.{f}"),
                ("import torch as T", f"T.nn.functional.{f}"),
                ("from torch import *", f"nn.functional.{f}"),
            ]
        elif kind == "class":
            f = self.pick(list(CLASSES))
            params = CLASSES[f]
            styles = [
                ("import torch", f"torch.nn.{f}"),
                ("import torch", f"torch.nn.modules.{f}"),
                ("import torch", f"torch.nn.modules.upsampling.{f}"),
                ("from torch import nn", f"nn.{f}"),
                ("import torch.nn as nn", f"nn.{f}"),
                (f"from torch.nn import {f}", f),
                (f"from torch.nn import {f} as C{f}", f"C{f}"),
                (f"from torch.nn.modules.upsampling import {f}", f),
                ("from torch.nn.modules import upsampling", f"upsampling.{f}"),
                ("from torch.nn import *", f),
                ("from torch.nn.modules.upsampling import *", f),
            ]
        else:
            f = "resize"
            params = USER[f]
            styles = [
                ("from mypkg.ops import resize", "resize"),
                ("import mypkg.ops as ops", "ops.resize"),
                ("from mypkg import ops", "ops.resize"),
                ("from mypkg.ops import resize as rz", "rz"),
                ("import mypkg", "mypkg.ops.resize"),
            ]
        imp, expr = self.pick(styles)
        imports = [imp]
        # aliasing by assignment
        roll = r.random()
        if roll < 0.12:
            a = self.pick(["up", "resize2", "gs", "\u00e9up", "fn"])
            form = self.pick(["{a} = {e}", "{a}: object = {e}", "{a} = {a}_0 = {e}", "{a}_0 = {e}\n{a} = {a}_0",
                              "{a}, _z = {e}, 1", "({a} := {e})", "{a} = ({e})"])
            imports.append(form.format(a=a, e=expr))
            expr = a
        return kind, f, imports, expr, params

    # ---------------------------------------------------------------- args
    def args(self, kind, f, params):
        r = self.r
        mode_i = params.index("mode") if "mode" in params else (1 if kind == "user" else None)
        flag_i = params.index("align_corners") if "align_corners" in params else (2 if kind == "user" else None)
        mode_kw = "how" if kind == "user" else "mode"
        flag_kw = "corners" if kind == "user" else "align_corners"
        pos = []
        kws = []
        first = params[0] if params else None
        filler = {"input": "x", "size": "None", "scale_factor": "2", "grid": "g", "theta": "th", "x": "x",
                  "padding_mode": '"zeros"', "recompute_scale_factor": "None", "antialias": "False", "how": '"nearest"'}
        npos = 0
        if kind != "class":
            pos.append("x" if first != "theta" else "th")
            npos = 1
        mode = self.pick(MODES) if (mode_i is not None and r.random() < 0.8) else None
        flag = self.pick(FLAGS) if (flag_i is not None and r.random() < 0.6) else None
        # if mode_i given positionally, fill positions
        if mode is not None and r.random() < 0.35:
            while npos < mode_i:
                pos.append(filler.get(params[npos], "None") if npos < len(params) else "None")
                npos += 1
            pos.append(mode)
            npos += 1
            if flag is not None and r.random() < 0.5 and flag_i == npos:
                pos.append(flag)
                npos += 1
                flag = None
            elif flag is not None and r.random() < 0.3:
                while npos < flag_i:
                    pos.append(filler.get(params[npos], "None"))
                    npos += 1
                if npos == flag_i:
                    pos.append(flag)
                    npos += 1
                    flag = None
        elif mode is not None:
            kws.append(f"{mode_kw}={mode}")
        if flag is not None:
            kws.append(f"{flag_kw}={flag}")
        elif flag_i is not None and r.random() < 0.2:
            # flag positional without mode positional
            while npos < flag_i:
                pos.append(filler.get(params[npos], "None") if npos < len(params) else "None")
                npos += 1
            pos.append(self.pick(FLAGS))
        if kind == "class" and not pos and not kws:
            kws.append("scale_factor=2")
        if r.random() < 0.5 and kind != "class" and "scale_factor" in params and not any(k.startswith("scale_factor") for k in kws) and len(pos) <= 2:
            kws.insert(0, "scale_factor=2")
        if r.random() < 0.05:
            kws = [k.replace("align_corners=", "align_\uff43orners=").replace("mode=", "\uff4dode=") for k in kws]
        r.shuffle(kws)
        if r.random() < 0.12:
            pos.insert(r.randint(0, len(pos)), "*args")
        if r.random() < 0.12:
            kws.append("**kw")
        return ", ".join(pos + kws)

    # ---------------------------------------------------------------- one call, placed
    def call_text(self):
        kind, f, imports, expr, params = self.callee()
        a = self.args(kind, f, params)
        r = self.r
        if r.random() < 0.15:
            # partial
            pstyle = self.pick([
                ("import functools", "functools.partial"),
                ("import functools as ft", "ft.partial"),
                ("from functools import partial", "partial"),
                ("from functools import partial as PP", "PP"),
                ("import functools\nPP = functools.partial", "PP"),
                ("import functools\nPP: object = functools.partial", "PP"),
                ("from functools import partial\nPP = partial", "PP"),
                ("from functools import *", "partial"),
                ("import functools\nP0 = functools.partial\nPP = P0", "PP"),
            ])
            imports.append(pstyle[0])
            call = f"{pstyle[1]}({expr}{', ' + a if a else ''})"
        else:
            call = f"{expr}({a})"
        return imports, call

    def unrelated(self, indent=""):
        name = self.pick(["helper", "other", "h\u00e9lper", "compute", "load", "MODE", "F", "flag"]) + str(self.r.randint(0, 99))
        body = self.pick([
            "return a + b",
            "z = [i for i in range(3)]\n    return z",
            "def inner():\n        return 1\n    return inner()",
            "if a:\n        return 1\n    else:\n        return 2",
            "s = 'interp' + 'olate'\n    return s",
            "try:\n        pass\n    except Exception:\n        pass",
            "x = lambda q: q\n    return x",
            "MODE = 'nearest'\n    return MODE",
        ])
        deco = self.pick(["", "", "@staticmethod\n", "@property\n", "@decorator(\n    1)\n"])
        if deco and indent == "":
            deco = self.pick(["", "@decorator\n", "@decorator(\n    1)\n"])
        if self.r.random() < 0.2:
            text = f"{deco}class {name.capitalize()}(object):\n    x = 1\n\n    def m(self, a, b):\n        return a\n"
        else:
            text = f"{deco}def {name}(a, b=1):\n    {body}\n"
        return "".join(indent + l if l else l for l in text.splitlines(True))

    def place(self, call, local_imports):
        """Wrap a call in a random context; returns module-level text."""
        r = self.r
        ctx = self.pick(["module", "func", "func", "method", "nested", "lambda", "comp", "decorator", "default",
                         "classbody", "fstring", "dead", "annot_mod", "annot_func", "after_return", "try", "with",
                         "match", "async", "global_alias", "ifexp", "nonlocal", "shadow_param", "shadow_local",
                         "del", "genexp_first", "dead_def", "dead_lambda", "dead_class", "match_guard",
                         "func_in_class_in_func", "try_import", "star_in_call_mode", "dict_kw",
                         # layouts the screen's group splitter must follow (issue 17)
                         "col0_string", "col0_bracket", "backslash", "main_block", "nested_class",
                         "method_alias", "global_alias_elsewhere", "self_alias", "decorated_class",
                         "class_clause", "class_comment", "one_line_class", "glued_keyword"])
        li = local_imports
        def fn(body_lines, head="def f(x, g, th, c, flag, mode, cfg, args, kw):", ind="    "):
            return head + "\n" + "".join(ind + l + "\n" for l in body_lines)
        imps_in = list(li)
        if ctx == "module":
            return "\n".join(imps_in + [f"y = {call}"]) + "\n"
        if ctx in ("func", "shadow_param", "shadow_local", "del"):
            body = []
            head = "def f(x, g, th, c, flag, mode, cfg, args, kw):"
            if r.random() < 0.3:
                body += [l for b in imps_in for l in b.split("\n")]
            else:
                self.top.extend(imps_in)
            if ctx == "shadow_param":
                head = f"def f(x, g, th, c, flag, mode, cfg, args, kw, {self.pick(['F', 'torch', 'nn', 'interpolate', 'up', 'functional', 'Upsample', 'MODE', 'partial', 'PP'])}=None):"
            if ctx == "shadow_local":
                body.append(f"{self.pick(['F', 'torch', 'nn', 'interpolate', 'up', 'functional', 'Upsample', 'MODE', 'partial', 'PP', 'LOCAL_MODE'])} = {self.pick(['None', '1', 'x', 'g.h'])}")
            if ctx == "del":
                body.append(f"del {self.pick(['F', 'torch', 'nn', 'interpolate', 'up', 'MODE', 'PP'])}")
            if r.random() < 0.4:
                body.append(f"LOCAL_MODE = {self.pick(MODES[:8])}")
            if r.random() < 0.2:
                body.append(f"LOCAL_FLAG = {self.pick(FLAGS[:6])}")
            body.append(f"y = {call}")
            body.append("return y")
            return fn(body, head)
        self.top.extend(imps_in)
        if ctx == "method":
            return "class Net(object):\n    mode = 'bilinear'\n\n    def forward(self, x, g, th, c, flag, mode, cfg, args, kw):\n        y = " + call + "\n        return y\n"
        if ctx == "nested":
            return "def outer(x, g, th, c, flag, cfg, args, kw):\n    mode = 'nearest'\n    def inner(z):\n        return " + call + "\n    return inner\n"
        if ctx == "nonlocal":
            return "def outer(x, g, th, c, flag, cfg, args, kw):\n    mode = 'nearest'\n    def inner(z):\n        nonlocal mode\n        mode = 'bilinear'\n        return " + call + "\n    return inner\n"
        if ctx == "lambda":
            return f"h = lambda x, g=None, th=None: {call}\n"
        if ctx == "comp":
            return f"ys = [{call} for x in xs]\n"
        if ctx == "genexp_first":
            return f"ys = list(z for z in [{call}])\n"
        if ctx == "decorator":
            return f"@{call}\ndef decorated(a):\n    return a\n"
        if ctx == "default":
            return f"def withdefault(a, b={call}):\n    return a\n"
        if ctx == "classbody":
            return f"class Holder:\n    MODE = 'nearest'\n    y = {call}\n"
        if ctx == "fstring":
            return f"s = f\"{{{call.replace(chr(34), chr(39))}}}\"\n" if '"' not in call or "'" not in call else f"y = {call}\n"
        if ctx == "dead":
            return f"if 0:\n    y = {call}\n"
        if ctx == "annot_mod":
            return f"y: {call} = 1\n"
        if ctx == "annot_func":
            return f"def annotated(x, g, th, c, flag, cfg, args, kw):\n    y: {call} = 1\n    return y\n"
        if ctx == "after_return":
            return f"def f2(x, g, th, c, flag, cfg, args, kw):\n    return 1\n    y = {call}\n"
        if ctx == "try":
            return f"try:\n    y = {call}\nexcept Exception:\n    pass\nelse:\n    pass\n"
        if ctx == "with":
            return f"with ctx() as cm:\n    y = {call}\n"
        if ctx == "match":
            return f"match cmd:\n    case [a, *rest]:\n        y = {call}\n    case _:\n        pass\n"
        if ctx == "async":
            return f"async def af(x, g, th, c, flag, cfg, args, kw):\n    async with ctx():\n        y = await {call}\n"
        if ctx == "global_alias":
            return f"def setup():\n    global y\n    y = {call}\n"
        if ctx == "dead_def":
            return f"if False:  # ctx:deadnested\n    def dd(x, g, th, c, flag, cfg, args, kw):\n        return {call}\n"
        if ctx == "dead_lambda":
            return f"if 0:  # ctx:deadnested\n    h = lambda x: {call}\n"
        if ctx == "dead_class":
            return f"while 0:  # ctx:deadnested\n    class DC:\n        y = {call}\n"
        if ctx == "match_guard":
            return f"match cmd:\n    case {{'k': v}} if {call}:\n        pass\n"
        if ctx == "func_in_class_in_func":
            return f"def mk():\n    class K:\n        def m(self, x, g, th, c, flag, cfg, args, kw):\n            return {call}\n    return K\n"
        if ctx == "try_import":
            return f"try:\n    import torch.nn.functional as F\nexcept ImportError:\n    F = None\ny = {call}\n"
        if ctx == "star_in_call_mode":
            return f"y = {call.replace('(', '(*pre, ', 1)}\n"
        if ctx == "dict_kw":
            return f"y = {call.replace('(', '(**{{}}, ', 1) if False else call}\n"
        callee, paren, rest = call.partition("(")
        if ctx == "col0_string":
            return ('s = """\nclass Fake:\ndef g():\n    pass\n""" + \'\'\'\n)\n\'\'\'\n'
                    f"y = {call}\n")
        if ctx == "col0_bracket":
            return self.pick([f"y = (\n{call}\n)\n", f"ys = [\n1,\n{call},\n]\n",
                              f"def fb(x, g, th, c, flag, cfg, args, kw):\n    return [\n{call}]\n"])
        if ctx == "backslash":
            return self.pick([f"y = 0 or \\\n{call}\n", f"y = \\\n    {call}\n",
                              f"def fs(x, g, th, c, flag, cfg, args, kw):\n    y = 1 + \\\n{call}\n    return y\n"])
        if ctx == "main_block":
            return f'if __name__ == "__main__":\n    y = {call}\nelse:\n    pass\n'
        if ctx == "nested_class":
            return ("class Outer:\n    class Inner:\n        def m(self, x, g, th, c, flag, mode, cfg, args, kw):\n"
                    f"            return {call}\n\n    def other(self):\n        return 1\n")
        if ctx == "method_alias" and paren:
            return ("class Net2:\n    def setup(self):\n        global upm\n        upm = " + callee + "\n\n"
                    "    def forward(self, x, g, th, c, flag, mode, cfg, args, kw):\n        return upm(" + rest + "\n")
        if ctx == "global_alias_elsewhere" and paren:
            return ("def bind():\n    global upg\n    upg = " + callee + "\n\n\n"
                    "def use(x, g, th, c, flag, mode, cfg, args, kw):\n    return upg(" + rest + "\n")
        if ctx == "self_alias" and paren:
            return ("class Net3:\n    def __init__(self):\n        self.ups = " + callee + "\n\n"
                    "    def forward(self, x, g, th, c, flag, mode, cfg, args, kw):\n        return self.ups(" + rest + "\n")
        if ctx == "decorated_class":
            return ("@decorator(\n1)\nclass D(\n    object):\n    '''doc\n'''\n    @staticmethod\n"
                    f"    def m(x, g, th, c, flag, mode, cfg, args, kw):\n        return {call}\n")
        if ctx == "class_clause":
            return f"class E:\n    if c:\n        y = 1\n    else:\n        y = {call}\n    z = 2\n"
        if ctx == "class_comment":
            return ("class Q:\n    x = 1\n# a comment at column 0\n    def m(self, x, g, th, c, flag, mode, cfg, args, kw):\n"
                    f"        return {call}\n")
        if ctx == "one_line_class":
            return f"class O: y = {call}\n"
        if ctx == "glued_keyword":
            return f'if"a" in s: y = {call}\n'
        if ctx == "ifexp":
            return f"y = 1 if 1 else {call}\n"
        return f"y = {call}\n"

    def program(self):
        r = self.r
        chunks = []
        ncalls = r.randint(1, 3)
        for _ in range(r.randint(0, 2)):
            chunks.append(self.unrelated())
        if r.random() < 0.6:
            chunks.append(f"MODE = {self.pick(MODES[:8] + ['MODE2', 'pick()'])}\n")
        if r.random() < 0.2:
            chunks.append("M2 = MODE\n")
        if r.random() < 0.3:
            chunks.append(f"FLAG = {self.pick(FLAGS[:6])}\n")
        if r.random() < 0.1:
            chunks.append("MODE = 'nearest'\n")
        for _ in range(ncalls):
            imports, call = self.call_text()
            if r.random() < 0.15:
                call += self.pick(["  # noqa", "  # noqa: ACF001", "  # noqa: ACF003", "  # NOQA:ACF101,ACF102"])
                call = call  # comment inside expression contexts may break: parse check filters
            chunks.append(self.place(call, imports))
            for _ in range(r.randint(0, 2)):
                chunks.append(self.unrelated())
        if r.random() < 0.2:
            chunks.append(self.pick(["F = None\n", "del F\n", "interpolate = 3\n", "import torch.nn.functional as F\n",
                                     "torch = None\n", "MODE = 'bilinear'\n", "for F in []: pass\n",
                                     "try:\n    import torch.nn.functional as F\nexcept ImportError:\n    F = None\n",
                                     "if c:\n    from torch.nn.functional import interpolate\n"]))
        if r.random() < 0.3:
            # column-0 text the group splitter must not take for statements (issue 17)
            chunks.insert(r.randint(0, len(chunks)), self.pick([
                'T = """\nimport torch.nn.functional as F\nF.interpolate(x, mode="bilinear")\n"""\n',
                "L = [\n1,\n2]\n", "Z = 1 + \\\n2\n", "@decorator\n\n# c\ndef dd():\n    pass\n",
                "R = rb'\\'' + f'{x!r:>{w}}' + '''a\nb''' + \"\"\"q\"\"\"\n",
                "class Q2:\n    x = 1\n# c\n    def m(self):\n        return 1\n",
                "from os.path import *\n", "if __name__ == '__main__':\n    main()\n"]))
        if r.random() < 0.2:
            chunks.insert(0, self.pick(['"""doc\ninterpolate(x, mode="bilinear")\n"""\n',
                                        "from __future__ import annotations\n", "# interpolate grid_sample\n"]))
        top = list(dict.fromkeys(self.top))
        r.shuffle(top)
        if r.random() < 0.3:
            # some imports after use
            k = r.randint(0, len(top))
            body = top[:k] + chunks + top[k:]
        else:
            body = top + chunks
        if "from __future__ import annotations\n" in body:
            body.remove("from __future__ import annotations\n")
            body.insert(0, "from __future__ import annotations\n")
        sep = self.pick(["\n", "\n\n", ""])
        text = sep.join(c if c.endswith("\n") else c + "\n" for c in body)
        return self.transform(text)

    def transform(self, text):
        r = self.r
        enc = "utf-8"
        if r.random() < 0.15:
            text = text.replace("    ", "\t")
        if r.random() < 0.1:
            lines = text.split("\n")
            i = r.randrange(len(lines))
            lines[i] = "\x0c" + lines[i]
            text = "\n".join(lines)
        if r.random() < 0.1:
            text = text.replace("\u00e9", "e")
            text = "# -*- coding: latin-1 -*-\n" + text.replace("h\u00e9lper", "h\u00e9lper") + "NAME = '\u00e9'\n"
            enc = "latin-1"
        if r.random() < 0.15:
            text = text.replace("\n", "\r\n")
        try:
            return text.encode(enc)
        except UnicodeEncodeError:
            return text.replace("# -*- coding: latin-1 -*-", "# plain").encode("utf-8")
