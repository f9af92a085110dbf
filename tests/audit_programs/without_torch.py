"""Never imports torch; reports what the interpreter start left behind.

usage: python without_torch.py OUT
"""

import json
import sys

site_customize = sys.modules.get("sitecustomize")
with open(sys.argv[1], "w") as handle:
    json.dump(
        {
            "torch_imported": "torch" in sys.modules,
            "user_sitecustomize": getattr(site_customize, "MARKER", None),
        },
        handle,
    )
