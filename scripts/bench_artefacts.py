"""What an amplifier adds must not change the emotion: the share of windows whose emotion changes.

The code lives in `evoke_tools.artefacts`; see its notes."""

import sys

from evoke_tools.artefacts import main

if __name__ == "__main__":
    sys.exit(main())
