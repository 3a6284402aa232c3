"""Component-health diagnostics."""

from __future__ import annotations

import numpy as np

from cfgmm_lib import GaussianMixture, em, init
from cfgmm_lib.diagnostics import component_health, format_health, health_summary


def test_a_component_that_memorises_one_user_is_flagged():
    rng = np.random.default_rng(0)
    X = np.clip(np.rint(rng.normal(3.5, 1.0, (40, 6))), 1, 5)
    X[rng.random(X.shape) < 0.2] = 0
    odd = np.array([5.0, 0.0, 1.0, 0.0, 5.0, 1.0])  # one unusual user with two missing ratings
    X = np.vstack([X, odd])
    mu = np.vstack([np.full(6, 3.5), odd])
    initial = GaussianMixture(mu, np.array([1.0, 1.0]), np.array([0.5, 0.5]))
    final, _, _ = em.run(X, initial, np.full((len(X), 2), 0.5))
    rows = component_health(X, final, initial)
    lone = rows[1]
    assert lone["carried_by_few"] and lone["at_floor"] and lone["effective_users"] < 1.5
    assert lone["untouched_zero_means"] == 2 and lone["untouched_means"] == 2
    assert not rows[0]["carried_by_few"] and rows[0]["effective_users"] > 30
    summary = health_summary(rows)
    assert summary == {"at_floor": 1, "near_zero_weight": 0, "carried_by_few": 1, "healthy": 1, "components": 2,
                       "untouched_means": 2, "untouched_zero_means": 2}
    text = format_health(rows)
    assert "at_floor,carried_by_few" in text and text.splitlines()[0].startswith("comp")


def test_near_zero_weight_and_no_initial():
    X = np.array([[1.0, 2.0], [1.5, 2.5], [1.2, 2.2]])
    mixture = GaussianMixture(np.array([[1.2, 2.2], [40.0, 40.0]]), np.array([1.0, 1.0]), np.array([1.0, 0.0]))
    rows = component_health(X, mixture)
    assert rows[1]["near_zero_weight"] and "untouched_means" not in rows[1]
    assert health_summary(rows)["healthy"] == 1
