"""Buy-till-you-die customer-lifetime-value models, fitted by maximum likelihood.

- :class:`BetaGeoModel`: BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers
  the easy way"), purchases while alive ~ Poisson, dropout after each purchase with
  probability p; gamma(r, alpha) and beta(a, b) heterogeneity.
- :class:`ParetoNBDModel`: Pareto/NBD (Schmittlein, Morrison & Colombo 1987), with the
  expressions of Fader & Hardie (2005), "A note on deriving the Pareto/NBD model and
  related expressions"; exponential lifetimes with gamma(s, beta) heterogeneity.
- :class:`ModifiedBetaGeoModel`: MBG/NBD (Batislam, Denizel & Filiztekin 2007; Hoppe &
  Wagner 2007), BG/NBD in which a customer may also drop out right after the first purchase.
- :class:`GammaGammaModel`: spend per transaction (Fader & Hardie 2013, "The
  Gamma-Gamma model of monetary value"; Colombo & Jiang 1999).
- :func:`customer_lifetime_value` and :func:`cumulative_repeat_forecast`.

Modules: :mod:`.base` (maximum-likelihood skeleton, standard errors, warnings), :mod:`.bgnbd`,
:mod:`.paretonbd`, :mod:`.mbgnbd`, :mod:`.gammagamma`, :mod:`.lifetime_value`, :mod:`.simulate`, :mod:`.forecast`.

The inputs are the columns of :func:`crm_analysis.features.rfm_summary`:
``frequency`` (repeat purchases x), ``recency`` (t_x) and ``T``, all in one time unit.

Implementation notes: log-likelihoods are vectorised; BG/NBD and Gamma-Gamma have
analytic gradients and Hessians and are fitted by trust-region Newton (L-BFGS-B, the
Pareto/NBD's optimiser, takes over where Newton does not converge cleanly); parameters
are optimised on the log scale, on the distinct (frequency, recency, T) rows
(Gamma-Gamma: distinct (frequency, spend) rows) weighted by their counts, with time
(money) rescaled so that the parameters are of order one. BLAS is held to one thread
while the optimisers run (its worker threads only spin on 3- or 4-parameter problems).
Standard errors come from the inverse of the Hessian of the log-likelihood (observed
information), computed when ``standard_errors_`` or ``summary()`` is first used, not in
``fit``.

Examples
--------
>>> model = BetaGeoModel.from_params(r=0.243, alpha=4.414, a=0.793, b=2.426)
>>> round(float(model.expected_purchases(39, 2, 30.43, 38.86)), 3)
1.226
"""

from crm_analysis.models.clv.base import ConvergenceWarning, NotFittedError, UndefinedValueWarning
from crm_analysis.models.clv.baseline import NaiveRateModel
from crm_analysis.models.clv.bgnbd import BetaGeoModel
from crm_analysis.models.clv.forecast import cumulative_repeat_forecast
from crm_analysis.models.clv.gammagamma import GammaGammaModel
from crm_analysis.models.clv.lifetime_value import customer_lifetime_value
from crm_analysis.models.clv.mbgnbd import ModifiedBetaGeoModel
from crm_analysis.models.clv.paretonbd import ParetoNBDModel
from crm_analysis.models.clv.simulate import simulate_bgnbd, simulate_gamma_gamma

__all__ = [
    "BetaGeoModel",
    "ConvergenceWarning",
    "GammaGammaModel",
    "ModifiedBetaGeoModel",
    "NaiveRateModel",
    "NotFittedError",
    "ParetoNBDModel",
    "UndefinedValueWarning",
    "cumulative_repeat_forecast",
    "customer_lifetime_value",
    "simulate_bgnbd",
    "simulate_gamma_gamma",
]
