"""The distilled student CNN, forward pass in numpy.

Layers (DESIGN.md default, weights named as the torch module in scripts/models.py names them):
conv1 4->64 3x3 same + ReLU, conv2 64->32 3x3 same + ReLU, flatten (C,H,W order) 2592,
fc1 ->128 + ReLU, fc2 ->3 logits (valence, arousal, dominance).

Speed: activations are kept channels-last so each 3x3 conv is nine shifted matrix products into
one accumulator (no im2col copy); batches run in cache-sized chunks; padded buffers are reused.
"""

from __future__ import annotations

import numpy as np

from .errors import ModelError

GRID = 9
STUDENT_SHAPES: dict[str, tuple[int, ...]] = {
    "conv1.weight": (64, 4, 3, 3),
    "conv1.bias": (64,),
    "conv2.weight": (32, 64, 3, 3),
    "conv2.bias": (32,),
    "fc1.weight": (128, 32 * GRID * GRID),
    "fc1.bias": (128,),
    "fc2.weight": (3, 128),
    "fc2.bias": (3,),
}
_CHUNK = 64  # windows per pass: keeps conv activations in cache (measured best on 2 cores)


def _gather_index(cin: int) -> np.ndarray:
    """Flat positions in a padded (11, 11, cin) map of every 3x3 patch, in (y, x, tap, c) order."""
    y, x, ky, kx, c = np.meshgrid(*(np.arange(k) for k in (GRID, GRID, 3, 3, cin)), indexing="ij")
    return (((y + ky) * (GRID + 2) + (x + kx)) * cin + c).reshape(-1)


def _patches_by_slices(padded: np.ndarray, patches: np.ndarray) -> None:
    """Fill (n, 9, 9, 9, cin) patches with nine slice copies (fastest for many channels)."""
    for ky in range(3):  # nine kernel taps, a fixed tiny loop; windows stay batched
        for kx in range(3):
            patches[:, :, :, 3 * ky + kx] = padded[:, ky : ky + GRID, kx : kx + GRID, :]


def _gemm_bias_relu(
    patches: np.ndarray, taps: np.ndarray, bias: np.ndarray, out: np.ndarray
) -> None:
    """out = relu(patches @ taps + bias): the whole 3x3 conv as one matrix product."""
    rows = out.shape[0] * GRID * GRID
    np.matmul(patches.reshape(rows, -1), taps, out=out.reshape(rows, -1))
    out += bias
    np.maximum(out, 0.0, out=out)


class StudentNet:
    """Weights rearranged once for the channels-last forward pass."""

    def __init__(self, weights: dict[str, np.ndarray], *, source: str = "model") -> None:
        for name, shape in STUDENT_SHAPES.items():
            if name not in weights:
                raise ModelError(f"{source}: weight '{name}' is missing")
            if tuple(weights[name].shape) != shape:
                raise ModelError(
                    f"{source}: weight '{name}' has shape {tuple(weights[name].shape)}, "
                    f"the student needs {shape}"
                )
            if not np.all(np.isfinite(weights[name])):
                raise ModelError(f"{source}: weight '{name}' holds NaN or Inf")
        f32 = {k: np.asarray(weights[k], dtype=np.float32) for k in STUDENT_SHAPES}
        self.weights = f32  # torch layout, kept for export and reference checks
        self.taps1 = np.ascontiguousarray(f32["conv1.weight"].transpose(2, 3, 1, 0).reshape(36, 64))
        self.bias1 = f32["conv1.bias"]
        self.taps2 = np.ascontiguousarray(
            f32["conv2.weight"].transpose(2, 3, 1, 0).reshape(576, 32)
        )
        self.bias2 = f32["conv2.bias"]
        # fc1 sees torch's (C, H, W) flattening; reorder its columns to our (H, W, C) layout.
        fc1 = f32["fc1.weight"].reshape(128, 32, GRID, GRID).transpose(0, 2, 3, 1)
        self.fc1 = np.ascontiguousarray(fc1.reshape(128, -1).T)
        self.bias3 = f32["fc1.bias"]
        self.fc2 = np.ascontiguousarray(f32["fc2.weight"].T)
        self.bias4 = f32["fc2.bias"]
        self._gather1 = _gather_index(4)  # conv1 has 4 channels: one gather beats nine copies
        self._buffers: dict[int, tuple[np.ndarray, ...]] = {}

    def _buffers_for(self, n: int) -> tuple[np.ndarray, ...]:
        if n not in self._buffers:
            if len(self._buffers) > 4:
                self._buffers.clear()
            self._buffers[n] = (
                np.zeros((n, GRID + 2, GRID + 2, 4), np.float32),  # padded input
                np.zeros((n, GRID + 2, GRID + 2, 64), np.float32),  # padded conv1 output
                np.empty((n, GRID, GRID, 64), np.float32),
                np.empty((n, GRID, GRID, 32), np.float32),
                np.empty((n, GRID, GRID, 9, 4), np.float32),  # conv1 patches
                np.empty((n, GRID, GRID, 9, 64), np.float32),  # conv2 patches
            )
        return self._buffers[n]

    def _forward_chunk(self, x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        pad_in, pad_mid, act1, act2, patches1, patches2 = self._buffers_for(n)
        pad_in[:, 1:-1, 1:-1, :] = x.transpose(0, 2, 3, 1)
        np.take(pad_in.reshape(n, -1), self._gather1, axis=1, out=patches1.reshape(n, -1))
        _gemm_bias_relu(patches1, self.taps1, self.bias1, act1)
        pad_mid[:, 1:-1, 1:-1, :] = act1  # borders stay zero: "same" padding
        _patches_by_slices(pad_mid, patches2)
        _gemm_bias_relu(patches2, self.taps2, self.bias2, act2)
        hidden: np.ndarray = act2.reshape(n, -1) @ self.fc1
        hidden += self.bias3
        np.maximum(hidden, 0.0, out=hidden)
        return hidden @ self.fc2 + self.bias4

    def logits(self, grid: np.ndarray) -> np.ndarray:
        """(n, 4, 9, 9) or (4, 9, 9) features -> (n, 3) or (3,) logits."""
        x = np.asarray(grid, dtype=np.float32)
        single = x.ndim == 3
        if single:
            x = x[None]
        if x.ndim != 4 or x.shape[1:] != (4, GRID, GRID):
            raise ModelError(f"features must be (n, 4, 9, 9), got {tuple(np.shape(grid))}")
        if x.shape[0] <= _CHUNK:
            out = self._forward_chunk(x)
        else:
            out = np.concatenate(
                [self._forward_chunk(x[i : i + _CHUNK]) for i in range(0, x.shape[0], _CHUNK)]
            )
        return out[0] if single else out


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function without overflow warnings for large |z|."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))
