"""A Bayesian (hidden Markov) filter over the eight emotions, with the model as its evidence.

The person is in one of eight octants and moves to another at a rate of one change per
`switch_s` seconds (a switching prior, uniform over the other seven: probability rho per window).
Each window's model probabilities give the octant probabilities q (dimensions independent, as
the table treats them), raised to `evidence * dt`: `evidence` full windows' worth of belief per
second, since windows a hop of 0.25 s apart share three quarters of their samples and are far
from independent. The posterior after each window:

    pi_t  proportional to  q_t ** (evidence * dt)  *  ((1 - rho) pi_{t-1} + rho / 8)

Invalid windows bring no evidence (the prior only). Unlike an EMA with hysteresis, the filter
forgets where it started at the rate the switching prior sets, so a session started at any
moment converges to the same posterior.

The evidence is computed in log space and scaled so that each window's largest factor is 1:
however large `evidence * dt` (a 60 s hop at 100 windows a second raises q to the 6000th
power), the factors never all underflow to 0, so the posterior is never 0/0 (NaN).

Hindsight (`smoothed_posteriors`, for bakes: the whole recording is known): forward-backward
over the same model. The transition matrix is symmetric, so the backward messages are the
filter run on the reversed timeline: beta_t = mix @ (reversed filter at t+1), and
P(octant at t | every window) is proportional to pi_t * beta_t.

`posteriors` runs a whole timeline as products of 8x8 matrices, a block of windows at a time (a
prefix scan: log2(block) batched products, no loop over windows); `OctantFilter` is the same
recursion one window at a time for live use. Tests hold the two equal.
"""

from __future__ import annotations

import math

import numpy as np

from .table import OCTANT_BITS, EmotionTable

N_OCTANTS = 8
_BLOCK = 256  # windows per prefix scan: log2(256) = 8 batched products each
_FLOOR = 1e-6  # octant probabilities below this count as this: one wrong window is not proof


def switch_probability(dt: float, switch_s: float) -> float:
    """rho: the chance of a change between two windows dt apart."""
    return 1.0 - math.exp(-dt / switch_s)


def evidence_power(dt: float, evidence: float) -> float:
    return evidence * dt


def posteriors(
    probs: np.ndarray, valid: np.ndarray, dt: float, switch_s: float, evidence: float
) -> np.ndarray:
    """(n, 3) VAD probabilities, (n,) validity -> (n, 8) posterior over the octants."""
    n = len(probs)
    e = _evidence(probs, valid, evidence_power(dt, evidence))  # (n, 8)
    mix = _mix(dt, switch_s)
    out = np.empty((n, N_OCTANTS))
    alpha = np.full(N_OCTANTS, 1.0 / N_OCTANTS)
    for start in range(0, n, _BLOCK):  # blocks, not windows: n / 256 scans
        steps = e[start : start + _BLOCK, :, None] * mix[None]  # M_t = diag(e_t) @ mix
        prefix = _prefix_products(steps)  # P_t = M_t ... M_start
        block = prefix @ alpha
        block /= block.sum(axis=1, keepdims=True)
        out[start : start + len(block)] = block
        alpha = block[-1]
    return out


def smoothed_posteriors(
    probs: np.ndarray, valid: np.ndarray, dt: float, switch_s: float, evidence: float
) -> np.ndarray:
    """(n, 8) P(octant at t | all n windows): forward-backward, for a timeline known whole."""
    forward = posteriors(probs, valid, dt, switch_s, evidence)
    if len(forward) < 2:
        return forward
    reverse = posteriors(probs[::-1], valid[::-1], dt, switch_s, evidence)[::-1]
    beta = np.full_like(forward, 1.0 / N_OCTANTS)
    beta[:-1] = reverse[1:] @ _mix(dt, switch_s)  # >= rho / 8 everywhere: the product is never 0
    joint = forward * beta
    return joint / joint.sum(axis=1, keepdims=True)


def _mix(dt: float, switch_s: float) -> np.ndarray:
    """The transition matrix: symmetric, rows and columns sum to 1."""
    rho = switch_probability(dt, switch_s)
    return (1.0 - rho) * np.eye(N_OCTANTS) + rho / N_OCTANTS


def _evidence(probs: np.ndarray, valid: np.ndarray, power: float) -> np.ndarray:
    """(n, 8) each window's likelihood factors, scaled to a maximum of 1 (1 where invalid)."""
    q = EmotionTable.octant_probabilities(np.where(valid[:, None], probs, 0.5))
    log_e = power * np.log(np.maximum(q, _FLOOR))
    log_e -= log_e.max(axis=1, keepdims=True)
    return np.where(valid[:, None], np.exp(log_e), 1.0)


def _prefix_products(m: np.ndarray) -> np.ndarray:
    """(k, 8, 8) -> P with P_t = m_t @ m_{t-1} @ ... @ m_0 (Hillis-Steele scan), each scaled
    to a maximum of 1 (the posterior is a direction; the scale would underflow)."""
    p = m / m.max(axis=(1, 2), keepdims=True)
    d = 1
    while d < len(p):
        joined = p[d:] @ p[:-d]
        joined /= joined.max(axis=(1, 2), keepdims=True)
        p = np.concatenate([p[:d], joined])
        d *= 2
    return p


def marginals(posterior: np.ndarray) -> np.ndarray:
    """(..., 8) octant posterior -> (..., 3) P(valence), P(arousal), P(dominance) high."""
    return posterior @ np.array(OCTANT_BITS, dtype=np.float64)


class OctantFilter:
    """`posteriors`, one window at a time: eight floats a step, plain Python (see smoothing)."""

    def __init__(self, dt: float, switch_s: float, evidence: float) -> None:
        self.rho = switch_probability(dt, switch_s)
        self.power = evidence_power(dt, evidence)
        self.reset()

    def reset(self) -> None:
        self.posterior = [1.0 / N_OCTANTS] * N_OCTANTS

    def update(self, probs: list[float] | None) -> list[float]:
        """probs: the window's (V, A, D), or None for an invalid window. Returns the posterior."""
        keep, spread = 1.0 - self.rho, self.rho / N_OCTANTS
        prior = [keep * x + spread for x in self.posterior]
        if probs is not None:
            q = EmotionTable.octant_probabilities_of(*probs)
            log_e = [self.power * math.log(max(y, _FLOOR)) for y in q]
            top = max(log_e)  # scaled as `posteriors` scales it: never all 0
            prior = [x * math.exp(y - top) for x, y in zip(prior, log_e, strict=True)]
        total = sum(prior)
        self.posterior = [x / total for x in prior]
        return self.posterior
