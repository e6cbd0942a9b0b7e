"""A headless live session: the extension's live driver on an LSL stream, ticked by this script.

The code lives in `evoke_tools.live_session`; see its notes."""

import sys

from evoke_tools.live_session import main

if __name__ == "__main__":
    sys.exit(main())
