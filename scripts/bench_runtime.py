"""`python scripts/bench_runtime.py [--json]`: the runtime's speed figures, each against a

The code lives in `evoke_tools.bench_runtime`; see its notes."""

from evoke_tools.bench_runtime import main
from evoke_tools.process_exit import leave

if __name__ == "__main__":
    leave(main())
