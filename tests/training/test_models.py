"""Architectures and their measured cost: the numbers Table I and the README state."""

from __future__ import annotations

import pytest
import torch
from evoke_training import models


def test_ccnn_matches_the_paper() -> None:
    net = models.CCNN()
    assert models.count_params(net) == 6_234_627
    prof = models.profile(net, torch.zeros(2, 4, 9, 9))
    assert prof.macs == 79_961_088  # Table I: 79.961M FLOPs
    assert prof.layers == 12  # Table I: 12 layers
    assert net(torch.zeros(5, 4, 9, 9)).shape == (5, 3)


def test_student_within_one_percent_of_the_paper() -> None:
    net = models.Student()
    n = models.count_params(net)
    assert n == 353_123
    assert abs(n - 353_363) / 353_363 < 0.01
    assert abs(models.profile(net, torch.zeros(1, 4, 9, 9)).macs - 1.991e6) / 1.991e6 < 0.02
    names = {k for k, _ in net.named_parameters()}
    assert names == {
        f"{m}.{p}" for m in ("conv1", "conv2", "fc1", "fc2") for p in ("weight", "bias")
    }


@pytest.mark.parametrize(
    ("name", "target", "tol"), [("arjun", 144_356, 0.03), ("vit", 85.64e6, 0.01)]
)
def test_baseline_sizes(name: str, target: float, tol: float) -> None:
    spec = models.MODELS[name]
    net = spec.build()
    assert abs(models.count_params(net) - target) / target < tol
    if name == "arjun":
        assert net(spec.example(2)).shape == (2, 3)


def test_mac_counter_sees_attention() -> None:
    net = models.ArjunViT()
    macs = models.profile(net, models.MODELS["arjun"].example()).macs
    linear_only = sum(
        m.in_features * m.out_features for m in net.modules() if isinstance(m, torch.nn.Linear)
    )
    assert macs > linear_only  # token-wise linears run on 129 tokens and attention adds more


@pytest.mark.parametrize("batch", [1, 7, 64, 200])
def test_numpy_student_matches_the_torch_student(batch: int) -> None:
    """The runtime's numpy forward pass against the torch module training uses, same weights."""
    import numpy as np

    from inference.model.student import StudentNet

    net = models.Student().eval()
    rng = np.random.default_rng(batch)
    with torch.no_grad():  # non-zero biases so their handling is tested too
        for param in net.parameters():
            param.copy_(torch.from_numpy(rng.standard_normal(param.shape).astype(np.float32) * 0.1))
    weights = {k: v.detach().numpy() for k, v in net.state_dict().items()}
    x = rng.standard_normal((batch, 4, 9, 9)).astype(np.float32)
    with torch.no_grad():
        ref = net(torch.from_numpy(x)).numpy()
    ours = StudentNet(weights).logits(x)
    assert ours.shape == (batch, 3)
    assert np.abs(ours - ref).max() <= 1e-5
