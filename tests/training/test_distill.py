"""Eq. 1 against a hand computation, and its reduction to plain BCE."""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from evoke_training.distill import distillation_loss


def _bce(p: np.ndarray, target: np.ndarray) -> float:
    return float(-np.mean(target * np.log(p) + (1 - target) * np.log(1 - p)))


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


@pytest.mark.parametrize(("T", "alpha"), [(1.25, 0.25), (3.0, 0.9), (1.0, 1.0), (2.0, 0.0)])
def test_matches_hand_computation(T: float, alpha: float) -> None:
    rng = np.random.default_rng(0)
    v = rng.normal(size=(5, 3)) * 2  # student logits
    z = rng.normal(size=(5, 3)) * 2  # teacher logits
    y = rng.integers(0, 2, size=(5, 3)).astype(np.float64)
    q, p_soft, p = _sigmoid(z / T), _sigmoid(v / T), _sigmoid(v)
    expected = alpha * _bce(p_soft, q) * T**2 + (1 - alpha) * _bce(p, y)
    got = distillation_loss(
        torch.tensor(v), torch.tensor(z), torch.tensor(y), T=T, alpha=alpha
    ).item()
    assert abs(got - expected) < 1e-6


def test_t1_alpha0_is_plain_bce() -> None:
    v, z = torch.randn(7, 3), torch.randn(7, 3)
    y = torch.randint(0, 2, (7, 3))
    plain = F.binary_cross_entropy_with_logits(v, y.float())
    assert torch.allclose(distillation_loss(v, z, y, T=1.0, alpha=0.0), plain, atol=1e-7)


def test_no_gradient_reaches_the_teacher() -> None:
    v = torch.randn(4, 3, requires_grad=True)
    z = torch.randn(4, 3, requires_grad=True)
    distillation_loss(v, z, torch.ones(4, 3), T=2.0, alpha=0.5).backward()
    assert v.grad is not None and z.grad is None


def test_rejects_bad_settings() -> None:
    v = torch.zeros(1, 3)
    with pytest.raises(ValueError, match="temperature"):
        distillation_loss(v, v, v, T=0.0)
    with pytest.raises(ValueError, match="alpha"):
        distillation_loss(v, v, v, alpha=1.5)
