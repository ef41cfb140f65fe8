"""The ``teardown`` command line: a thin layer over the Python API."""

from __future__ import annotations

import argparse
import sys

import teardown


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="teardown",
        description="Predict TCP resets, failed requests, churn and skew behind an HAProxy-like proxy.",
    )
    parser.add_argument("--version", action="version", version=f"teardown {teardown.__version__}")
    parser.parse_args(argv)
    parser.print_help()
    return 0


if __name__ == "__main__":
    sys.exit(main())
