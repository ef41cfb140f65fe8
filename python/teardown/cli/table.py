"""The commands of ``teardown``, in the order ``teardown --help`` lists them (ninja's ``kTools``)."""

from __future__ import annotations

from teardown.cli import advise, explain, import_haproxy, presets, report, run, sweep, trace, validate
from teardown.cli.command import Command

COMMANDS: tuple[Command, ...] = (
    Command("run", "run one scenario and print its metrics", run),
    Command("sweep", "run a sweep file and print a summary table", sweep),
    Command("import-haproxy", "turn a haproxy.cfg into a scenario", import_haproxy),
    Command("advise", "rank the known remedies for your setup", advise),
    Command("presets", "list the client-library and server presets, with their sources", presets),
    Command("trace", "trace connections and write them as a pcapng capture", trace),
    Command("explain", "explain one failed request or one backend reset, step by step", explain),
    Command("report", "write a shareable HTML report of a scenario or of sweep results", report),
    Command(
        "validate", "measure scenarios on the real HAProxy (127.0.0.1) and compare with teardown", validate
    ),
)
