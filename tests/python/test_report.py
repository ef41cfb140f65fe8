"""``teardown report`` / ``td.report``: the HTML file, opened in headless Chromium.

The browser runs the page's script and gives back the DOM it rendered (--dump-dom) and its console
on stderr; a script error shows in either (the page records ``window.onerror`` on ``<html>``), and
a deliberately broken page proves that the check catches one.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
import teardown as td
from teardown.cli import main
from teardown.numbers import format_interval, format_metric, unit
from teardown.report import HEADLINE
from teardown.report.inputs import read_sweep_rows

ROOT = Path(__file__).resolve().parents[2]
STALE_REUSE = ROOT / "examples" / "scenarios" / "stale-reuse-keepalive.toml"
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
BROWSER_SECONDS = 120  # a bound on one page load; a normal one takes about a second

needs_chromium = pytest.mark.skipif(
    CHROMIUM is None, reason="chromium is not installed (scripts/setup installs the Debian package)"
)


def teardown_cli(capsys, *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def render(page: Path, profile: Path, screenshot: Path | None = None) -> tuple[str, list[str]]:
    """(the DOM Chromium rendered, the script errors it met) for an HTML file."""
    command = [
        str(CHROMIUM),
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        f"--user-data-dir={profile}",
        "--enable-logging=stderr",
        "--v=0",
        "--window-size=1200,3000",
    ]
    if screenshot is not None:
        shot = subprocess.run(
            [*command, f"--screenshot={screenshot}", page.as_uri()],
            capture_output=True,
            text=True,
            timeout=BROWSER_SECONDS,
        )
        assert shot.returncode == 0, shot.stderr[-2000:]
    done = subprocess.run(
        [*command, "--dump-dom", page.as_uri()], capture_output=True, text=True, timeout=BROWSER_SECONDS
    )
    assert done.returncode == 0, done.stderr[-2000:]
    dom = done.stdout
    errors = [line for line in done.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]
    recorded = re.search(r'<html[^>]*\bdata-js-errors="([^"]*)"', dom)
    if recorded:
        errors.append(f"recorded by the page: {recorded.group(1)}")
    if not re.search(r'<body[^>]*\bdata-js="ok"', dom):
        errors.append("the page's script did not run to its end")
    return dom, errors


class _Rows(HTMLParser):
    """The cells of every table row that has a ``data-key``, by key, as the reader sees them."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: dict[str, list[str]] = {}
        self._key: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self._key = dict(attrs).get("data-key")
            if self._key is not None:
                self.rows[self._key] = []
        elif tag == "td" and self._key is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None and self._key is not None:
            self.rows[self._key].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "tr":
            self._key = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def table_rows(dom: str) -> dict[str, list[str]]:
    parser = _Rows()
    parser.feed(dom)
    return parser.rows


def shown_number(metric: str, cell: str) -> float:
    """The value a cell shows, back in the metric's own unit (a ratio, seconds)."""
    number = float(cell.split(" ")[0].replace(",", ""))
    return number / {"%": 100.0, "ms": 1e3}.get(unit(metric), 1.0)


def assert_offline(html: str) -> None:
    assert not re.search(r"https?://", html), "the report refers to the network"
    for reference in re.findall(r"""\b(?:src|href)\s*=\s*["']?([^"'\s>]+)""", html):
        assert reference.startswith(("data:", "#")), f"the report loads {reference}"


@pytest.fixture(scope="module")
def scenario_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("report") / "stale.toml"
    scenario = td.load(STALE_REUSE).with_(
        {"sim.duration": "5s", "sim.warmup": "1s", "sim.timeseries_bin": "1s"}
    )
    path.write_text(scenario.to_toml())
    return path


@pytest.fixture(scope="module")
def sweep_csv(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("report") / "rows.csv"
    base = td.load(STALE_REUSE).with_({"sim.duration": "3s", "sim.warmup": "1s"})
    td.sweep(
        base,
        grid={"proxy.timeout.http_keep_alive": ["300ms", "1s"], "clients.pool.idle_evict": ["off", "200ms"]},
        replications=2,
        out=out,
        progress=False,
    )
    return out


# --- a scenario's report -----------------------------------------------------------------------


@needs_chromium
def test_a_scenario_report_shows_the_runs_figures_in_a_browser_without_errors(
    capsys, scenario_file, tmp_path
):
    out = tmp_path / "report.html"
    code, _, err = teardown_cli(
        capsys, "report", str(scenario_file), "-o", str(out), "-r", "2", "--max-candidates", "12"
    )
    assert code == 0, err
    html = out.read_text()
    assert_offline(html)
    screenshot = tmp_path / "report.png"
    dom, errors = render(out, tmp_path / "profile", screenshot)
    assert errors == []
    assert screenshot.read_bytes().startswith(b"\x89PNG") and screenshot.stat().st_size > 10_000

    result = td.run(td.load(scenario_file))
    assert result.metrics["requests.failed"] > 0 and result.metrics["backend.resets"] > 0
    rows = table_rows(dom)
    for metric, _ in HEADLINE:
        label, name, this_run, replicated = rows[metric]
        value = result.metrics[metric]
        assert name == metric
        assert this_run == format_metric(metric, value)
        assert math.isclose(shown_number(metric, this_run), value, rel_tol=1e-3, abs_tol=1e-12), (
            metric,
            this_run,
        )
        assert "±" in replicated or replicated == this_run
    for server in result.per_server.itertuples(index=False):
        cells = rows[f"server-{int(server.server)}"]
        assert cells[1] == f"{server.requests:,.0f}" and cells[4] == f"{server.resets_seen:,.0f}"
    for anchor in ("scenario", "metrics", "servers", "timeseries", "failure", "reset", "advice"):
        assert f'href="#{anchor}"' in dom and f'id="{anchor}"' in dom
    assert "Failed request 1 of" in dom and "Backend reset 1 of" in dom  # td.explain's accounts
    assert any(key.startswith("now ") for key in rows)  # the advisor's row of the scenario as it is
    assert dom.count("<img") == 5  # per server, two time series, two ladders


@needs_chromium
def test_the_browser_check_catches_a_script_error(scenario_file, tmp_path):
    out = td.report(scenario_file, tmp_path / "report.html", replications=1, advice=False)
    broken = tmp_path / "broken.html"
    broken.write_text(out.read_text().replace("</main>", "</main><script>no_such_function();</script>"))
    _, errors = render(broken, tmp_path / "profile")
    assert any("no_such_function" in e for e in errors), errors
    _, errors = render(out, tmp_path / "profile")
    assert errors == []


def test_a_result_with_a_trace_is_explained_from_its_own_trace(tmp_path):
    scenario = td.load(STALE_REUSE).with_({"sim.duration": "5s", "sim.warmup": "1s"})
    result = td.run(scenario, trace=10_000)
    html = td.report(result, tmp_path / "r.html", replications=1, advice=False).read_text()
    assert "the run above, its traced connections" in html
    assert format_metric("client.failure_ratio", result.metrics["client.failure_ratio"]) in html
    assert 'id="advice"' not in html and "mean of 1 runs" not in html


def test_a_run_without_failures_or_resets_says_so(tmp_path):
    quiet = td.load(STALE_REUSE).with_({"sim.duration": "3s", "sim.warmup": "1s", "proxy.mode": "httpclose"})
    html = td.report(quiet, tmp_path / "quiet.html", replications=1, advice=False).read_text()
    assert "No failed client request in the traced run" in html
    assert "No reset seen by a backend in the traced run" in html


# --- a sweep's report ---------------------------------------------------------------------------


@needs_chromium
def test_a_sweep_report_shows_the_summary_and_heatmaps_in_a_browser(capsys, sweep_csv, tmp_path):
    out = tmp_path / "sweep.html"
    code, _, err = teardown_cli(capsys, "report", str(sweep_csv), "-o", str(out))
    assert code == 0, err
    html = out.read_text()
    assert_offline(html)
    dom, errors = render(out, tmp_path / "profile")
    assert errors == []

    from teardown.summarise import MAIN_METRICS

    summary = td.summarise(read_sweep_rows(sweep_csv), metrics=list(MAIN_METRICS))
    rows = table_rows(dom)
    assert len(summary) == 4
    for _, point in summary.iterrows():
        cells = rows[f"point-{int(point['point'])}"]
        shown = cells[3 : 3 + len(MAIN_METRICS)]
        expected = [
            format_interval(m, point[f"{m}.mean"], point[f"{m}.ci_low"], point[f"{m}.ci_high"])
            for m in MAIN_METRICS
        ]
        assert shown == expected
        assert cells[1:3] == [
            str(point["proxy.timeout.http_keep_alive"]),
            str(point["clients.pool.idle_evict"]),
        ]
    assert dom.count("<img") == len(MAIN_METRICS)
    for metric in MAIN_METRICS:  # a heatmap each, over the two swept keys
        assert (
            f"<figcaption>{metric}: mean over proxy.timeout.http_keep_alive and clients.pool.idle_evict."
            in dom
        )


def test_sweep_rows_that_are_not_a_grid_are_drawn_as_bars_per_point(tmp_path):
    base = td.load(STALE_REUSE).with_({"sim.duration": "2s", "sim.warmup": "1s"})
    rows = td.sweep(
        base,
        points=[{"proxy.mode": "httpclose"}, {"proxy.timeout.http_keep_alive": "5s"}],
        replications=2,
        progress=False,
    )
    html = td.report(rows, tmp_path / "points.html", metrics=["client.failure_ratio"]).read_text()
    assert "client.failure_ratio: mean per point, with its 95% interval." in html
    assert html.count("<img") == 1


def test_text_from_the_rows_is_escaped(sweep_csv, tmp_path):
    hostile = '<img src=x onerror="alert(1)">&'
    text = sweep_csv.read_text().replace(",off,", f',"{hostile.replace(chr(34), chr(34) * 2)}",')
    crafted = tmp_path / "crafted.csv"
    crafted.write_text(text)
    html = td.report(crafted, tmp_path / "crafted.html", metrics=["client.failure_ratio"]).read_text()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;&amp;" in html


# --- bad input -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["missing.toml", "-o", "{tmp}/r.html"], "missing.toml: cannot read scenario file"),
        (["missing.csv", "-o", "{tmp}/r.html"], "missing.csv: no such file"),
        (["{tmp}/notes.txt", "-o", "{tmp}/r.html"], "unknown kind of file '.txt'"),
        (["{scenario}", "-o", "{tmp}/no/such/dir/r.html"], "cannot write the report: no directory"),
        (["{scenario}", "-o", "{tmp}"], "is a directory: give the report's file name"),
        (["{csv}", "-o", "{tmp}/r.html", "--set", "sim.seed=2"], "--set changes a scenario"),
        (["{csv}", "-o", "{tmp}/r.html", "--metric", "no.such"], "no metric named 'no.such'"),
        (["{scenario}", "-o", "{tmp}/r.html", "--metric", "latency.p99"], "--metric chooses the metrics"),
        (["{scenario}", "-o", "{tmp}/r.html", "--set", "proxy.mode=okhtp"], "proxy.mode"),
        (["{tmp}/empty.csv", "-o", "{tmp}/r.html"], "cannot be read as sweep results"),
        (["{scenario}", "-o", "{tmp}/r.html", "--objective", "failures, keep x"], "objective: cannot read"),
    ],
)
def test_bad_input_exits_2_naming_what_to_fix_and_writes_nothing(
    capsys, scenario_file, sweep_csv, tmp_path, argv, message
):
    (tmp_path / "notes.txt").write_text("hello")
    (tmp_path / "empty.csv").write_text("")
    filled = [a.format(tmp=tmp_path, scenario=scenario_file, csv=sweep_csv) for a in argv]
    code, out, err = teardown_cli(capsys, "report", *filled)
    assert code == 2
    assert message in err and err.startswith("teardown report: error: ")
    assert out == ""
    assert not (tmp_path / "r.html").exists()


def test_an_interrupted_report_leaves_the_old_file_whole(capsys, monkeypatch, scenario_file, tmp_path):
    out = tmp_path / "r.html"
    out.write_text("the previous report")

    def interrupted(*_args, **_kwargs):
        raise KeyboardInterrupt

    class OsInterruptedAtRename:
        replace = staticmethod(interrupted)

        def __getattr__(self, name: str) -> object:
            return getattr(os, name)

    monkeypatch.setattr(sys.modules["teardown.cli.output"], "os", OsInterruptedAtRename())
    code, _, err = teardown_cli(
        capsys, "report", str(scenario_file), "-o", str(out), "-r", "1", "--no-advice"
    )
    assert code == 130 and "interrupted" in err
    assert out.read_text() == "the previous report"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.html"]  # no temporary file left


def test_the_python_call_refuses_bad_arguments_before_running(scenario_file, tmp_path):
    with pytest.raises(td.ConfigError, match="explain_duration: expected a duration"):
        td.report(scenario_file, tmp_path / "r.html", explain_duration="soon")
    with pytest.raises(td.ConfigError, match="objective"):
        td.report(scenario_file, tmp_path / "r.html", objective="fewest tears")
    assert list(tmp_path.iterdir()) == []


def test_the_report_command_is_in_the_table_with_examples(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["report", "--help"])
    assert exit_.value.code == 0
    assert "examples:\n  teardown report " in capsys.readouterr().out
    with pytest.raises(TypeError, match="not int"):
        td.report(3, "r.html")
