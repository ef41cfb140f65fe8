"""Make ``teardown.validation`` importable from the source tree.

``python/`` goes first on ``sys.path``. If the package's ``__init__`` cannot be
imported (the compiled core is not built into ``python/teardown``), a bare package
object pointing at ``python/teardown`` is registered instead: the validation
subpackage needs only the standard library.
"""

from __future__ import annotations

import pathlib
import sys
import types

PYTHON_DIR = pathlib.Path(__file__).resolve().parents[2] / "python"
sys.path.insert(0, str(PYTHON_DIR))

try:
    import teardown  # noqa: F401
except ImportError:
    for name in [m for m in sys.modules if m == "teardown" or m.startswith("teardown.")]:
        del sys.modules[name]
    package = types.ModuleType("teardown")
    package.__path__ = [str(PYTHON_DIR / "teardown")]
    sys.modules["teardown"] = package
