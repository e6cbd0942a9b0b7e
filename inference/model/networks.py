"""The numpy networks a model file can name, keyed by its metadata's `architecture.name`.

A new student is one module (its forward pass, with `weights` and `logits`) and one entry here;
the training companion's export writes the same name (`evoke_training.export.ARCHITECTURES`),
and `load_model` builds whichever network the file names, refusing a name not listed.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from ..errors import ModelError
from .student import STUDENT_SHAPES, StudentNet


class Network(Protocol):
    """What the runtime asks of a network: (n, bands, 9, 9) features -> (n, 3) logits."""

    weights: dict[str, np.ndarray]  # torch layout and names, as the model file holds them

    def logits(self, x: np.ndarray) -> np.ndarray: ...


@dataclass(frozen=True)
class Architecture:
    name: str
    shapes: Mapping[str, tuple[int, ...]]  # weight name -> shape, as the file must hold them
    build: Callable[[dict[str, np.ndarray], str], Network]  # (weights, source for messages)
    bands_weight: str  # the weight whose axis 1 counts the input's bands


def _student(weights: dict[str, np.ndarray], source: str) -> Network:
    return StudentNet(weights, source=source)


STUDENT = "evoke-student"
NETWORKS: dict[str, Architecture] = {
    STUDENT: Architecture(STUDENT, STUDENT_SHAPES, _student, "conv1.weight"),
}
OUTPUTS = ("valence", "arousal", "dominance")


def architecture(name: object, src: str) -> Architecture:
    """The network a model file names; a name this runtime does not know is refused, saying
    which it knows (a newer file, or another tool's)."""
    found = NETWORKS.get(name) if isinstance(name, str) else None
    if found is None:
        shown = repr(name)[:60]
        raise ModelError(
            f"{src}: architecture {shown} is not one this runtime runs; known: "
            f"{', '.join(sorted(NETWORKS))}"
        )
    return found


def architecture_of(meta: Mapping[str, object], src: str) -> Architecture:
    """The file's `architecture.name` (files written before it was read all say evoke-student)."""
    field = meta.get("architecture", {"name": STUDENT})
    name = field.get("name") if isinstance(field, dict) else None
    return architecture(name, src)
