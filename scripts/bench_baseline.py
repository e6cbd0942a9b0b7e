"""Does the face depend on when the session started? Agreement after a shifted start.

The code lives in `evoke_tools.bench_baseline`; see its notes."""

from evoke_tools.bench_baseline import main
from evoke_tools.process_exit import leave

if __name__ == "__main__":
    leave(main())
