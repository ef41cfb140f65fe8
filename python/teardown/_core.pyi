"""Type stubs for teardown's compiled core."""

NEVER: int
__version__: str

def parse_duration(text: str) -> int: ...
def format_duration(ns: int) -> str: ...
