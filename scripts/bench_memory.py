"""`python scripts/bench_memory.py [--minutes 10] [--json]`: peak memory of reading and predicting
long recordings of every format, each in a fresh process.

The code lives in `evoke_tools.bench_memory`; see its notes."""

from evoke_tools.bench_memory import main
from evoke_tools.process_exit import leave

if __name__ == "__main__":
    leave(main())
