"""The two baselines every figure is shown beside, on the same features and splits as the nets.

- majority class: each dimension's more frequent label among the training windows (ties: high),
  predicted for every test window. Its accuracy is the rate a constant predictor gets.
- logistic regression: one per dimension on the flattened band features (4 x 9 x 9 = 324),
  standardised with the training windows' mean and std, L2-penalised as scikit-learn's default
  (C = 1: minimise C * sum of log-losses + |w|^2 / 2, intercept free), solved with L-BFGS in
  float64. Written in torch rather than taken from scikit-learn to add no dependency; the tests
  check it against an independent Newton solver in numpy.
"""

from __future__ import annotations

import numpy as np
import torch
import torch.nn.functional as F

from evoke_training import metrics as M

C = 1.0  # inverse L2 strength, scikit-learn's default


def majority_scores(y_train: np.ndarray, y_test: np.ndarray) -> dict[str, float]:
    """Scores on the test windows of each dimension's majority label in the training windows."""
    high = np.asarray(y_train).astype(np.float64).mean(axis=0) >= 0.5
    return M.scores(y_test, np.broadcast_to(high, np.shape(y_test)))


class Logistic:
    """L2 logistic regression per output column; see the module's notes for the objective."""

    def __init__(self, c: float = C, max_iter: int = 500) -> None:
        self.c, self.max_iter = c, max_iter
        self.mean = self.scale = self.coef = self.intercept = torch.zeros(0, dtype=torch.float64)

    def _standard(self, x: np.ndarray) -> torch.Tensor:
        flat = torch.as_tensor(np.asarray(x).reshape(len(x), -1), dtype=torch.float64)
        return (flat - self.mean) / self.scale

    def fit(self, x: np.ndarray, y: np.ndarray) -> Logistic:
        flat = torch.as_tensor(np.asarray(x).reshape(len(x), -1), dtype=torch.float64)
        self.mean = flat.mean(0)
        sd = flat.std(0, unbiased=False)
        self.scale = torch.where(sd > 0, sd, torch.ones_like(sd))  # empty grid cells stay 0
        z = self._standard(x)
        t = torch.as_tensor(np.asarray(y), dtype=torch.float64)
        w = torch.zeros(z.shape[1], t.shape[1], dtype=torch.float64, requires_grad=True)
        b = torch.zeros(t.shape[1], dtype=torch.float64, requires_grad=True)
        n = len(z)
        opt = torch.optim.LBFGS([w, b], lr=1.0, max_iter=self.max_iter, history_size=20,
                                tolerance_grad=1e-10, tolerance_change=1e-14,
                                line_search_fn="strong_wolfe")  # fmt: skip

        def objective() -> torch.Tensor:
            # The objective divided by C * n (same minimum, gradients of order 1).
            opt.zero_grad()
            loss = F.binary_cross_entropy_with_logits(z @ w + b, t, reduction="sum") / n
            loss = loss + (w * w).sum() / (2 * self.c * n)
            loss.backward()
            return loss

        opt.step(objective)
        self.coef, self.intercept = w.detach(), b.detach()
        return self

    def decision(self, x: np.ndarray) -> np.ndarray:
        """Logits, (n, outputs)."""
        return (self._standard(x) @ self.coef + self.intercept).numpy()


def linear_scores(
    x: np.ndarray, y: np.ndarray, train: np.ndarray, test: np.ndarray
) -> dict[str, float]:
    """Fit on the training windows, score on the test windows."""
    model = Logistic().fit(x[train], y[train])
    return M.from_logits(y[test], model.decision(x[test]))
