"""crm_analysis.features.lines: the one line rule, on hand-built lines and a status-less export.

tests/fixtures/no_status_export.csv is a seeded synthetic export (numpy seed 14) of 30 customers and
485 lines with only ``order_id, customer_id, order_date, amount``; 12 lines are negative (returns).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from crm_analysis.data.cleaning import clean
from crm_analysis.data.loading import load
from crm_analysis.features import customer_features, rfm_summary
from crm_analysis.features.lines import classify_lines, purchase_occasions, uncounted_lines
from crm_analysis.value.history import historical_value

NO_STATUS = Path(__file__).parents[1] / "fixtures" / "no_status_export.csv"


@pytest.fixture(scope="module")
def export():
    data = clean(load(str(NO_STATUS)))
    tx = data.transactions
    return data, tx, tx["order_date"].max().normalize() + pd.Timedelta(days=1)


def test_status_less_export_gives_every_customer_in_every_table(export) -> None:
    data, tx, as_of = export
    assert len(tx) == 485
    assert len(rfm_summary(tx, as_of=as_of)) == 30
    features = customer_features(data, as_of=as_of)
    assert len(features) == 30
    history = historical_value(tx, as_of=as_of)
    assert len(history) == 30
    assert purchase_occasions(tx)["customer_id"].nunique() == 30
    # no status: every line counts by its sign, so net spend is the plain sum of the amounts
    raw = pd.read_csv(NO_STATUS)
    truth = raw.groupby("customer_id")["amount"].sum()
    assert np.allclose(features["monetary"].reindex(truth.index), truth, atol=0.005)
    assert np.allclose(history["revenue"].reindex(truth.index), truth, atol=0.005)


def test_status_less_lines_are_inferred_by_sign(export) -> None:
    _, tx, _ = export
    lines = classify_lines(tx)
    negative = tx["amount"] < 0
    assert int(negative.sum()) == 12
    assert (lines.loc[negative, "kind"] == "return").all()
    assert (lines.loc[~negative, "kind"] == "purchase").all()
    assert lines["reason"].str.contains("inferred").all()


@pytest.mark.parametrize("status", [None, "", "  ", pd.NA])
def test_missing_or_blank_status_is_read_by_sign(status) -> None:
    tx = pd.DataFrame({"customer_id": ["a", "a", "b"], "amount": [20.0, -5.0, 7.0],
                       "order_date": pd.to_datetime(["2024-01-01", "2024-01-09", "2024-01-02"]),
                       "status": pd.Series([status] * 3, dtype="string")})
    lines = classify_lines(tx)
    assert lines["kind"].tolist() == ["purchase", "return", "purchase"]
    assert lines["reason"].str.contains("inferred").all()
    occ = purchase_occasions(tx)
    assert occ[["customer_id", "value"]].values.tolist() == [["a", 20.0], ["b", 7.0]]


def test_a_day_returned_in_full_is_no_purchase_occasion() -> None:
    # Online Retail: customer 12346 bought 74,215 items and cancelled them the same day
    tx = pd.DataFrame({"customer_id": ["12346", "12346", "x", "x", "x"],
                       "order_id": ["541431", "C541433", "1", "2", "C3"],
                       "stock_code": ["23166", "23166", "22", "22", "22"],
                       "amount": [77183.60, -77183.60, 5.0, 6.0, -5.0],
                       "status": ["completed", "cancelled", "completed", "completed", "cancelled"],
                       "order_date": pd.to_datetime(["2011-01-18"] * 2 + ["2011-02-01", "2011-03-01",
                                                                          "2011-03-05"])})
    occ = purchase_occasions(tx)
    assert occ["customer_id"].tolist() == ["x", "x"]          # 12346 has no purchase occasion
    assert occ["first_day"].eq(pd.Timestamp("2011-02-01")).all()
    # a later return reduces net spend but does not remove the earlier occasion
    assert occ["value"].tolist() == [5.0, 6.0]


def test_no_lines_give_an_empty_occasion_table() -> None:
    tx = pd.DataFrame({"customer_id": pd.Series([None], dtype="string"), "amount": [3.0],
                       "order_date": pd.to_datetime(["2024-01-01"])})
    occ = purchase_occasions(tx)
    assert occ.empty and list(occ.columns) == ["customer_id", "day", "value", "first_day"]


def _retail_lines(rows: list[tuple]) -> pd.DataFrame:
    """Online Retail-shaped cleaned lines: (source_row, invoice, customer, day, stock code, quantity, price)."""
    frame = pd.DataFrame(rows, columns=["source_row", "order_id", "customer_id", "order_date", "stock_code",
                                        "quantity", "unit_price"]).set_index("source_row")
    frame["order_date"] = pd.to_datetime(frame["order_date"], format="ISO8601")
    frame["amount"] = frame["quantity"] * frame["unit_price"]
    frame["status"] = np.where(frame["order_id"].str.startswith("C"), "cancelled", "completed")
    return frame


def test_a_cancellation_is_linked_to_the_line_it_reverses() -> None:
    tx = _retail_lines([
        (2, "541431", "12346", "2011-01-18 10:01", "23166", 74215, 1.04),
        (3, "C541433", "12346", "2011-01-18 10:17", "23166", -74215, 1.04),   # 12346's cancelled order
        (4, "550001", "17850", "2011-03-01", "85123A", 6, 2.55),
        (5, "550002", "17850", "2011-04-01", "85123A", 6, 2.55),
        (6, "C550003", "17850", "2011-04-02", "85123a", -6, 2.55),   # two candidates: the latest (5) is taken
        (7, "C550004", "17850", "2011-04-03", "85123A", -6, 2.55),   # the next one takes the earlier line 4
        (8, "C550005", "17850", "2011-04-04", "85123A", -6, 2.55),   # nothing left: unlinked, netted that day
        (9, "C550006", "17850", "2011-04-05", "85123A", -2, 2.55),   # partial return: unlinked
        (10, "C550007", "13047", "2011-04-05", "85123A", -6, 2.55),  # another customer's stock code: unlinked
        (11, "C550008", "18000", "2011-01-01", "22423", -3, 12.75),  # before its sale (line 12): unlinked
        (12, "550009", "18000", "2011-02-01", "22423", 3, 12.75),
        (13, "550010", "18000", "2011-02-01", "POST", 1, 18.0),      # adjustment, never linked
        (14, "C550011", "18000", "2011-02-02", "POST", -1, 18.0),
    ])
    lines = classify_lines(tx)
    assert lines["returns_line"].dropna().to_dict() == {3: 2, 6: 5, 7: 4}
    assert lines.loc[[8, 9, 10, 11, 14], "returns_line"].isna().all()
    # Linked or not, every return reduces net spend by its amount: 12346 nets to 0.00.
    assert lines.loc[[2, 3], "money"].sum() == pytest.approx(0.0)
    assert lines.loc[[8, 9], "money"].tolist() == pytest.approx([-15.30, -5.10])


@pytest.mark.parametrize("missing", ["quantity", "stock_code", "customer_id"])
def test_without_the_link_columns_no_return_is_linked(missing: str) -> None:
    tx = _retail_lines([(2, "1", "a", "2024-01-01", "X", 2, 1.0), (3, "C2", "a", "2024-01-02", "X", -2, 1.0)])
    lines = classify_lines(tx.drop(columns=missing))
    assert lines["returns_line"].isna().all() and lines["money"].sum() == pytest.approx(0.0)


def test_a_returned_status_line_with_a_positive_quantity_links_to_the_same_quantity() -> None:
    tx = _retail_lines([(2, "1", "a", "2024-01-01", "X", 2, 5.0), (3, "2", "a", "2024-01-03", "X", 2, 5.0)])
    tx.loc[3, "status"] = "returned"
    lines = classify_lines(tx)
    assert lines.loc[3, "kind"] == "return" and lines.loc[3, "money"] == -10.0 and lines.loc[3, "returns_line"] == 2


def test_lines_not_counted_as_purchases_are_listed_with_a_reason_and_counted() -> None:
    tx = _retail_lines([
        (2, "1", "a", "2024-01-01", "X", 2, 5.0), (3, "C2", "a", "2024-01-02", "X", -2, 5.0),   # linked return
        (4, "C3", "a", "2024-01-03", "Y", -1, 4.0),                                              # unlinked return
        (5, "4", "b", "2024-01-01", "X", 3, 0.0), (6, "5", "b", "2024-01-01", "Y", 1, 0.0),     # zero-price lines
        (7, "6", "b", "2024-01-01", "POST", 1, 18.0), (8, "A7", "b", "2024-01-05", "Z", 1, -50.0),  # adjustments
        (9, "8", "c", "2024-01-01", "X", 1, 7.0),
    ])
    table = uncounted_lines(tx)
    rows = {(r.kind, r.reason): (r.lines, r.amount, r.net_effect) for r in table.itertuples()}
    assert rows == {
        ("return", "status cancelled, negative amount, linked to its sale"): (1, -10.0, -10.0),
        ("return", "status cancelled, negative amount"): (1, -4.0, -4.0),
        ("adjustment", "adjustment line (fee, postage or manual correction)"): (2, -32.0, -32.0),
        ("ignored", "zero amount on an item line (zero-price line)"): (2, 0.0, 0.0),
    }
    assert table["kind"].tolist() == ["return", "return", "adjustment", "ignored"]
    # Nothing is lost: every line is a purchase or in the table.
    assert table["lines"].sum() + classify_lines(tx)["kind"].eq("purchase").sum() == len(tx)
    assert uncounted_lines(tx.loc[[2, 9]]).empty
