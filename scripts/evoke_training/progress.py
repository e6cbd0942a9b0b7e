"""One progress bar over a whole run (train, Table I, the sweep): epochs done of every epoch the
run will train, with tqdm's estimate of the time left. `fitting.fit` advances it after each epoch;
log lines go through tqdm.write so they do not tear the bar."""

from __future__ import annotations

import logging
import sys
from collections.abc import Iterator
from contextlib import contextmanager

from tqdm import tqdm

_bars: list[tqdm] = []  # the run's bar while one is open (a stack: a run inside a run works)


@contextmanager
def overall(total: int, desc: str, enabled: bool = True) -> Iterator[tqdm]:
    """A bar of `total` epochs for the duration of the block (drawn when enabled)."""
    bar = tqdm(total=total, desc=desc, unit="epoch", disable=not enabled, dynamic_ncols=True)
    _bars.append(bar)
    try:
        yield bar
    finally:
        _bars.remove(bar)
        bar.close()


def advance(n: int = 1) -> None:
    """Count n epochs done (also those a resumed run skips) on the open bar, if any."""
    if _bars:
        _bars[-1].update(n)


class TqdmHandler(logging.Handler):
    """A logging handler that writes above the bars instead of through them."""

    def emit(self, record: logging.LogRecord) -> None:
        tqdm.write(self.format(record), file=sys.stderr)
