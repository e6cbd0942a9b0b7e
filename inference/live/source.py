"""What the live driver reads from: any `LiveSource` (an LSL stream, a BrainFlow board, ...).

A source describes its channels, rate and unit once known (`poll`), hands over whatever samples
arrived without ever waiting (`pull`), and says when it has gone quiet (`lost`). Finding or
opening the device may take seconds, so a source does that in a background thread of its own;
its methods are called from one thread (Blender's main thread) and never block it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import numpy as np

from .stream_info import StreamDescription


@dataclass(frozen=True)
class Pulled:
    samples: np.ndarray | None  # (n, channels) float32, or None when nothing arrived
    stamps: np.ndarray | None  # (n,) time stamps on the source's clock (local_clock's)
    resumed: bool  # the first samples after the source was lost (restart the signal history)
    battery: float | None = None  # the device's latest battery reading, where it reports one


class LiveSource(Protocol):
    name: str
    error: str  # why the source cannot be used ("" while all is well)

    def poll(self) -> StreamDescription | None:
        """The description once the source is open, else None; raises InputError for a source
        EEG cannot use."""
        ...

    def pull(self) -> Pulled:
        """What has arrived since the last call; never waits."""
        ...

    @property
    def lost(self) -> bool: ...

    @property
    def since_last_sample_s(self) -> float: ...

    def local_clock(self) -> float:
        """Now, on the clock of the stamps (so now - stamp is a sample's age)."""
        ...

    def close(self) -> None: ...
