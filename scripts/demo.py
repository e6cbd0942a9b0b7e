"""`make demo`: a synthetic DEAP subject through the whole runtime, each trial's emotion timeline.

The code lives in `evoke_tools.demo`; see its notes."""

import sys

from evoke_tools.demo import main

if __name__ == "__main__":
    sys.exit(main())
