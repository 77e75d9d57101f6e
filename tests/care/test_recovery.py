"""crm_analysis.care.recovery: outcome groups, the stratified effect recovers a known one, intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd

from crm_analysis import care

AS_OF = pd.Timestamp("2025-01-01")


def _simulated(seed: int = 7, n: int = 3000, effect: float = -0.25) -> pd.DataFrame:
    """Tier A customers keep buying more often AND get their complaints resolved more often (confounding)."""
    rng = np.random.default_rng(seed)
    tier = rng.choice(["A", "B", "C"], n, p=[0.2, 0.3, 0.5])
    base = pd.Series(tier).map({"A": 0.9, "B": 0.7, "C": 0.5}).to_numpy()
    p_resolved = pd.Series(tier).map({"A": 0.9, "B": 0.6, "C": 0.3}).to_numpy()
    resolved = rng.random(n) < p_resolved
    kept = rng.random(n) < base + np.where(resolved, 0.0, effect)
    return pd.DataFrame({"group": np.where(resolved, "resolved", "not resolved"), "tier": tier,
                         "tenure_band": rng.choice(["under 1 year", "2+ years"], n), "kept": kept,
                         "spend_after": kept * 10.0}, index=[f"C{i}" for i in range(n)])


def test_stratified_effect_recovers_the_true_effect_where_the_raw_difference_does_not():
    frame = _simulated()
    table = care.recovery_effect(frame, n_boot=200, seed=1).set_index("group")
    raw = table.loc["not resolved", "kept_share"] - table.loc["resolved", "kept_share"]
    row = table.loc["not resolved"]
    assert row["ci_low"] <= -0.25 <= row["ci_high"]
    assert raw < row["ci_low"]  # the raw gap overstates it: unresolved complaints are mostly tier C
    assert row["reference"] == "resolved" and table.loc["resolved", "kept_difference"] == 0.0


def test_recovery_frame_groups_by_resolution_time_and_follows_only_old_enough_complaints():
    times = pd.DataFrame({
        "customer_id": ["C1", "C2", "C3", "C4", "C1", None],
        "kind": ["complaint"] * 6,
        "date": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-03", "2024-12-01", "2024-03-01", "2024-01-01"]),
        "is_resolved": pd.array([True, True, False, True, False, False], dtype="boolean"),
        "resolution_hours": [10.0, 100.0, np.nan, 5.0, np.nan, np.nan],
    })
    tx = pd.DataFrame({"customer_id": ["C1", "C2", "C2"], "amount": [5.0, 7.0, 9.0],
                       "order_date": pd.to_datetime(["2024-02-01", "2023-12-01", "2024-09-01"])})
    first = pd.Series(pd.to_datetime(["2021-01-01", "2023-12-01", "2023-06-01"]), index=["C1", "C2", "C3"])
    out = care.recovery_frame(times, tx, pd.Series({"C1": "A", "C2": "B"}), first, AS_OF)
    assert out.index.tolist() == ["C1", "C2", "C3"]  # C4 is too recent, the unnamed complaint is left out
    assert out["group"].tolist() == ["resolved in time", "resolved late", "not resolved"]
    assert out["kept"].tolist() == [True, False, False]  # C2 bought before and 243 days after: not within 180
    assert out["tenure_band"].tolist() == ["2+ years", "under 1 year", "under 1 year"]
    assert out.loc["C3", "tier"] == "C"
