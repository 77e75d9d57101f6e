"""crm-analysis: a workbook for customer-relationship analytics.

The data path is the same in every chapter::

    data = crm_analysis.load("teaching")   # any source -> CRMData (canonical tables)
    data = crm_analysis.clean(data)        # normalise; rejected rows go to data.quarantine

and then the chapter modules: ``quality``, ``features``, ``segment``, ``churn``, ``value``.
"""

from __future__ import annotations

import importlib
from typing import Any

from crm_analysis.core.crmdata import CRMData, Truth

__version__ = "0.1.0"

# `load` and `clean` are imported on first use so that `import crm_analysis` stays light.
_LAZY = {"load": "crm_analysis.data.loading", "clean": "crm_analysis.data.cleaning"}


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'crm_analysis' has no attribute {name!r}")


__all__ = ["CRMData", "Truth", "__version__", "clean", "load"]
