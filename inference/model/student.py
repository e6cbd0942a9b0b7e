"""The distilled student CNN, forward pass in numpy.

Layers (weights named as the torch module, evoke_training.models.Student, names them):
conv1 4->64 3x3 same + ReLU, conv2 64->32 3x3 same + ReLU, flatten (C,H,W order) 2592,
fc1 ->128 + ReLU, fc2 ->3 logits (valence, arousal, dominance).

Speed: activations are kept channels-last. conv1 (4 channels) gathers its 3x3 patches with one
`take` and runs one GEMM. conv2 splits its 3x3 kernel by axis: the three x-neighbours of each
position sit side by side in the GEMM's input (192 = 3 x 64 wide, three copies of conv1's output)
and the three kernel rows in its output (96 = 3 x 32 columns, which BLAS runs far better than
32), then three row-shifted adds sum the rows. Nine shifted adds of a 9-tap product (the previous
way) cost more than the copies; a full 576-wide im2col costs more again. Batches run in
cache-sized chunks; buffers are reused.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from ..dsp.electrodes import GRID_SIZE as GRID
from ..errors import ModelError
from . import blas_threads

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
_PARALLEL_FROM = 512  # batches at least this large are split over one worker thread per core
_WORKERS = max(1, min(os.cpu_count() or 1, 8))
_pool: ThreadPoolExecutor | None = None
_CHUNK = 64  # windows per pass: conv activations stay in cache (64 and 128 measured alike on
# 2 cores, 36k windows/s at batch 1024; 64 holds half the buffers: 9 MiB a thread)


def _gather_index(cin: int) -> np.ndarray:
    """Flat positions in a padded (11, 11, cin) map of every 3x3 patch, in (y, x, tap, c) order."""
    y, x, ky, kx, c = np.meshgrid(*(np.arange(k) for k in (GRID, GRID, 3, 3, cin)), indexing="ij")
    return (((y + ky) * (GRID + 2) + (x + kx)) * cin + c).reshape(-1)


def _row_sum(per_row: np.ndarray, out: np.ndarray) -> None:
    """out[y] = per_row[y - 1, row 0] + per_row[y, row 1] + per_row[y + 1, row 2], zero outside:
    the kernel rows of a "same" 3x3 conv summed. per_row: (n, 9, 9, 3, cout); out: (n, 9, 9, cout)."""
    out[:] = per_row[:, :, :, 1]
    out[:, 1:] += per_row[:, :-1, :, 0]
    out[:, :-1] += per_row[:, 1:, :, 2]


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
        # conv2 as (x-neighbour * cin, kernel row * cout): see the module's notes
        self.taps2 = np.ascontiguousarray(
            f32["conv2.weight"].transpose(3, 1, 2, 0).reshape(3 * 64, 3 * 32)
        )
        self.bias2 = f32["conv2.bias"]
        # fc1 sees torch's (C, H, W) flattening; reorder its columns to our (H, W, C) layout.
        fc1 = f32["fc1.weight"].reshape(128, 32, GRID, GRID).transpose(0, 2, 3, 1)
        self.fc1 = np.ascontiguousarray(fc1.reshape(128, -1).T)
        self.bias3 = f32["fc1.bias"]
        self.fc2 = np.ascontiguousarray(f32["fc2.weight"].T)
        self.bias4 = f32["fc2.bias"]
        self._gather1 = _gather_index(4)  # conv1 has 4 channels: one gather beats nine copies
        self._local = threading.local()  # buffers per thread: workers never share them

    def _buffers_for(self, n: int) -> tuple[np.ndarray, ...]:
        buffers: dict[int, tuple[np.ndarray, ...]] = self._local.__dict__.setdefault("buffers", {})
        if n not in buffers:
            if len(buffers) > 4:
                buffers.clear()
            buffers[n] = (
                np.zeros((n, GRID + 2, GRID + 2, 4), np.float32),  # padded input
                np.empty((n, GRID, GRID, 64), np.float32),
                np.empty((n, GRID, GRID, 32), np.float32),
                np.empty((n, GRID, GRID, 9, 4), np.float32),  # conv1 patches
                np.zeros((n, GRID, GRID, 3, 64), np.float32),  # conv2 input: x-neighbours
                np.empty((n, GRID, GRID, 3, 32), np.float32),  # conv2 per-kernel-row products
            )
        return buffers[n]

    def _forward_chunk(self, x: np.ndarray) -> np.ndarray:
        n = x.shape[0]
        pad_in, act1, act2, patches1, sides, per_row = self._buffers_for(n)
        pad_in[:, 1:-1, 1:-1, :] = x.transpose(0, 2, 3, 1)  # borders stay zero: "same" padding
        np.take(pad_in.reshape(n, -1), self._gather1, axis=1, out=patches1.reshape(n, -1))
        _gemm_bias_relu(patches1, self.taps1, self.bias1, act1)
        sides[:, :, 1:, 0] = act1[:, :, :-1]  # the left neighbour (x = 0's stays zero)
        sides[:, :, :, 1] = act1
        sides[:, :, :-1, 2] = act1[:, :, 1:]  # the right neighbour (x = 8's stays zero)
        rows = n * GRID * GRID
        np.matmul(sides.reshape(rows, -1), self.taps2, out=per_row.reshape(rows, -1))
        _row_sum(per_row, act2)
        act2 += self.bias2
        np.maximum(act2, 0.0, out=act2)
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
        if x.shape[0] >= _PARALLEL_FROM and _WORKERS > 1 and blas_threads.available():
            out = self._forward_parallel(x)
        else:
            out = self._forward_serial(x)
        return out[0] if single else out

    def _forward_serial(self, x: np.ndarray) -> np.ndarray:
        if x.shape[0] <= _CHUNK:
            return self._forward_chunk(x)
        return np.concatenate(
            [self._forward_chunk(x[i : i + _CHUNK]) for i in range(0, x.shape[0], _CHUNK)]
        )

    def _forward_parallel(self, x: np.ndarray) -> np.ndarray:
        """One part per core; BLAS held to one thread meanwhile so the workers own the cores."""
        global _pool
        if _pool is None:
            _pool = ThreadPoolExecutor(_WORKERS, thread_name_prefix="evoke-student")
        parts = np.array_split(x, _WORKERS)
        with blas_threads.single_threaded():
            return np.concatenate(list(_pool.map(self._forward_serial, parts)))


def sigmoid(z: np.ndarray) -> np.ndarray:
    """Logistic function without overflow warnings for large |z|."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=np.float64)))
