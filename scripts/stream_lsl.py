"""Replay a recording as a Lab Streaming Layer (LSL) EEG outlet, paced by the clock.

The code lives in `evoke_tools.stream_lsl`; see its notes."""

from evoke_tools.process_exit import leave
from evoke_tools.stream_lsl import main

if __name__ == "__main__":
    leave(main())
