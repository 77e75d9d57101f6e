"""The one line rule on the full UCI Online Retail file: net spend per customer to the penny (issue 14).

Reads ../shared/data only here, in a test (skipped when absent); the project never reads it at run time.
The truth is computed from the raw file independently: sum(Quantity x UnitPrice) over each customer's
lines, cancellations included, exact duplicate lines removed.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from crm_analysis.data.cleaning import clean
from crm_analysis.data.loading import load
from crm_analysis.features import customer_features, rfm_summary
from crm_analysis.features.lines import classify_lines
from crm_analysis.value.history import historical_value

SOURCE = Path(__file__).resolve().parents[2].parent / "shared" / "data" / "uci-online-retail" / "online_retail.csv.gz"

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(not SOURCE.is_file(), reason="../shared/data/uci-online-retail is not present")]


@pytest.fixture(scope="module")
def retail() -> dict:
    data = clean(load(str(SOURCE)))
    tx = data.transactions
    as_of = tx["order_date"].max().normalize() + pd.Timedelta(days=1)
    raw = pd.read_csv(SOURCE, encoding="latin-1", dtype={"CustomerID": str, "InvoiceNo": str, "StockCode": str})
    raw = raw.loc[raw["CustomerID"].notna()].drop_duplicates()
    raw["customer_id"] = raw["CustomerID"].str.replace(r"\.0$", "", regex=True)
    truth = (raw["Quantity"] * raw["UnitPrice"]).groupby(raw["customer_id"]).sum().round(2)
    return {"data": data, "tx": tx, "as_of": as_of, "truth": truth}


def test_truth_total(retail: dict) -> None:
    assert len(retail["truth"]) == 4372
    assert round(retail["truth"].sum(), 2) == pytest.approx(8_278_519.42, abs=0.005)


def test_historical_value_net_spend_to_the_penny(retail: dict) -> None:
    history = historical_value(retail["tx"], as_of=retail["as_of"])
    truth = retail["truth"]
    # every customer is there except one whose only lines are zero-price lines (net 0, nothing counted)
    missing = truth.index.difference(history.index)
    assert history.index.isin(truth.index).all() and missing.tolist() == ["13256"] and truth[missing].eq(0).all()
    assert (history["revenue"].round(2) - truth.reindex(history.index)).abs().max() < 0.005
    assert round(history["revenue"].sum(), 2) == pytest.approx(8_278_519.42, abs=0.01)
    assert history.at["12346", "revenue"] == pytest.approx(0.0, abs=0.005)
    assert history.at["16446", "revenue"] == pytest.approx(2.90, abs=0.005)
    assert history.at["12346", "n_orders"] == 0           # his only order was cancelled the same day
    assert (history["returns"] > 0).sum() > 1000           # returns are no longer 0 for everyone


def test_customer_features_net_spend_to_the_penny(retail: dict) -> None:
    features = customer_features(retail["data"], as_of=retail["as_of"])
    truth = retail["truth"]
    assert (features["monetary"].round(2) - truth.reindex(features.index)).abs().max() < 0.005
    assert features.at["16446", "monetary"] == pytest.approx(2.90, abs=0.005)


def test_no_cancelled_order_is_a_purchase_occasion(retail: dict) -> None:
    summary = rfm_summary(retail["tx"], as_of=retail["as_of"])
    assert "12346" not in summary.index or summary.at["12346", "frequency"] == 0
    assert summary.at["16446", "monetary_value"] < 100   # not the cancelled £168,469.60 order


def test_returns_are_linked_to_the_line_they_reverse(retail: dict) -> None:
    # Of Online Retail's 8,506 return lines with a customer id, 2,818 match an earlier purchase line of the same
    # customer, stock code and quantity (£387,588.06 of the £471,750.71 returned); the rest are netted in their day.
    lines = classify_lines(retail["tx"])
    returns = lines["kind"].eq("return")
    linked = lines["returns_line"].dropna()
    assert (int(returns.sum()), len(linked)) == (8_506, 2_818)
    assert round(lines.loc[linked.index, "money"].sum(), 2) == pytest.approx(-387_588.06, abs=0.005)
    assert not linked.duplicated().any()
    tx = retail["tx"]
    back, sale = tx.loc[linked.index], tx.loc[linked.to_numpy()]
    assert (back["customer_id"].to_numpy() == sale["customer_id"].to_numpy()).all()
    assert (back["quantity"].to_numpy() == -sale["quantity"].to_numpy()).all()
    assert (sale["order_date"].to_numpy() <= back["order_date"].to_numpy()).all()
    assert lines.at[61626, "returns_line"] == 61621   # 12346's C541433 reverses his order 541431
