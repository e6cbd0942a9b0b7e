"""What the avatar's geometry tests share: the merged face mesh and its ARKit keys, built once.

Fixtures rather than importable helpers: test modules are imported by path (importlib mode).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from evoke_blender.avatar import expressions, mesh, parts

# merge()'s result: FaceData (per-vertex arrays), faces, face materials, skin weights
Merged = tuple[Any, list[tuple[int, ...]], list[int], dict[str, np.ndarray]]


@pytest.fixture(scope="session")
def merged() -> Merged:
    return mesh.merge(parts.all_parts())


@pytest.fixture(scope="session")
def fd(merged: Merged) -> Any:
    """The merged face mesh's per-vertex data (a ``FaceData``)."""
    return merged[0]


@pytest.fixture(scope="session")
def keys(fd: Any) -> dict[str, np.ndarray]:
    """Every ARKit key's displacement field (head-local metres), by name."""
    return expressions.shape_key_displacements(fd)
