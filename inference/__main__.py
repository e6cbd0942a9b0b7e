"""`python -m inference ...`: see inference/cli.py."""

import sys

from .cli import main

sys.exit(main())
