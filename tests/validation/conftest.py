"""The validation tests use the installed package (./scripts/test installs it into .venv),
compiled core and teardown.validation included."""
