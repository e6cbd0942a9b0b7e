"""`python scripts/bench_runtime.py [--json]`: the runtime's speed figures, each against a

The code lives in `evoke_tools.bench_runtime`; see its notes."""

import sys

from evoke_tools.bench_runtime import main

if __name__ == "__main__":
    sys.exit(main())
