"""``teardown presets``: every client-library and server preset with its values and their sources."""

from __future__ import annotations

import argparse

from teardown.cli.command import EXIT_OK

DESCRIPTION = (
    "List the client-library presets (clients.preset, --client) and server presets (backends.preset, "
    "--backend): each value a preset sets, and its source."
)

EPILOG = """\
A preset sets its keys first; keys the scenario gives, and --set, override them. The same
table is docs/presets.md, and td.presets() in Python.

examples:
  teardown presets
  teardown presets okhttp-4
  teardown run scenario.toml --client okhttp-4 --backend tomcat-10
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("name", nargs="?", metavar="NAME", help="one preset (default: all)")


def run(args: argparse.Namespace) -> int:
    from teardown import preset_table as presets

    rows = [presets.preset(args.name)] if args.name else [presets.preset(n) for n in presets.names()]
    blocks = []
    for row in rows:
        key = presets.PRESET_KEYS[row["kind"]]
        lines = [f"{row['name']}  ({key}): {row['library']} {row['version']}"]
        if row["note"]:
            lines.append(f"  {row['note']}")
        width = max(len(v["key"]) for v in row["values"])
        for value in row["values"]:
            lines.append(f"  {value['key']:<{width}} = {value['toml']:<10}  {value['source']}")
        if row["idle_setting"]:
            lines.append(f"  in the library's words: {row['idle_setting']}")
        blocks.append("\n".join(lines))
    print("\n\n".join(blocks))
    return EXIT_OK
