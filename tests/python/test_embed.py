"""The C++ library installs as a CMake package that a separate project can use."""

import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.timeout(600)
def test_embedding_example_builds_against_the_installed_package_and_runs(tmp_path):
    build = ROOT / "build" / "dev"
    if not (build / "CMakeCache.txt").exists():
        pytest.skip("the dev build is made by ./scripts/test before pytest runs")
    cmake = shutil.which("cmake")
    assert cmake, "cmake is needed to build the embedding example"
    prefix = tmp_path / "prefix"
    subprocess.run([cmake, "--install", str(build), "--prefix", str(prefix)], check=True, capture_output=True)
    assert (prefix / "lib" / "cmake" / "teardown" / "teardownConfig.cmake").exists()
    out = tmp_path / "embed"
    subprocess.run(
        [
            cmake,
            "-S",
            str(ROOT / "examples" / "embed"),
            "-B",
            str(out),
            "-G",
            "Ninja",
            f"-DCMAKE_PREFIX_PATH={prefix}",
            "-DCMAKE_BUILD_TYPE=Release",
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run([cmake, "--build", str(out)], check=True, capture_output=True)
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        (ROOT / "examples" / "scenarios" / "stale-reuse-keepalive.toml")
        .read_text()
        .replace('"300s"', '"60s"')
    )
    run = subprocess.run([str(out / "embed"), str(scenario)], check=True, capture_output=True, text=True)
    lines = run.stdout.strip().splitlines()
    assert len(lines) == 2
    failed = [float(line.split("failed=")[1].split()[0]) for line in lines]
    assert failed[0] > 0 and failed[1] == 0, run.stdout
