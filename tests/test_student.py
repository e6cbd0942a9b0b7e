"""The numpy student against torch on the same weights."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from inference.errors import ModelError
from inference.model import untrained_weights
from inference.student import StudentNet, sigmoid


def _layers(net: nn.Sequential) -> list[nn.Conv2d | nn.Linear]:
    return [m for m in net if isinstance(m, nn.Conv2d | nn.Linear)]


def torch_student(weights: dict[str, np.ndarray]) -> nn.Module:
    net = nn.Sequential(
        nn.Conv2d(4, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 32, 3, padding=1), nn.ReLU(),
        nn.Flatten(), nn.Linear(2592, 128), nn.ReLU(), nn.Linear(128, 3),
    )  # fmt: skip
    with torch.no_grad():
        for layer, name in zip(_layers(net), ["conv1", "conv2", "fc1", "fc2"], strict=True):
            layer.weight.copy_(torch.from_numpy(weights[name + ".weight"]))
            assert layer.bias is not None
            layer.bias.copy_(torch.from_numpy(weights[name + ".bias"]))
    return net.eval()


@pytest.mark.parametrize("batch", [1, 7, 64, 200])
def test_numpy_forward_matches_torch(batch: int) -> None:
    weights = untrained_weights(seed=3)
    rng = np.random.default_rng(batch)
    for k in weights:  # non-zero biases so their handling is tested too
        if k.endswith("bias"):
            weights[k] = rng.standard_normal(weights[k].shape).astype(np.float32) * 0.1
    x = rng.standard_normal((batch, 4, 9, 9)).astype(np.float32)
    with torch.no_grad():
        ref = torch_student(weights)(torch.from_numpy(x)).numpy()
    ours = StudentNet(weights).logits(x)
    assert ours.shape == (batch, 3)
    assert np.abs(ours - ref).max() <= 1e-5


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
    from inference import blas_threads, student

    net = StudentNet(untrained_weights(5))
    x = np.random.default_rng(9).standard_normal((1500, 4, 9, 9)).astype(np.float32)
    serial = net._forward_serial(x)
    api = blas_threads._blas()
    before = api[0]() if api else None
    parallel = net.logits(x)  # >= _PARALLEL_FROM: the threaded path where BLAS can be held
    np.testing.assert_allclose(parallel, serial, atol=1e-6)
    if api is not None:  # where OpenBLAS was found, the threaded path ran and put BLAS back
        assert student._pool is not None
        assert api[0]() == before
