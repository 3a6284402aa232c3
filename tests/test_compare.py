"""Matching components of two clusterings."""

from __future__ import annotations

import numpy as np
import pytest

from cfgmm_lib.compare import agreement, match_components


def onehot(labels, K):
    out = np.zeros((len(labels), K))
    out[np.arange(len(labels)), labels] = 1
    return out


def test_relabelled_partitions_agree_fully():
    a = onehot([0, 0, 1, 1, 2, 2], 3)
    b = onehot([2, 2, 0, 0, 1, 1], 3)
    np.testing.assert_array_equal(match_components(a, b), [2, 0, 1])
    assert agreement(a, b) == 1.0


def test_partial_agreement_uses_the_best_matching():
    a = onehot([0, 0, 0, 1, 1, 1], 2)
    b = onehot([1, 1, 0, 0, 0, 0], 2)
    assert agreement(a, b) == pytest.approx(5 / 6)


def test_soft_posteriors_use_their_argmax():
    a = np.array([[0.9, 0.1], [0.2, 0.8]])
    b = np.array([[0.4, 0.6], [0.7, 0.3]])
    assert agreement(a, b) == 1.0


def test_shapes_must_match():
    with pytest.raises(ValueError, match="same shape"):
        agreement(np.ones((3, 2)), np.ones((3, 3)))
