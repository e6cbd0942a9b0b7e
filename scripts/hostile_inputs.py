"""Bad and hostile inputs against the command line, each with a memory and a time limit.

The code lives in `evoke_tools.hostile`; see its notes."""

from evoke_tools.hostile import main
from evoke_tools.process_exit import leave

if __name__ == "__main__":
    leave(main())
