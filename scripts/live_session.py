"""A headless live session: the extension's live driver on an LSL stream, ticked by this script.

The code lives in `evoke_tools.live_session`; see its notes."""

from evoke_tools.live_session import main
from evoke_tools.process_exit import leave

if __name__ == "__main__":
    leave(main())
