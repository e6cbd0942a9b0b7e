"""How fast the face follows a change, and how still it stays: reaction, flicker, the curves.

The code lives in `evoke_tools.bench_smoothing`; see its notes."""

from evoke_tools.bench_smoothing import main
from evoke_tools.process_exit import leave

if __name__ == "__main__":
    leave(main())
