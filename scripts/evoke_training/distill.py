"""Eq. 1 of the paper: multi-label knowledge distillation with temperature-softened sigmoids.

q = sigmoid(z / T) from the teacher's logits z (soft targets); the student's logits v give
L1 = BCE(sigmoid(v / T), q) * T^2 and L2 = BCE(sigmoid(v), y); L = alpha * L1 + (1 - alpha) * L2.
Both terms use BCE-with-logits (numerically stable) with PyTorch's default mean over samples and
labels. The printed Eq. 1 sums over the 3 labels instead: a constant factor 3 that Adam ignores.
T^2 keeps the soft-target gradients on the same scale as T grows (Hinton et al. 2015).
"""

from __future__ import annotations

import torch
import torch.nn.functional as F


def soft_targets(teacher_logits: torch.Tensor, T: float) -> torch.Tensor:
    """q = sigmoid(z / T): the teacher's softened probabilities, with no gradient to the teacher."""
    return torch.sigmoid(teacher_logits.detach() / T)


def distillation_loss(
    student_logits: torch.Tensor,
    teacher_logits: torch.Tensor,
    labels: torch.Tensor,
    T: float = 1.25,
    alpha: float = 0.25,
) -> torch.Tensor:
    """L = alpha * L1 + (1 - alpha) * L2 (Eq. 1); T = 1 and alpha = 0 is plain BCE on labels."""
    if T <= 0:
        raise ValueError(f"temperature T must be positive, got {T}")
    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"alpha must be in [0, 1], got {alpha}")
    q = soft_targets(teacher_logits, T)
    l1 = F.binary_cross_entropy_with_logits(student_logits / T, q) * (T * T)
    l2 = F.binary_cross_entropy_with_logits(student_logits, labels.to(student_logits.dtype))
    return alpha * l1 + (1.0 - alpha) * l2
