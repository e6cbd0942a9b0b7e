"""The baselines against independent references: the logistic regression (torch, L-BFGS) against
Newton's method in numpy on the same objective; the majority class and macro-F1 by hand."""

from __future__ import annotations

import numpy as np
import pytest
from evoke_training import metrics
from evoke_training.baselines import Logistic, majority_scores


def _newton(z: np.ndarray, t: np.ndarray, c: float) -> np.ndarray:
    """argmin of c * sum(log-loss) + |w|^2 / 2 (intercept free), by Newton steps: [w..., b]."""
    a = np.hstack([z, np.ones((len(z), 1))])
    pen = np.append(np.ones(z.shape[1]) / c, 0.0)
    beta = np.zeros(a.shape[1])
    for _ in range(100):
        p = 1 / (1 + np.exp(-a @ beta))
        grad = a.T @ (p - t) + pen * beta
        hess = a.T @ (a * (p * (1 - p))[:, None]) + np.diag(pen)
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-13:
            break
    return beta


@pytest.mark.slow
@pytest.mark.parametrize("c", [1.0, 0.05])
def test_logistic_regression_matches_newton(c: float) -> None:
    rng = np.random.default_rng(0)
    n, d = 400, 30
    x = rng.normal(size=(n, d)) * rng.uniform(0.5, 3, d) + rng.normal(size=d)
    x[:, 3] = 0.0  # an empty grid cell: constant, must not break the standardisation
    y = (x @ rng.normal(size=(d, 3)) + rng.normal(size=(n, 3)) * 3 > 0).astype(np.uint8)
    model = Logistic(c=c).fit(x.reshape(n, 5, 6), y)  # any shape: flattened per window
    sd = x.std(axis=0)
    sd[sd == 0] = 1.0
    z = (x - x.mean(axis=0)) / sd
    x_new = rng.normal(size=(50, d)) * 2
    z_new = (x_new - x.mean(axis=0)) / sd
    for k in range(3):
        beta = _newton(z, y[:, k].astype(np.float64), c)
        assert np.abs(model.coef.numpy()[:, k] - beta[:-1]).max() < 1e-5
        assert abs(model.intercept.numpy()[k] - beta[-1]) < 1e-5
        expected = 1 / (1 + np.exp(-(z_new @ beta[:-1] + beta[-1])))
        got = 1 / (1 + np.exp(-model.decision(x_new.reshape(50, 5, 6))[:, k]))
        assert np.abs(got - expected).max() < 1e-6


def test_majority_class_by_hand() -> None:
    # training labels: valence 3/4 high -> high; arousal 1/4 -> low; dominance 2/4, a tie -> high
    y_train = np.array([[1, 0, 1], [1, 0, 0], [0, 1, 1], [1, 0, 0]])
    y_test = np.array([[1, 1, 0], [0, 0, 0], [1, 0, 1]])  # predicted (1, 0, 1) for every row
    s = majority_scores(y_train, y_test)
    assert s["accuracy_valence"] == pytest.approx(2 / 3)
    assert s["accuracy_arousal"] == pytest.approx(2 / 3)
    assert s["accuracy_dominance"] == pytest.approx(1 / 3)
    # valence: F1(high) = 2*2 / (2 + 3) = 0.8; F1(low) = 0 (never predicted) -> macro 0.4
    assert s["macro_f1_valence"] == pytest.approx(0.4)
    assert s["f1_high_valence"] == pytest.approx(0.8)


def test_macro_f1_by_hand_and_constant_predictor() -> None:
    y = np.array([[1, 0, 1], [0, 0, 1], [1, 1, 0], [0, 1, 1]])
    p = np.array([[1, 0, 0], [1, 0, 1], [1, 1, 0], [0, 0, 1]])
    m = metrics.scores(y, p)
    # valence: high tp 2 of 2 true / 3 predicted -> 0.8; low tp 1 of 2 true / 1 predicted -> 2/3
    assert m["macro_f1_valence"] == pytest.approx((0.8 + 2 / 3) / 2)
    assert m["f1_high_valence"] == pytest.approx(0.8)
    # a constant "high" predictor on 81 % high labels: F1(high) 0.895 but macro-F1 under 0.5
    t = np.zeros((100, 3), np.uint8)
    t[:81] = 1
    const = metrics.scores(t, np.ones_like(t))
    assert const["f1_high_valence"] == pytest.approx(2 * 81 / (81 + 100))
    assert const["macro_f1_valence"] == pytest.approx(81 / 181) and const["mean_macro_f1"] < 0.5
