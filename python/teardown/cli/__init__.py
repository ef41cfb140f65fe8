"""The ``teardown`` command line: a thin layer over the Python API.

Each command is one API call plus formatting: ``run`` is ``td.run``, ``sweep`` is ``td.sweep``
and ``td.summarise``, ``import-haproxy`` is ``teardown.haproxy_cfg.import_haproxy``, ``advise``
is ``td.advise``, ``trace`` is ``td.run(trace=N)`` and ``teardown.pcap.write_pcapng``,
``explain`` is ``td.explain``, ``report`` is ``td.report``, ``validate`` is
``teardown.validation.compare``. Bad input (a scenario, sweep file, --set or haproxy.cfg that
cannot be used) prints one message naming the file, line or key on stderr and exits with status
2, leaving no output file behind.

The commands are rows of one table, as ninja's ``Tool`` table: ``table.py`` holds the rows (name,
one-line help, module), ``command.py`` says what a row and its module are, one module per command
(``run.py``, ``sweep.py``, ...) gives its description, examples, arguments and the function that
runs it, ``parser.py`` builds argparse from the table and ``dispatch.py`` runs the chosen row.
Arguments that several commands take are defined once in ``arguments.py``, the text of a run and
of a sweep summary is written by ``formatting.py``, --set is ``overrides.py``.
"""

from __future__ import annotations

from teardown.cli.dispatch import main

__all__ = ["main"]
