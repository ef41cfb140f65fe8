"""The HTML of a report: sections under a table of contents, in one file that opens offline.

Everything the page needs is inline: the style sheet, the figures (``figures.py``, PNG as data
URIs) and one small script, which makes tables sortable by a click on a heading and records any
script error on the page itself (``data-js-errors`` on ``<html>``), so that a test opening the file
in a browser sees it. Every text that comes from a scenario, a sweep or a run passes through
``escape``.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = ["Section", "escape", "figures", "page", "paragraph", "preformatted", "table"]


def escape(text: object) -> str:
    """Text as HTML: &, <, >, and both quotes escaped, so it is safe in content and attributes."""
    return html.escape(str(text), quote=True)


@dataclass(frozen=True)
class Section:
    """One heading of the report and its body (already HTML); ``anchor`` links the contents to it."""

    anchor: str
    title: str
    body: str


def paragraph(text: str) -> str:
    return f"<p>{escape(text)}</p>"


def preformatted(text: str) -> str:
    return f"<pre>{escape(text)}</pre>"


def table(
    headings: Sequence[str],
    rows: Iterable[Sequence[object]],
    row_ids: Iterable[str] | None = None,
    numeric: Sequence[bool] | None = None,
) -> str:
    """A sortable table of escaped cells; ``row_ids`` become ``data-key`` attributes (a metric
    name, a point) so that a reader, or a test, finds a row by what it is about; ``numeric``
    columns are right-aligned and sort by their number."""
    numeric = list(numeric) if numeric is not None else [False] * len(headings)
    head = "".join(
        f'<th scope="col"{" class=num" if n else ""}>{escape(h)}</th>'
        for h, n in zip(headings, numeric, strict=True)
    )
    ids = iter(row_ids) if row_ids is not None else None
    body = []
    for row in rows:
        key = f' data-key="{escape(next(ids))}"' if ids is not None else ""
        cells = "".join(
            f"<td{' class=num' if n else ''}>{escape(c)}</td>" for c, n in zip(row, numeric, strict=True)
        )
        body.append(f"<tr{key}>{cells}</tr>")
    return (
        f'<div class="scroll"><table class="sortable"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(body)}</tbody></table></div>"
    )


def figures(*items: str) -> str:
    """Figures side by side where the page is wide enough."""
    return f'<div class="figures">{"".join(items)}</div>'


def page(title: str, subtitle: str, sections: Sequence[Section]) -> str:
    """The whole document: title, contents, then each section under an ``<h2>`` it links to."""
    contents = "".join(f'<li><a href="#{escape(s.anchor)}">{escape(s.title)}</a></li>' for s in sections)
    body = "".join(
        f'<section id="{escape(s.anchor)}"><h2>{escape(s.title)}</h2>{s.body}</section>' for s in sections
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><script>{ERROR_RECORDER}</script><style>{STYLE}</style></head>"
        f'<body><header><h1>{escape(title)}</h1><p class="subtitle">{escape(subtitle)}</p></header>'
        f'<nav aria-label="Contents"><h2>Contents</h2><ol>{contents}</ol></nav>'
        f"<main>{body}</main><script>{SORTING}</script></body></html>\n"
    )


# First in <head>: errors of any later script land on the page, where a reader or a test sees them.
ERROR_RECORDER = (
    "window.addEventListener('error',function(e){var h=document.documentElement;"
    "var seen=h.getAttribute('data-js-errors');"
    "h.setAttribute('data-js-errors',(seen?seen+' | ':'')+(e.message||'error'));});"
)

# A click on a column heading sorts the table by it (numbers by value, text alphabetically);
# a second click reverses. The last statement marks the page as scripted without error.
SORTING = """
function cellValue(row, i) {
  var text = row.cells[i].textContent.trim();
  var n = parseFloat(text.replace(/,/g, ''));
  return isNaN(n) ? text : n;
}
document.querySelectorAll('table.sortable').forEach(function (t) {
  t.querySelectorAll('th').forEach(function (th, i) {
    th.title = 'sort by this column';
    th.addEventListener('click', function () {
      var body = t.tBodies[0], rows = Array.prototype.slice.call(body.rows);
      var up = th.getAttribute('data-order') !== 'up';
      rows.sort(function (a, b) {
        var x = cellValue(a, i), y = cellValue(b, i);
        var order = (typeof x === typeof y) ? (x < y ? -1 : x > y ? 1 : 0) : (typeof x === 'number' ? -1 : 1);
        return up ? order : -order;
      });
      rows.forEach(function (r) { body.appendChild(r); });
      th.setAttribute('data-order', up ? 'up' : 'down');
    });
  });
});
document.body.setAttribute('data-js', 'ok');
"""

STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:0 auto;
max-width:1100px;padding:0 1.5rem 3rem;color:#1f1f1f;line-height:1.45}
header{border-bottom:2px solid #0072B2;margin-bottom:1rem}
h1{margin:1.2rem 0 .2rem}.subtitle{color:#555;margin:.2rem 0 .8rem}
h2{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2rem}
h3{margin-top:1.4rem}
nav{background:#f5f7fa;border:1px solid #dde3ea;border-radius:6px;padding:.4rem 1rem;display:inline-block}
nav h2{border:none;font-size:1rem;margin:.4rem 0}nav ol{margin:.2rem 0 .5rem;padding-left:1.4rem}
table{border-collapse:collapse;margin:.6rem 0;font-size:.9rem}
th,td{border:1px solid #d0d7de;padding:.25rem .55rem;text-align:left;vertical-align:top}
th{background:#f0f3f6;cursor:pointer}td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
td.num{white-space:nowrap}
tbody tr:nth-child(even){background:#fafbfc}
pre{background:#f6f8fa;border:1px solid #dde3ea;border-radius:6px;padding:.6rem;overflow-x:auto;
font-size:.8rem}
figure{margin:1rem 0}figure img{max-width:100%;height:auto}figcaption{color:#555;font-size:.9rem}
.note{color:#555;font-size:.9rem}.scroll{overflow-x:auto}
.figures{display:grid;grid-template-columns:repeat(auto-fill,minmax(460px,1fr));gap:0 1rem}
.figures>figure{min-width:0}
"""
