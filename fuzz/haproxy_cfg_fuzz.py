"""Atheris (libFuzzer for Python) target: the haproxy.cfg importer, which reads real, messy files.

    .venv/bin/python fuzz/haproxy_cfg_fuzz.py fuzz/corpus/haproxy -max_total_time=60

(scripts/fuzz runs it.) Properties, for any bytes and any release:

- ``import_haproxy`` returns an ImportResult or raises ``teardown.ConfigError``; nothing else
  escapes (no IndexError, ValueError, UnicodeDecodeError, RecursionError...);
- a ConfigError has at least one issue, each with a message, and says where (the file, and a
  line when one applies);
- an accepted import is a valid scenario (``td.Scenario`` takes it), and every unmapped line is a
  real line number of the file.
"""

from __future__ import annotations

import os
import sys
import tempfile

import atheris

with atheris.instrument_imports(include=["teardown.haproxy_cfg"]):
    import teardown as td
    from teardown.haproxy_cfg import import_haproxy
    from teardown.haproxy_cfg.keywords import VERSIONS

_DIRECTORY = tempfile.mkdtemp(prefix="teardown-haproxy-fuzz-")
_PATH = os.path.join(_DIRECTORY, "haproxy.cfg")


def TestOneInput(data: bytes) -> None:  # noqa: N802 - the name atheris calls
    version = VERSIONS[len(data) % len(VERSIONS)]  # the corpus stays plain haproxy.cfg files
    body = data
    with open(_PATH, "wb") as file:
        file.write(body)
    try:
        result = import_haproxy(_PATH, version=version)
    except td.ConfigError as error:
        if not error.issues:
            raise AssertionError("a ConfigError without issues") from error
        for issue in error.issues:
            if not issue["message"]:
                raise AssertionError(f"an issue without a message: {issue}") from error
            if _PATH not in issue["where"] and issue["path"] != "proxy.version":
                raise AssertionError(f"an issue that does not say where: {issue}") from error
        return
    td.Scenario(result.scenario)  # an accepted import is a valid scenario
    lines = body.count(b"\n") + 1
    for item in result.unmapped:
        if not 1 <= item.line <= lines:
            raise AssertionError(f"unmapped line {item.line} outside the file's {lines} lines")


def main() -> None:
    atheris.Setup(sys.argv, TestOneInput)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
