"""Bad and hostile inputs against the command line, each with a memory and a time limit.

The code lives in `evoke_tools.hostile`; see its notes."""

import sys

from evoke_tools.hostile import main

if __name__ == "__main__":
    sys.exit(main())
