"""Synthetic DEAP subjects in DEAP's exact file format, with learnable but noisy emotion effects.

The code lives in `evoke_tools.synthetic`; see its notes."""

from evoke_tools.process_exit import leave
from evoke_tools.synthetic import main

if __name__ == "__main__":
    leave(main())
