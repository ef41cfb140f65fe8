"""Bad input, everywhere (issue 8): one table of bad scenario files, Python dicts, sweep files,
command-line flags and haproxy.cfg files.

Every case is checked four ways:

- Python raises ``td.ConfigError`` whose text names the key path or ``file:line`` and says what
  would be valid;
- the real ``teardown`` program (a subprocess of the installed entry point) exits with status 2
  and prints the same on stderr, without a traceback;
- no output file is left behind: ``teardown sweep ... --out rows.csv`` leaves no rows.csv,
  ``teardown import-haproxy ... -o out.toml`` no out.toml, ``td.sweep(..., out=...)`` nothing,
  and no temporary file either (the case's directory holds exactly its input files after);
- nothing ran (the refusals come before any simulation).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import teardown as td
from teardown.cli.overrides import with_sets
from teardown.haproxy_cfg import import_haproxy
from teardown.sweep_file import load_sweep

TEARDOWN = Path(sys.executable).with_name("teardown")  # the installed entry point

GOOD_SCENARIO = """\
[sim]
duration = "2s"
warmup = "1s"
[clients.arrival]
rate = 20.0
"""

GOOD_SWEEP = """\
base = "good.toml"
replications = 1
[grid]
"proxy.mode" = ["httpclose", "http-server-close"]
"""

GOOD_CFG = """\
defaults
    mode http
    timeout client 10s
    timeout server 10s
    timeout connect 5s
listen web
    bind :80
    server a 10.0.0.1:8080
"""

# A scenario far above any memory limit: 2 billion long-lived connections (about 700 GiB).
HUGE = "[clients.long_lived]\ncount = 2000000000\nrate = 0.001\n"


@dataclass(frozen=True)
class Bad:
    """One bad input.

    kind: "toml" (a scenario file), "dict" (a Python dict; ``sets`` its --set form, when the
    command line can express it), "sweep" (a sweep file, its base good.toml beside it), "cfg" (a
    haproxy.cfg), "cli" (flags: ``argv`` after ``teardown``, ``python`` the same call in Python).
    expect: texts both the Python error and the command's stderr contain: the key path or
    file:line, and what would be valid. cli_expect: the command's texts when they differ
    (argparse words flag errors its own way).
    """

    id: str
    kind: str
    data: Any = None
    expect: tuple[str, ...] = ()
    sets: tuple[str, ...] | None = None
    argv: tuple[str, ...] = ()
    python: Callable[[Path], Any] | None = None
    cli_expect: tuple[str, ...] | None = None
    files: dict[str, str | bytes] = field(default_factory=dict)


CASES = [
    # ---- scenario TOML files --------------------------------------------------------------
    Bad(
        "toml-wrong-type",
        "toml",
        '[clients]\ncount = "20"\n',
        ("clients.count", "bad.toml:2", "expected an integer, got the string '20'"),
    ),
    Bad(
        "toml-unknown-key",
        "toml",
        "[proxy]\ntimout = {}\n",
        ("proxy.timout", "bad.toml:2", "did you mean 'proxy.timeout'?"),
    ),
    Bad(
        "toml-unknown-table",
        "toml",
        '[proxi]\nmode = "tcp"\n',
        ("proxi", "bad.toml:1", "did you mean 'proxy'?"),
    ),
    Bad(
        "toml-unknown-option-name",
        "toml",
        "[proxy]\nprefer_last_servr = true\n",
        ("proxy.prefer_last_servr", "did you mean 'proxy.prefer_last_server'?"),
    ),
    Bad(
        "toml-negative-duration",
        "toml",
        '[network]\njitter = "-1ms"\n',
        ("network.jitter", "bad.toml:2", "cannot be negative"),
    ),
    Bad(
        "toml-zero-duration",
        "toml",
        '[sim]\nduration = "0s"\n',
        ("sim.duration", "bad.toml:2", "must be greater than 0"),
    ),
    Bad(
        "toml-zero-timeout",
        "toml",
        "[proxy.timeout]\nconnect = 0\n",
        ("proxy.timeout.connect", "must be greater than 0", 'write "off" to disable it'),
    ),
    Bad(
        "toml-unknown-unit",
        "toml",
        '[proxy.timeout]\nclient = "10 parsecs"\n',
        ("proxy.timeout.client", "bad.toml:2", "unknown unit 'parsecs'", "use ns, us, ms, s, m or h"),
    ),
    Bad(
        "toml-duration-not-text",
        "toml",
        "[proxy]\npool_purge_delay = true\n",
        ("proxy.pool_purge_delay", "expected a duration, got the boolean true", '"250us"'),
    ),
    Bad(
        "toml-unknown-mode",
        "toml",
        '[proxy]\nmode = "keep-alive"\n',
        ("proxy.mode", "bad.toml:2", "unknown value 'keep-alive'", '"http-keep-alive"'),
    ),
    Bad(
        "toml-unknown-balance",
        "toml",
        '[proxy]\nbalance = "fastest"\n',
        ("proxy.balance", "unknown value 'fastest'", '"roundrobin", "static-rr", "leastconn"'),
    ),
    Bad(
        "toml-unknown-version",
        "toml",
        '[proxy]\nversion = "2.4"\n',
        ("proxy.version", '"1.4", "1.5", "1.8", "2.0", "2.6"'),
    ),
    Bad(
        "toml-unknown-retry-on",
        "toml",
        '[proxy]\nretry_on = ["timeout"]\n',
        ("proxy.retry_on[0]", '"conn-failure", "empty-response", "response-timeout"'),
    ),
    Bad(
        "toml-unknown-arrival",
        "toml",
        '[clients.arrival]\nkind = "bursty"\n',
        ("clients.arrival.kind", '"poisson", "onoff", "closed"'),
    ),
    Bad(
        "toml-weight-out-of-range",
        "toml",
        "[backends]\nweights = [1, 2, 300]\n",
        ("backends.weights[2]", "must be from 1 to 256, got 300"),
    ),
    Bad(
        "toml-weights-count",
        "toml",
        "[backends]\nservers = 3\nweights = [1, 2]\n",
        ("backends.weights", "has 2 entries but backends.servers is 3", "one weight per server"),
    ),
    Bad("toml-count-zero", "toml", "[clients]\ncount = 0\n", ("clients.count", "must be at least 1, got 0")),
    Bad(
        "toml-nan-rate",
        "toml",
        "[clients.arrival]\nrate = nan\n",
        ("clients.arrival.rate", "must be a finite number greater than 0, got nan"),
    ),
    Bad(
        "toml-inf-rate",
        "toml",
        "[clients.arrival]\nrate = inf\n",
        ("clients.arrival.rate", "must be a finite number greater than 0, got inf"),
    ),
    Bad(
        "toml-http-reuse-in-tcp-before-1.6",  # HAProxy 1.5 rejects the keyword, in any mode
        "toml",
        '[proxy]\nversion = "1.5"\nmode = "tcp"\nhttp_reuse = "always"\n',
        ("proxy.http_reuse", "came in 1.6"),
    ),
    Bad(
        "toml-http-timeout-in-tcp-zero",
        "toml",
        '[proxy]\nmode = "tcp"\n[proxy.timeout]\nhttp_keep_alive = "0s"\n',
        ("proxy.timeout.http_keep_alive", "must be greater than 0", 'write "off"'),
    ),
    Bad(
        "toml-version-lacks-feature",
        "toml",
        '[proxy]\nversion = "1.5"\nhttp_reuse = "safe"\n',
        ("proxy.http_reuse", "came in 1.6"),
    ),
    Bad(
        "toml-event-missing-server",
        "toml",
        '[[backends.events]]\nat = "1m"\nserver = 7\n',
        ("backends.events[0].server", "no server 7", "indices run from 0 to 2"),
    ),
    Bad(
        "toml-event-after-end",
        "toml",
        '[sim]\nduration = "1m"\nwarmup = "0s"\n[[backends.events]]\nat = "2h"\n',
        ("backends.events[0].at", "is after the end of the run"),
    ),
    Bad(
        "toml-event-without-time",
        "toml",
        "[[backends.events]]\nserver = 1\n",
        ("backends.events[0].at", "missing; this key is required"),
    ),
    Bad(
        "toml-middlebox-unknown-behaviour",
        "toml",
        '[[network.middlebox]]\nidle_timeout = "350s"\non_expired = "fin"\n',
        ("network.middlebox[0].on_expired", "unknown value 'fin'", '"rst-sender"'),
    ),
    Bad(
        "toml-middlebox-without-timeout",
        "toml",
        '[[network.middlebox]]\nhop = "proxy-backend"\n',
        ("network.middlebox[0].idle_timeout", "missing; this key is required"),
    ),
    Bad(
        "toml-warmup-longer-than-run",
        "toml",
        '[sim]\nduration = "1m"\nwarmup = "5m"\n',
        ("sim.warmup", "must not be longer than sim.duration (5m > 1m)"),
    ),
    Bad("toml-malformed", "toml", '[sim\nduration = "1m"\n', ("bad.toml:1:", "TOML syntax error")),
    Bad("toml-duplicate-key", "toml", "[sim]\nseed = 1\nseed = 2\n", ("bad.toml:3:", "TOML syntax error")),
    Bad(
        "toml-empty-file",
        "toml",
        "",
        ("bad.toml", "the scenario file is empty", "[sim] for the default scenario"),
    ),
    Bad(
        "toml-only-comments",
        "toml",
        "# a scenario\n\n   # nothing here\n",
        ("bad.toml", "the scenario file is empty"),
    ),
    Bad(
        "toml-binary-garbage",
        "toml",
        b"\x7fELF\x02\x01\x01\x00\x00\x00\xff\xfe\x00garbage",
        ("bad.toml:1:", "TOML syntax error"),
    ),
    Bad("toml-not-utf8", "toml", b'[sim]\nduration = "\xff\xfe"\n', ("bad.toml:2:", "TOML syntax error")),
    Bad(
        "toml-huge-integer",
        "toml",
        "[clients]\ncount = 99999999999999999999\n",
        ("clients.count: number out of range", "does not fit in a 64-bit integer", "bad.toml:2:9"),
    ),
    Bad(
        "toml-huge-float",
        "toml",
        "[clients]\ncount = 1e400\n",
        ("clients.count: number out of range: '1e400' does not fit in a 64-bit float", "bad.toml:2:9"),
    ),
    Bad(
        "toml-bad-date",
        "toml",
        '[[backends.events]]\nat = "1m"\n[[backends.events]]\nat = 1979-13-01\n',
        ("backends.events[1].at: bad date: expected month between 1 and 12", "bad.toml:4:6"),
    ),
    Bad(
        "toml-int-out-of-range",
        "toml",
        "[clients]\ncount = 3000000000\n",
        ("clients.count", "expected an integer from -2147483648 to 2147483647"),
    ),
    Bad(
        "toml-huge-duration",
        "toml",
        '[proxy.timeout]\nclient = "100000h"\n',
        ("proxy.timeout.client", "must be at most 87600h (10 years)", 'write "off" for never'),
    ),
    Bad(
        "toml-huge-rate",
        "toml",
        "[clients.arrival]\nrate = 1e300\n",
        ("clients.arrival.rate", "must be at most 1e+09", "one request per nanosecond"),
    ),
    Bad(
        "toml-too-many-bins",
        "toml",
        '[sim]\nduration = "87600h"\ntimeseries_bin = "1us"\n',
        ("sim.timeseries_bin", "use a longer bin"),
    ),
    Bad(
        "toml-retries-over-255",
        "toml",
        "[proxy]\nretries = 1000\n",
        ("proxy.retries", "must be at most 255, got 1000"),
    ),
    Bad(
        "toml-seed-negative",
        "toml",
        "[sim]\nseed = -1\n",
        ("sim.seed", "expected an integer from 0 to 9223372036854775807"),
    ),
    Bad(
        "toml-table-expected", "toml", 'proxy = "tcp"\n', ("proxy", "expected a table, got the string 'tcp'")
    ),
    Bad(
        "toml-missing-file",
        "cli",
        None,
        ("nope.toml", "cannot read scenario file"),
        argv=("run", "{dir}/nope.toml"),
        python=lambda d: td.run(d / "nope.toml"),
    ),
    Bad(
        "toml-directory",
        "cli",
        None,
        ("cannot read scenario file: it is a directory",),
        argv=("run", "{dir}"),
        python=lambda d: td.load(d),
    ),
    # ---- Python dicts (and the same through --set where the command line can say it) --------
    Bad(
        "dict-none",
        "dict",
        {"clients": {"count": None}},
        ("clients.count", "expected a string, number, boolean, list or table, got None"),
    ),
    Bad(
        "dict-object",
        "dict",
        {"proxy": {"mode": object()}},
        ("proxy.mode", "expected a string, number, boolean, list or table, got object"),
    ),
    Bad("dict-non-string-key", "dict", {"proxy": {1: "x"}}, ("proxy.1", "keys must be strings, got int")),
    Bad(
        "dict-int-too-big",
        "dict",
        {"clients": {"count": 2**70}},
        ("clients.count", "expected an integer that fits in 64 bits"),
    ),
    Bad(
        "dict-wrong-type",
        "dict",
        {"proxy": {"mode": 3}},
        ("proxy.mode", "expected one of"),
        sets=("proxy.mode=3",),
    ),
    Bad(
        "dict-dotted-typo",
        "dict",
        {"proxy.timout.client": "5s"},
        ("proxy.timout.client", "did you mean 'proxy.timeout.client'?"),
        sets=("proxy.timout.client=5s",),
    ),
    Bad(
        "dict-negative-duration",
        "dict",
        {"sim": {"duration": -1}},
        ("sim.duration", "durations cannot be negative"),
        sets=("sim.duration=-1",),
    ),
    Bad(
        "dict-unknown-balance",
        "dict",
        {"proxy.balance": "fastest"},
        ("proxy.balance", "unknown value 'fastest'", '"leastconn"'),
        sets=("proxy.balance=fastest",),
    ),
    Bad(
        "dict-missing-server",
        "dict",
        {"backends": {"servers": 2, "events": [{"at": "1m", "server": 2}]}},
        ("backends.events[0].server", "no server 2", "indices run from 0 to 1"),
    ),
    Bad(
        "dict-two-middleboxes-on-one-hop",
        "dict",
        {"network": {"middlebox": [{"idle_timeout": "4m"}, {"idle_timeout": "350s"}]}},
        ("network.middlebox[1].hop", "at most one per hop"),
    ),
    Bad(
        "dict-warmup-too-long",
        "dict",
        {"sim.warmup": "20m"},
        ("sim.warmup", "must not be longer than sim.duration (20m > "),
        sets=("sim.warmup=20m",),
    ),
    Bad(
        "dict-inf-rate",
        "dict",
        {"clients": {"arrival": {"rate": float("inf")}}},
        ("clients.arrival.rate", "must be a finite number greater than 0"),
    ),
    Bad(
        "dict-tcp-retry-on-before-2.0",  # no retry-on keyword in 1.8, whatever the mode
        "dict",
        {"proxy": {"version": "1.8", "mode": "tcp", "retry_on": ["empty-response"]}},
        ("proxy.retry_on", "needs proxy.version 2.0 or later"),
        sets=("proxy.version=1.8", "proxy.mode=tcp", 'proxy.retry_on=["empty-response"]'),
    ),
    Bad(
        "dict-weights-text",
        "dict",
        {"backends": {"weights": "1,2,3"}},
        ("backends.weights", "expected an array of integers"),
        sets=('backends.weights="1,2,3"',),
    ),
    Bad(
        "dict-retry-on-twice",
        "dict",
        {"proxy.retry_on": ["conn-failure", "conn-failure"]},
        ("proxy.retry_on[1]", "'conn-failure' is listed twice"),
        sets=('proxy.retry_on=["conn-failure", "conn-failure"]',),
    ),
    Bad(
        "dict-random-draws-huge",
        "dict",
        {"proxy.random_draws": 2_000_000_000},
        ("proxy.random_draws", "must be at most 1000"),
        sets=("proxy.random_draws=2000000000",),
    ),
    Bad(
        "dict-random-seed-unknown",
        "dict",
        {"proxy.random_seed": "random"},
        ("proxy.random_seed", 'expected one of "preset", "fixed", "per-start"'),
        sets=('proxy.random_seed="random"',),
    ),
    Bad(
        "dict-workers-overflow",
        "dict",
        {"backends": {"servers": 100_000, "workers": 100_000}},
        ("backends.workers", "backends.servers x backends.workers must be at most 2147483647"),
        sets=("backends.servers=100000", "backends.workers=100000"),
    ),
    # ---- sweep files ------------------------------------------------------------------------
    Bad("sweep-empty", "sweep", "", ("base", "missing: give a scenario file", "sweep.toml")),
    Bad("sweep-binary", "sweep", b"\x00\x01\x02\xff", ("sweep.toml", "not valid TOML")),
    Bad("sweep-malformed", "sweep", 'base = "good.toml"\n[grid\n', ("sweep.toml:2:", "not valid TOML")),
    Bad(
        "sweep-unknown-key",
        "sweep",
        'base = "good.toml"\nreplicatoins = 3\n',
        ("replicatoins", "unknown key (a sweep file takes description, base, replications"),
    ),
    Bad(
        "sweep-zero-replications",
        "sweep",
        'base = "good.toml"\nreplications = 0\n',
        ("replications", "expected an integer >= 1, got 0"),
    ),
    Bad(
        "sweep-replications-text",
        "sweep",
        'base = "good.toml"\nreplications = "3"\n',
        ("replications", "expected an integer >= 1, got '3'"),
    ),
    Bad(
        "sweep-seed-negative",
        "sweep",
        'base = "good.toml"\nseed = -4\n',
        ("seed", "expected an integer >= 0"),
    ),
    Bad(
        "sweep-missing-base-file",
        "sweep",
        'base = "nope.toml"\n',
        ("base", "no scenario file", "paths are relative to the sweep file"),
    ),
    Bad(
        "sweep-bad-inline-base",
        "sweep",
        '[base.proxy]\nmode = "fast"\n',
        ("base.proxy.mode", "unknown value 'fast'", '"http-keep-alive"'),
    ),
    Bad(
        "sweep-grid-not-list",
        "sweep",
        'base = "good.toml"\n[grid]\n"proxy.mode" = "tcp"\n',
        ('grid."proxy.mode"', "expected a non-empty list of values"),
    ),
    Bad(
        "sweep-grid-unknown-key",
        "sweep",
        'base = "good.toml"\n[grid]\n"proxy.mdoe" = ["tcp"]\n',
        ("proxy.mdoe", "did you mean 'proxy.mode'?", "in sweep point 0 from grid"),
    ),
    Bad(
        "sweep-grid-bad-value",
        "sweep",
        'base = "good.toml"\n[grid]\n"proxy.mode" = ["httpclose", "fast"]\n',
        ("proxy.mode", "unknown value 'fast'", "in sweep point 1 from grid"),
    ),
    Bad(
        "sweep-grid-tcp-with-http-reuse-on-1.5",
        "sweep",
        'base = "good.toml"\n[grid]\n"proxy.version" = ["1.5"]\n"proxy.http_reuse" = ["always"]\n'
        '"proxy.mode" = ["httpclose", "tcp"]\n',
        ("proxy.http_reuse", "came in 1.6", "in sweep point 0"),
    ),
    Bad(
        "sweep-bad-date",
        "sweep",
        'base = "good.toml"\nseed = 1979-13-01\n',
        ("seed: not valid TOML", "sweep.toml:2:8"),
    ),
    Bad(
        "sweep-grid-malformed-value",
        "sweep",
        'base = "good.toml"\n[grid]\n"proxy.timeout.client" = [\n  "1s",\n  2x,\n]\n',
        ('grid."proxy.timeout.client"[1]: not valid TOML', "sweep.toml:5:3"),
    ),
    Bad(
        "sweep-grid-seed",
        "sweep",
        'base = "good.toml"\n[grid]\n"sim.seed" = [1, 2]\n',
        ("grid.sim.seed", "the seed is set per replication"),
    ),
    Bad(
        "sweep-sample-zero",
        "sweep",
        'base = "good.toml"\n[sample]\nn = 0\n[sample.ranges]\n"clients.count" = [1, 5]\n',
        ("sample.n", "expected an integer >= 1, got 0"),
    ),
    Bad(
        "sweep-sample-range-shape",
        "sweep",
        'base = "good.toml"\n[sample]\nn = 4\n[sample.ranges]\n"proxy.timeout.client" = ["1s"]\n',
        ('sample.ranges."proxy.timeout.client"', "expected [low, high]"),
    ),
    Bad(
        "sweep-sample-low-above-high",
        "sweep",
        'base = "good.toml"\n[sample]\nn = 4\n[sample.ranges]\n"clients.count" = [9, 2]\n',
        ('sample.ranges."clients.count"', "low must not exceed high"),
    ),
    Bad(
        "sweep-sample-unit",
        "sweep",
        'base = "good.toml"\n[sample]\nn = 4\n[sample.ranges]\n'
        '"proxy.timeout.client" = ["1s", "5 fortnights"]\n',
        ('sample.ranges."proxy.timeout.client"', "unknown unit"),
    ),
    Bad(
        "sweep-points-not-tables",
        "sweep",
        'base = "good.toml"\npoints = [1, 2]\n',
        ("points[0]", "expected a table of dotted keys"),
    ),
    Bad(
        "sweep-metrics-text",
        "sweep",
        'base = "good.toml"\nmetrics = "client.failure_ratio"\n',
        ("metrics", "expected a list of metric names"),
    ),
    Bad(
        "sweep-over-memory",
        "sweep",
        'base = "huge.toml"\nreplications = 1\n',
        ("clients.long_lived.count", "this scenario needs about", "above the limit of 1 GiB", "--max-memory"),
        argv=("--max-memory", "1GiB"),
        files={"huge.toml": HUGE},
    ),
    # ---- command-line flags and the same arguments in Python ---------------------------------
    Bad(
        "cli-set-without-value",
        "cli",
        None,
        ("--set 'proxy.mode'", "expected key=value"),
        argv=("run", "{dir}/good.toml", "--set", "proxy.mode"),
        python=lambda d: with_sets(td.load(d / "good.toml"), ["proxy.mode"]),
    ),
    Bad(
        "cli-set-unknown-key",
        "cli",
        None,
        ("proxy.timout.client", "did you mean 'proxy.timeout.client'?"),
        argv=("run", "{dir}/good.toml", "--set", "proxy.timout.client=5s"),
        python=lambda d: with_sets(td.load(d / "good.toml"), ["proxy.timout.client=5s"]),
    ),
    Bad(
        "cli-set-out-of-range",
        "cli",
        None,
        ("clients.count", "must be at least 1, got -3"),
        argv=("run", "{dir}/good.toml", "--set", "clients.count=-3"),
        python=lambda d: td.run(td.load(d / "good.toml").with_({"clients.count": -3})),
    ),
    Bad(
        "cli-trace-negative",
        "cli",
        None,
        ("trace", "an int >= 0"),
        argv=("run", "{dir}/good.toml", "--trace", "-1"),
        python=lambda d: td.run(d / "good.toml", trace=-1),
        cli_expect=("--trace", "expected an integer >= 0, got '-1'"),
    ),
    Bad(
        "cli-max-memory-unknown-unit",
        "cli",
        None,
        ("max_memory", "expected a size such as 2GiB"),
        argv=("run", "{dir}/good.toml", "--max-memory", "lots"),
        python=lambda d: td.run(d / "good.toml", max_memory="lots"),
        cli_expect=("--max-memory", "expected a size such as 2GiB"),
    ),
    Bad(
        "cli-over-memory-limit",
        "cli",
        None,
        (
            "clients.long_lived.count",
            "this scenario needs about",
            "long-lived connections",
            "above the limit of 64 MiB",
        ),
        argv=("run", "{dir}/huge.toml", "--max-memory", "64MiB"),
        python=lambda d: td.run(d / "huge.toml", max_memory="64MiB"),
    ),
    Bad(
        "cli-over-memory-auto",
        "cli",
        None,
        ("this scenario needs about", "above the limit of"),
        argv=("run", "{dir}/huge.toml"),
        python=lambda d: td.run(d / "huge.toml"),
    ),
    Bad(
        "cli-over-event-limit",
        "cli",
        None,
        ("sim.duration", "events", "above the limit of 10 events", "--max-events"),
        argv=("run", "{dir}/good.toml", "--max-events", "10"),
        python=lambda d: td.run(d / "good.toml", max_events=10),
    ),
    Bad(
        "cli-wall-time-unknown-unit",
        "cli",
        None,
        ("wall_time_limit", "unknown unit"),
        argv=("run", "{dir}/good.toml", "--wall-time-limit", "2 fortnights"),
        python=lambda d: td.run(d / "good.toml", wall_time_limit="2 fortnights"),
        cli_expect=("--wall-time-limit", "unknown unit"),
    ),
    Bad(
        "cli-jobs-zero",
        "cli",
        None,
        ("jobs", "positive integer"),
        argv=("sweep", "{dir}/good_sweep.toml", "-j", "0", "--out", "{dir}/rows.csv"),
        python=lambda d: td.sweep(d / "good.toml", jobs=0, executor="threads", out=d / "rows.csv"),
        cli_expect=("-j/--jobs", "expected a positive integer, got '0'"),
    ),
    Bad(
        "cli-unknown-executor",
        "cli",
        None,
        ("executor", "serial, threads, processes"),
        argv=("sweep", "{dir}/good_sweep.toml", "--executor", "fork", "--out", "{dir}/rows.csv"),
        python=lambda d: td.sweep(d / "good.toml", executor="fork", out=d / "rows.csv"),
        cli_expect=("--executor", "invalid choice: 'fork'", "'serial', 'threads', 'processes'"),
    ),
    Bad(
        "cli-resume-without-out",
        "cli",
        None,
        ("resume", "needs", "out"),
        argv=("sweep", "{dir}/good_sweep.toml", "--resume"),
        python=lambda d: td.sweep(d / "good.toml", resume=True),
    ),
    Bad(
        "cli-out-unknown-format",
        "cli",
        None,
        ("rows.txt", ".csv, .jsonl or .parquet"),
        argv=("sweep", "{dir}/good_sweep.toml", "--out", "{dir}/rows.txt"),
        python=lambda d: td.sweep(d / "good.toml", out=d / "rows.txt"),
    ),
    Bad(
        "cli-unknown-haproxy-version",
        "cli",
        None,
        ("proxy.version", "1.4, 1.5, 1.8, 2.0, 2.6", "'2.4'"),
        argv=("import-haproxy", "{dir}/good.cfg", "--haproxy-version", "2.4", "-o", "{dir}/out.toml"),
        python=lambda d: import_haproxy(d / "good.cfg", version="2.4"),
        cli_expect=("--haproxy-version", "invalid choice: '2.4'"),
    ),
    # ---- haproxy.cfg files ------------------------------------------------------------------
    Bad("cfg-empty", "cfg", "", ("haproxy.cfg", "no frontend, backend or listen section")),
    Bad(
        "cfg-binary",
        "cfg",
        b"global\n    daemon\n\x7fELF\x02\x01\x00\x00",
        ("haproxy.cfg:3", "binary data (a NUL byte)"),
    ),
    Bad(
        "cfg-unknown-mode",
        "cfg",
        "listen l\n    mode udp\n    server a 10.0.0.1:80\n",
        ("haproxy.cfg:2", "mode: expected 'tcp' or 'http', got 'udp'"),
    ),
    Bad(
        "cfg-unknown-section",
        "cfg",
        "defaults\n    mode http\nfrontent fe\n    bind :80\n",
        ("haproxy.cfg:3", "unknown section keyword 'frontent'", "global, defaults, frontend, backend"),
    ),
    Bad(
        "cfg-directive-before-section",
        "cfg",
        "maxconn 100\nglobal\n",
        ("haproxy.cfg:1", "is not a section keyword", "expected global, defaults"),
    ),
    Bad(
        "cfg-time-unknown-unit",
        "cfg",
        "listen l\n    mode http\n    timeout client 10parsecs\n",
        ("haproxy.cfg:3", "timeout client: expected a time"),
    ),
    Bad(
        "cfg-time-too-large",
        "cfg",
        "listen l\n    mode http\n    timeout client 30d\n",
        ("haproxy.cfg:3", "is too large"),
    ),
    Bad(
        "cfg-unknown-timeout",
        "cfg",
        "listen l\n    mode http\n    timeout clinet 5s\n",
        ("haproxy.cfg:3", "unknown timeout 'clinet'"),
    ),
    Bad(
        "cfg-unknown-retry-on",
        "cfg",
        "listen l\n    mode http\n    retry-on sometimes\n",
        ("haproxy.cfg:3", "retry-on: unknown keyword 'sometimes'"),
    ),
    Bad(
        "cfg-unknown-http-reuse",
        "cfg",
        "listen l\n    mode http\n    http-reuse often\n",
        ("haproxy.cfg:3", "expected one of never, safe, aggressive, always"),
    ),
    Bad(
        "cfg-weight-out-of-range",
        "cfg",
        "listen l\n    mode http\n    server a 10.0.0.1:80 weight 300\n",
        ("haproxy.cfg:3", "'weight' expects an integer from 0 to 256"),
    ),
    Bad(
        "cfg-balance-random-draws",
        "cfg",
        "listen l\n    mode http\n    balance random(two)\n    server a 10.0.0.1:80\n",
        ("haproxy.cfg:3", "expected random or random(<draws>)"),
    ),
    Bad(
        "cfg-huge-maxconn",
        "cfg",
        "global\n    maxconn 99999999999999999999\nlisten l\n    mode http\n",
        ("haproxy.cfg:2", "with an integer, 0 or more"),
    ),
    Bad(
        "cfg-retries-beyond-model",
        "cfg",
        "listen l\n    mode http\n    retries 300\n    server a 10.0.0.1:80\n",
        ("proxy.retries", "haproxy.cfg:3", "must be at most 255"),
    ),
    Bad(
        "cfg-unmatched-quote",
        "cfg",
        'listen l\n    stats auth "admin\n',
        ("haproxy.cfg:2", "unmatched quote"),
    ),
    Bad(
        "cfg-missing-default-backend",
        "cfg",
        "frontend fe\n    mode http\n    default_backend nope\n",
        ("haproxy.cfg:3", "nope"),
    ),
    Bad(
        "cfg-unknown-defaults",
        "cfg",
        "backend app from base\n    server a 10.0.0.1:80\n",
        ("haproxy.cfg:1", "no defaults section named 'base'"),
    ),
    Bad(
        "cfg-missing-file",
        "cli",
        None,
        ("missing.cfg", "cannot read the file"),
        argv=("import-haproxy", "{dir}/missing.cfg", "-o", "{dir}/out.toml"),
        python=lambda d: import_haproxy(d / "missing.cfg"),
    ),
]


def _write(path: Path, data: str | bytes) -> None:
    if isinstance(data, bytes):
        path.write_bytes(data)
    else:
        path.write_text(data, encoding="utf-8")


def _prepare(case: Bad, directory: Path) -> tuple[list[str] | None, Callable[[], Any]]:
    """Writes the case's inputs; returns the command's arguments (None: the command line cannot
    say it) and the Python call that must raise."""
    directory.mkdir()
    _write(directory / "good.toml", GOOD_SCENARIO)
    _write(directory / "huge.toml", HUGE)
    _write(directory / "good_sweep.toml", GOOD_SWEEP)
    _write(directory / "good.cfg", GOOD_CFG)
    for name, content in case.files.items():
        _write(directory / name, content)
    if case.kind == "toml":
        _write(directory / "bad.toml", case.data)
        return ["run", str(directory / "bad.toml"), "--json"], lambda: td.load(directory / "bad.toml")
    if case.kind == "dict":
        argv = None
        if case.sets is not None:
            argv = ["run", str(directory / "good.toml"), *[a for s in case.sets for a in ("--set", s)]]
        return argv, lambda: td.run(case.data)
    if case.kind == "sweep":
        _write(directory / "sweep.toml", case.data)
        out = directory / "rows.csv"
        argv = ["sweep", str(directory / "sweep.toml"), "--out", str(out), "--no-progress", *case.argv]

        def python_sweep() -> Any:
            options = {"max_memory": case.argv[1]} if case.argv[:1] == ("--max-memory",) else {}
            return td.sweep(**load_sweep(directory / "sweep.toml").sweep_arguments(), out=out, **options)

        return argv, python_sweep
    if case.kind == "cfg":
        _write(directory / "haproxy.cfg", case.data)
        argv = ["import-haproxy", str(directory / "haproxy.cfg"), "-o", str(directory / "out.toml")]
        return argv, lambda: import_haproxy(directory / "haproxy.cfg")
    assert case.kind == "cli" and case.python is not None
    return [a.replace("{dir}", str(directory)) for a in case.argv], lambda: case.python(directory)


def _command(argv: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "200"}
    return subprocess.run(
        [str(TEARDOWN), *argv], capture_output=True, text=True, timeout=120, env=env, check=False
    )


@pytest.mark.timeout(600)
def test_every_bad_input_is_refused_with_a_clear_message_status_2_and_no_output(tmp_path):
    assert len(CASES) >= 50
    assert len({c.id for c in CASES}) == len(CASES)
    assert TEARDOWN.exists(), f"the teardown entry point is not installed next to {sys.executable}"
    prepared = {case.id: _prepare(case, tmp_path / case.id) for case in CASES}
    inputs = {case.id: sorted(p.name for p in (tmp_path / case.id).iterdir()) for case in CASES}
    with ThreadPoolExecutor(max_workers=4) as pool:
        commands = {
            case.id: pool.submit(_command, argv)
            for case in CASES
            if (argv := prepared[case.id][0]) is not None
        }
        completed = {name: future.result() for name, future in commands.items()}

    problems: list[str] = []
    cli_checked = 0
    for case in CASES:
        directory = tmp_path / case.id
        python_call = prepared[case.id][1]
        # Python: ConfigError, naming what it must name.
        try:
            python_call()
        except td.ConfigError as error:
            text = str(error)
            missing = [e for e in case.expect if e not in text]
            if missing:
                problems.append(f"{case.id}: Python message lacks {missing}:\n    {text}")
        except Exception as error:  # noqa: BLE001 - any other exception is the failure reported
            problems.append(f"{case.id}: Python raised {type(error).__name__}, not ConfigError: {error}")
        else:
            problems.append(f"{case.id}: Python accepted it")
        # The command: status 2, one clear message, no traceback.
        if case.id in completed:
            cli_checked += 1
            done = completed[case.id]
            expected = case.cli_expect if case.cli_expect is not None else case.expect
            missing = [e for e in expected if e not in done.stderr]
            if done.returncode != 2:
                problems.append(f"{case.id}: exit status {done.returncode}, not 2:\n    {done.stderr[-800:]}")
            elif missing:
                problems.append(f"{case.id}: stderr lacks {missing}:\n    {done.stderr}")
            if "Traceback" in done.stderr:
                problems.append(f"{case.id}: a traceback on stderr:\n    {done.stderr[-800:]}")
            if done.stdout.strip():
                problems.append(f"{case.id}: printed a result although refused:\n    {done.stdout[:300]}")
        # Nothing written: exactly the inputs remain (no rows.csv, out.toml, temporary files).
        left = sorted(p.name for p in directory.iterdir())
        if left != inputs[case.id]:
            problems.append(f"{case.id}: files written: {sorted(set(left) - set(inputs[case.id]))}")

    assert cli_checked >= 50
    assert not problems, f"{len(problems)} of {len(CASES)} bad inputs mishandled:\n" + "\n".join(problems)
