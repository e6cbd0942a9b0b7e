"""`python scripts/bench_live.py [--json]`: the live bridge without Blender, measured as a user
runs it (memory, CPU, first OSC message, signal time -> OSC, Connected False at the end).

The code lives in `evoke_tools.bench_live`; see its notes."""

from evoke_tools.bench_live import main
from evoke_tools.process_exit import leave

if __name__ == "__main__":
    leave(main())
