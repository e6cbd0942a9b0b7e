"""Train the CCNN teacher and distil the EVOKE student (Eq. 1), fold by fold.

The code lives in `evoke_training.train`; see its notes."""

from evoke_tools.process_exit import leave
from evoke_training.train import main

if __name__ == "__main__":
    leave(main())
