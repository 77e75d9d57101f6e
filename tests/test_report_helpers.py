"""crm_analysis.app.report: what every chapter starts from."""

from __future__ import annotations

import pandas as pd

from crm_analysis.app import report


def test_prepare_keeps_the_loaded_tables_only_when_asked():
    kept = report.prepare("teaching")
    lean = report.prepare("teaching", keep_loaded=False)
    assert lean.loaded is None
    assert kept.loaded is not None and len(kept.loaded.transactions) >= len(kept.clean.transactions)
    pd.testing.assert_frame_equal(lean.clean.transactions, kept.clean.transactions)
    assert lean.as_of == kept.as_of == report.resolve_as_of(kept.clean)
