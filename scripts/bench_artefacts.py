"""What an amplifier adds must not change the emotion: the share of windows whose emotion changes.

The code lives in `evoke_tools.artefacts`; see its notes."""

from evoke_tools.artefacts import main
from evoke_tools.process_exit import leave

if __name__ == "__main__":
    leave(main())
