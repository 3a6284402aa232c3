"""What every fitted model's ``predict(rows, cols)`` does first: check the positions, once.

A model defines ``shape`` (the (n, d) matrix it was fitted on) and ``predict_checked`` (the
arithmetic, on positions already checked); ``Predictor.predict`` checks the positions with
``validation.check_pairs`` and calls it. ``evaluate`` calls ``predict_checked`` directly, with
positions it has checked itself.
"""

from __future__ import annotations

import numpy as np

from .validation import check_pairs

__all__ = ["Predictor"]


class Predictor:
    """Mixin of the fitted models (means, bias, mixture, neighbours, factorisations)."""

    shape: tuple  # (n, d), defined by each model

    def predict(self, rows, cols) -> np.ndarray:
        """Predicted ratings at ``(rows[m], cols[m])``, positions inside ``shape``.

        Parameters
        ----------
        rows, cols : int arrays of shape (m,)

        Returns
        -------
        array of shape (m,)

        Raises
        ------
        TypeError, ValueError
            On a position outside the fitted matrix (a negative index included: it would wrap), a
            non-integer index, no position, or ``rows`` and ``cols`` of different lengths.
        """
        return self.predict_checked(*check_pairs(rows, cols, tuple(self.shape)))

    def predict_checked(self, rows: np.ndarray, cols: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError
