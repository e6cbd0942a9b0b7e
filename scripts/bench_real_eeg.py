"""The face on real EEG: flicker, honest confidence, start-shift agreement (offline, live, bakes).

The code lives in `evoke_tools.bench_real_eeg`; see its notes."""

from evoke_tools.bench_real_eeg import main
from evoke_tools.process_exit import leave

if __name__ == "__main__":
    leave(main())
