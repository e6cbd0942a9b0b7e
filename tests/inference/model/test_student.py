"""The numpy student against an independent reference on the same weights: scipy's correlate
for the convolutions (runs on every numpy this project supports; the torch comparison, which needs
torch, is in test_models.py)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import correlate

from inference.errors import ModelError
from inference.model.student import StudentNet, sigmoid
from inference.model.untrained import untrained_weights


def reference_logits(weights: dict[str, np.ndarray], x: np.ndarray) -> np.ndarray:
    """The student's layers written plainly: each 3x3 'same' convolution (cross-correlation, as
    torch defines it) is scipy's 'valid' correlate over the zero-padded map, in float64."""

    def conv_relu(maps: np.ndarray, w: np.ndarray, b: np.ndarray) -> np.ndarray:
        padded = np.pad(maps.astype(np.float64), ((0, 0), (1, 1), (1, 1)))
        out = np.stack([correlate(padded, w[o], mode="valid")[0] + b[o] for o in range(len(w))])
        return np.maximum(out, 0.0)

    rows = []
    for window in x:
        h = conv_relu(window, weights["conv1.weight"], weights["conv1.bias"])
        h = conv_relu(h, weights["conv2.weight"], weights["conv2.bias"]).reshape(-1)
        h = np.maximum(weights["fc1.weight"] @ h + weights["fc1.bias"], 0.0)
        rows.append(weights["fc2.weight"] @ h + weights["fc2.bias"])
    return np.array(rows)


@pytest.mark.slow
@pytest.mark.parametrize("batch", [1, 7, 64, 200])
def test_numpy_forward_matches_the_reference(batch: int) -> None:
    weights = untrained_weights(seed=3)
    rng = np.random.default_rng(batch)
    for k in weights:  # non-zero biases so their handling is tested too
        if k.endswith("bias"):
            weights[k] = rng.standard_normal(weights[k].shape).astype(np.float32) * 0.1
    x = rng.standard_normal((batch, 4, 9, 9)).astype(np.float32)
    ours = StudentNet(weights).logits(x)
    assert ours.shape == (batch, 3)
    assert np.abs(ours - reference_logits(weights, x)).max() <= 1e-5  # float32 against float64


def test_single_window_and_batch_agree() -> None:
    net = StudentNet(untrained_weights(1))
    x = np.random.default_rng(0).standard_normal((5, 4, 9, 9)).astype(np.float32)
    np.testing.assert_allclose(net.logits(x[2]), net.logits(x)[2], atol=1e-6)


def test_wrong_shapes_are_refused_with_names() -> None:
    weights = untrained_weights()
    weights["fc1.weight"] = weights["fc1.weight"][:, :100]
    with pytest.raises(ModelError, match=r"fc1\.weight"):
        StudentNet(weights, source="m.npz")
    with pytest.raises(ModelError, match="9, 9"):
        StudentNet(untrained_weights()).logits(np.zeros((2, 4, 8, 8), np.float32))


def test_sigmoid_is_stable() -> None:
    z = np.array([-1000.0, -5.0, 0.0, 5.0, 1000.0])
    np.testing.assert_allclose(sigmoid(z), 1 / (1 + np.exp(-np.clip(z, -700, 700))), atol=1e-12)


def test_large_batches_split_over_threads_give_the_same_logits_and_restore_blas() -> None:
    from inference.model import blas_threads, student

    net = StudentNet(untrained_weights(5))
    x = np.random.default_rng(9).standard_normal((1500, 4, 9, 9)).astype(np.float32)
    serial = net._forward_serial(x)
    api = blas_threads._blas()
    before = api[0]() if api else None
    parallel = net.logits(x)  # >= _PARALLEL_FROM: the threaded path where BLAS can be held
    # float32 through GEMMs blocked differently for a chunk than for the whole batch: sums of
    # 2,592 products round differently by a few ulps (1.7e-6 seen on this CPU's kernels), so the
    # bound is float32's, not bit-identity; a wrong chunk boundary would differ by whole units
    np.testing.assert_allclose(parallel, serial, rtol=1e-5, atol=1e-5)
    if api is not None:  # where OpenBLAS was found, the threaded path ran and put BLAS back
        assert student._pool is not None
        assert api[0]() == before


def test_the_blas_thread_switch_is_found_in_numpys_own_wheel() -> None:
    """numpy 1.x wheels bundle `libopenblas*`, numpy 2.x `libscipy_openblas*` with prefixed
    symbols: both must be found, or large batches run serially and live ticks spin BLAS threads."""
    import glob
    import os

    from inference.model import blas_threads

    base = os.path.dirname(np.__file__)
    bundled = glob.glob(os.path.join(base, os.pardir, "numpy.libs", "lib*openblas*"))
    assert bundled, f"numpy {np.__version__} here bundles no OpenBLAS: not a registry wheel"
    assert blas_threads.available(), bundled
