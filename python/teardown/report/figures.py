"""Figures of a report: matplotlib drawings (``teardown.plot`` where it has one) embedded as PNG
data URIs, so that the HTML file needs nothing else to show them."""

from __future__ import annotations

import base64
import io
from collections.abc import Callable
from typing import Any

from teardown.report.page import escape

__all__ = ["figure"]

DPI = 100


def figure(
    draw: Callable[[Any], object], caption: str, size: tuple[float, float] = (8, 4), panels: int = 1
) -> str:
    """``draw(ax)`` on a new figure of ``size`` inches (``draw(axes)``, a list, with several
    ``panels`` side by side), as a ``<figure>`` with an inline PNG."""
    from matplotlib.figure import Figure  # no pyplot: no backend, no global state to disturb

    fig = Figure(figsize=size)
    axes = fig.subplots(1, panels, squeeze=False)[0]
    draw(axes[0] if panels == 1 else list(axes))
    fig.tight_layout()
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=DPI)
    data = base64.b64encode(buffer.getvalue()).decode("ascii")
    return (
        f'<figure><img alt="{escape(caption)}" src="data:image/png;base64,{data}">'
        f"<figcaption>{escape(caption)}</figcaption></figure>"
    )
