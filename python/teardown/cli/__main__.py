"""``python -m teardown.cli``: the ``teardown`` command where the console script is not installed."""

import sys

from teardown.cli import main

sys.exit(main())
