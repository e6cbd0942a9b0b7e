"""Benchmark the batch: 2 local workers over 1 (timelines, clips) and Ray's overhead per task.

The code lives in `evoke_tools.bench_batch`; see its notes."""

from evoke_tools.bench_batch import main
from evoke_tools.process_exit import leave

if __name__ == "__main__":
    leave(main())
