"""teardown: predicts what TCP connection teardown does in pooled clients -> HAProxy -> backends.

The compiled core lives in the private module ``teardown._core``; this package is the
public, Pythonic layer over it.
"""

from __future__ import annotations

from teardown._core import NEVER, __version__, format_duration, parse_duration

__all__ = ["NEVER", "__version__", "format_duration", "parse_duration"]
