"""The naive baseline every purchase model must beat: each customer's own past purchase rate."""

from __future__ import annotations

import numpy as np

from crm_analysis.models.clv._inputs import ArrayLike, _first_input, _validate_rfm, _wrap


class NaiveRateModel:
    """Expected purchases in the next t = the customer's repeat purchases per unit of time so far x t.

    ``frequency / T * t`` (0 for a customer seen for no time). No parameters, no dropout: it is
    the yardstick of the holdout comparison (a model that cannot beat it should not be used for
    the purchase forecast). ``probability_alive`` is not defined for it.

    Examples
    --------
    >>> NaiveRateModel().expected_purchases(13, [2, 0], [20.0, 0.0], [26.0, 10.0]).tolist()
    [1.0, 0.0]
    """

    converged_ = True
    status_ = "ok"

    def expected_purchases(self, t: float, frequency: ArrayLike, recency: ArrayLike, T: ArrayLike) -> ArrayLike:
        """``frequency / T * t`` per customer (0 where T is 0).

        Raises
        ------
        crm_analysis.core.errors.CRMDataError
            If the inputs are invalid (as for the other models).
        """
        x, _, age = _validate_rfm(frequency, recency, T)
        with np.errstate(divide="ignore", invalid="ignore"):
            rate = np.where(age > 0, x / np.where(age > 0, age, 1.0), 0.0)
        return _wrap(rate * float(t), _first_input(frequency, recency, T))

    def __repr__(self) -> str:
        return "NaiveRateModel()"
