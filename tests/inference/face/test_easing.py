"""Easing: the bake's keys and the live face follow the same smoothstep over EASE_S."""

from __future__ import annotations

import numpy as np

from inference.face.easing import EASE_S, FaceEase, flat_handles, smoothstep, step_keys


def _bezier(
    p0: np.ndarray, p1: np.ndarray, p2: np.ndarray, p3: np.ndarray, s: np.ndarray
) -> np.ndarray:
    """A cubic Bezier segment's points at parameter s: (len(s), 2)."""
    s = s[:, None]
    return (1 - s) ** 3 * p0 + 3 * (1 - s) ** 2 * s * p1 + 3 * (1 - s) * s**2 * p2 + s**3 * p3


def test_a_change_becomes_two_keys_an_ease_apart() -> None:
    t = np.arange(20) * 0.25
    values = np.zeros((20, 2))
    values[8:, 0] = 1.0  # a change at 2.0 s
    kt, kv = step_keys(t, values)
    np.testing.assert_allclose(kt, [0.0, 2.0 - EASE_S / 2, 2.0 + EASE_S / 2, t[-1]])
    np.testing.assert_allclose(kv[:, 0], [0, 0, 1, 1])


def test_flat_third_handles_make_every_segment_smoothstep() -> None:
    kt = np.array([0.0, 1.0, 1.4, 5.0])
    kv = np.array([[0.0], [0.0], [1.0], [1.0]])
    left, right = flat_handles(kt, kv)
    p0, p3 = np.array([1.0, 0.0]), np.array([1.4, 1.0])
    s = np.linspace(0, 1, 11)
    curve = _bezier(p0, right[1, 0], left[2, 0], p3, s)
    np.testing.assert_allclose(curve[:, 0], 1.0 + 0.4 * s, atol=1e-12)  # time runs evenly
    np.testing.assert_allclose(curve[:, 1], smoothstep(s), atol=1e-12)  # and value is smoothstep


def test_a_change_during_a_change_starts_from_the_face_as_it_is() -> None:
    t = np.arange(12) * 0.25
    values = np.zeros((12, 1))
    values[4:] = 1.0  # at 1.0 s
    values[5:] = 0.5  # at 1.25 s: the first ease has only gone halfway... of 0.25 of 0.4 s
    kt, kv = step_keys(t, values)
    s = (1.25 - 0.2 - (1.0 - 0.2)) / EASE_S
    assert np.all(np.diff(kt) > 0)
    np.testing.assert_allclose(kt, [0.0, 0.8, 1.05, 1.45, t[-1]])
    np.testing.assert_allclose(kv[:, 0], [0.0, 0.0, float(smoothstep(s)), 0.5, 0.5])


def test_steady_and_empty_timelines() -> None:
    t = np.arange(5) * 0.25
    kt, kv = step_keys(t, np.ones((5, 3)))
    np.testing.assert_allclose(kt, [0.0, 1.0])
    assert step_keys(np.zeros(0), np.zeros((0, 3)))[0].size == 0


def test_live_ease_matches_the_curve_and_restarts_from_where_it_is() -> None:
    ease = FaceEase(2)
    ease.towards(np.array([1.0, 0.0]), now=10.0)
    for dt in (0.0, 0.1, 0.2, 0.3, 0.4, 1.0):
        np.testing.assert_allclose(ease.at(10.0 + dt)[0], smoothstep(dt / EASE_S), atol=1e-6)
    assert ease.moving(10.3) and not ease.moving(10.5)
    halfway = ease.at(10.2).copy()
    ease.towards(np.array([0.0, 1.0]), now=10.2)
    np.testing.assert_allclose(ease.at(10.2), halfway, atol=1e-6)  # no jump
    np.testing.assert_allclose(ease.at(11.0), [0.0, 1.0], atol=1e-6)


def test_the_same_target_again_neither_restarts_nor_moves() -> None:
    ease = FaceEase(1)
    ease.towards(np.array([1.0]), now=0.0)
    ease.towards(np.array([1.0]), now=0.2)  # the next window shows the same emotion
    np.testing.assert_allclose(ease.at(0.4), [1.0], atol=1e-6)  # arrived on the first schedule
    assert not ease.moving(0.5)
    ease.towards(np.array([1.0]), now=0.6)
    assert not ease.moving(0.61)  # a face at rest stays at rest: the timer ticks slowly
