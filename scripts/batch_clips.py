"""Render a clip per recording or trial, on every local core or on a Ray cluster.

The code lives in `evoke_tools.batch_clips`; see its notes."""

from evoke_tools.batch_clips import main
from evoke_tools.process_exit import leave

if __name__ == "__main__":
    leave(main())
