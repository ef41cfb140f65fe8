"""Real Java HTTP client libraries as the harness's load client (``validation.client``).

``javaclients/TeardownClient.java`` drives Apache HttpClient 4.5 (Debian ``libhttpclient-java``),
OkHttp 3 (Debian ``libokhttp-java``) or the JDK 17 ``java.net.http.HttpClient``, each with its
default connection pooling and retries (see :mod:`.libraries` for those defaults as scenario keys),
through the harness's workloads (closed loop, Poisson, on/off), and counts each request's final
outcome by the Python client's failure kinds. It is compiled here with ``javac`` against the
Debian jars (nothing is downloaded), as the Netty backend is (:func:`.netty.compile_java`).

:class:`JavaClientRun` starts the JVM before the measurement (its start-up and the clients'
construction are not part of the load), :meth:`~JavaClientRun.run` says "go" and waits for the
counts, returned as the Python load loop's :class:`.client.LoadResult` and
:class:`.client.ClientStats`.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections import deque
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from teardown.validation import parse_seconds
from teardown.validation.client import ClientStats, LoadResult
from teardown.validation.netty import JVM_FLAGS, compile_java, jars_in, java_missing

__all__ = ["JAVA_LIBRARIES", "JavaClientRun", "available"]

SOURCE = Path(__file__).with_name("javaclients") / "TeardownClient.java"
MAIN_CLASS = "TeardownClient"
INSTALL_HINT = (
    "apt-get install -y --no-install-recommends openjdk-17-jdk-headless libhttpclient-java libokhttp-java"
)
# Debian's jars: HttpClient 4.5 needs httpcore, commons-logging and commons-codec; OkHttp 3 (Java,
# before its Kotlin rewrite in 4.x) needs okio 1.x. The JDK client needs none.
JARS = ("httpclient", "httpcore", "commons-logging", "commons-codec", "okhttp", "okio")
JAVA_LIBRARIES = ("apache-httpclient-4.5", "okhttp-3", "jdk-httpclient-17")


def available() -> str | None:
    """``None`` if java, javac and the client jars are installed; else why not (a skip message)."""
    return java_missing(SOURCE, JARS, INSTALL_HINT)


def _build() -> tuple[Path, list[Path]]:
    reason = available()
    if reason is not None:
        raise RuntimeError(f"the Java client cannot be built: {reason}")
    jars = jars_in(JARS, INSTALL_HINT)
    return compile_java(SOURCE, jars, MAIN_CLASS), jars


def _arguments(sc: Mapping[str, Any], library: str, port: int, seed: int) -> list[str]:
    """The driver's flags for a merged harness scenario (``measure.merge(DEFAULTS, ...)``)."""
    c, a, v = sc["clients"], sc["clients"]["arrival"], sc["validation"]
    if a["kind"] == "closed" and a["think_dist"] not in ("exponential", "constant"):
        raise ValueError(
            f"clients.arrival.think_dist {a['think_dist']!r}: the Java client draws exponential or "
            "constant think times only"
        )

    def us(value: Any) -> str:
        return repr((parse_seconds(value) or 0.0) * 1e6)

    return [
        "--library", library,
        "--port", str(port),
        "--clients", str(int(c["count"])),
        "--arrival", str(a["kind"]),
        "--rate", repr(float(a["rate"])),
        "--think-mean-us", us(a["think_time"]),
        "--think", str(a["think_dist"]),
        "--concurrency", str(int(a["concurrency"])),
        "--on-us", us(a["on"]),
        "--off-us", us(a["off"]),
        "--max-requests", str(int(v["max_requests"])),
        "--duration-us", us(v["duration"]),
        "--seed", str(seed),
    ]  # fmt: skip


class JavaClientRun:
    """One run of the Java driver: started (JVM up, clients built), then :meth:`run` once."""

    def __init__(self, sc: Mapping[str, Any], library: str, port: int, seed: int = 0) -> None:
        if library not in JAVA_LIBRARIES:
            raise ValueError(f"validation.client: {library!r} is not one of {', '.join(JAVA_LIBRARIES)}")
        self.library = library
        self.duration = parse_seconds(sc["validation"]["duration"]) or 4.0
        self._args = _arguments(sc, library, port, seed)
        self._stderr: deque[str] = deque(maxlen=40)
        self._proc: subprocess.Popen[str] | None = None
        self.versions: dict[str, str] = {}

    def start(self, timeout: float = 60.0) -> None:
        """Compile if needed, start the JVM and wait until its clients are built."""
        classes, jars = _build()
        cp = os.pathsep.join([*(str(j) for j in jars), str(classes)])
        self._proc = subprocess.Popen(
            ["java", *JVM_FLAGS, "-cp", cp, MAIN_CLASS, *self._args],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            bufsize=1,
        )
        assert self._proc.stderr is not None
        threading.Thread(target=self._drain, args=(self._proc.stderr,), daemon=True).start()
        ready = self._line(timeout)
        if not ready.get("ready"):
            raise RuntimeError(f"the Java client did not start: {ready}")
        self.versions = {"library": str(ready.get("version")), "java": str(ready.get("java"))}

    def _drain(self, stream: Any) -> None:
        for line in stream:
            self._stderr.append(line.rstrip())

    def _line(self, timeout: float) -> dict[str, Any]:
        """The driver's next JSON line, read on a thread so that a hung JVM cannot hang the run."""
        assert self._proc is not None and self._proc.stdout is not None
        box: list[str] = []
        reader = threading.Thread(target=lambda: box.append(self._proc.stdout.readline()), daemon=True)  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout)
        if not box or not box[0].strip():
            tail = "\n".join(self._stderr)
            raise RuntimeError(
                f"the Java client ({self.library}) gave no answer within {timeout} s"
                + (f"; stderr:\n{tail}" if tail else "")
            )
        answer: dict[str, Any] = json.loads(box[0])
        return answer

    def run(self) -> tuple[LoadResult, ClientStats, dict[str, str]]:
        """Start the load and return its result, the counts, and one exception text per kind."""
        assert self._proc is not None and self._proc.stdin is not None
        self._proc.stdin.write("go\n")
        self._proc.stdin.flush()
        done = self._line(self.duration + 60.0)
        counts = {str(k): int(n) for k, n in done["counts"].items()}
        stats = ClientStats()
        stats.counters.update({k: n for k, n in counts.items() if k != "completed"})
        result = LoadResult(started=int(done["started"]), completed=counts.get("completed", 0))
        result.failed = result.started - result.completed
        result.wall = float(done["wall"])
        return result, stats, {str(k): str(v) for k, v in done.get("examples", {}).items()}

    def stop(self) -> None:
        """Close stdin (the driver exits) and reap the JVM; kill it if it lingers."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        try:
            if proc.stdin is not None:
                proc.stdin.close()
            proc.wait(5.0)
        except (OSError, subprocess.TimeoutExpired):
            pass
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(5.0)
            if proc.stdout is not None:
                proc.stdout.close()
