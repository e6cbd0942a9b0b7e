"""`make demo`: a synthetic DEAP subject through the whole runtime, each trial's emotion timeline.

The code lives in `evoke_tools.demo`; see its notes."""

from evoke_tools.demo import main
from evoke_tools.process_exit import leave

if __name__ == "__main__":
    leave(main())
