"""Make the bundled model, reproducibly: `python scripts/make_model.py` (the Makefile's `make model`).

The code lives in `evoke_training.make_model`; see its notes."""

from evoke_tools.process_exit import leave
from evoke_training.make_model import main

if __name__ == "__main__":
    leave(main())
