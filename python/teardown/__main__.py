"""``python -m teardown``: the ``teardown`` command where the console script is not on PATH."""

import sys

from teardown.cli import main

sys.exit(main())
