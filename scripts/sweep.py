"""Fig. 4: student accuracy and F1 against the temperature T and the weight alpha of Eq. 1.

The code lives in `evoke_training.sweep`; see its notes."""

from evoke_tools.process_exit import leave
from evoke_training.sweep import main

if __name__ == "__main__":
    leave(main())
