"""Which build of teardown is running: its version and, when known, the git commit it was built from.

Sweep rows carry both, so rows of different builds are never mixed silently. The commit is
the one the compiled core was built from when the build embedded it
(``teardown._core.__git_commit__``); else, when the package is imported in place from a git
checkout (``PYTHONPATH=python``, an editable install), the checkout's HEAD, since the code
running is then the checkout's. A package installed by copying (``pip install .``) without an
embedded commit reports ``""``: the HEAD of the directory it was once built from may have
moved since, and would mislabel the rows.
"""

from __future__ import annotations

import functools
import subprocess
from pathlib import Path

import teardown


def version() -> str:
    """The teardown version, e.g. ``"0.1.0"``."""
    return str(teardown.__version__)


@functools.cache
def git_commit() -> str:
    """The git commit teardown was built from, or ``""`` when unknown."""
    from teardown import _core

    embedded = getattr(_core, "__git_commit__", "")
    if embedded:
        return str(embedded)
    checkout = _source_checkout()
    return _head_of(checkout) if checkout else ""


def _source_checkout() -> Path | None:
    """The git checkout teardown is imported from in place, if it is."""
    here = Path(teardown.__file__).resolve().parent  # .../python/teardown in a checkout
    root = here.parent.parent
    if here.parent.name == "python" and (root / ".git").exists():
        return root
    return None


def _head_of(checkout: Path) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(checkout), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired):
        return ""
    return done.stdout.strip() if done.returncode == 0 else ""
