"""Customers whose net spend is ≤ 0 are a group of their own in chapter 4's value tables (issue 14).

Online Retail's 12346 placed one order of £77,183.60 and cancelled it the same day: net 0.00, no order
left. He must not be ranked as a top customer nor put in value tier A, whatever his predicted value.
"""

from __future__ import annotations

import pandas as pd
import pytest

from crm_analysis import value


def _lines() -> pd.DataFrame:
    rows = [
        ("12346", "2011-01-18 10:01", 77_183.60, "completed"), ("12346", "2011-01-18 10:17", -77_183.60, "cancelled"),
        ("R", "2011-02-01", 60.0, "completed"), ("R", "2011-03-01", -80.0, "returned"),   # returned more than kept
        ("Z", "2011-02-01", 40.0, "completed"), ("Z", "2011-02-09", -40.0, None),           # later return, no status
        ("A", "2011-01-05", 500.0, "completed"), ("A", "2011-05-05", 700.0, "completed"),
        ("B", "2011-03-05", 90.0, "completed"), ("C", "2011-04-05", 30.0, "completed"),
    ]
    frame = pd.DataFrame(rows, columns=["customer_id", "order_date", "amount", "status"])
    return frame.assign(order_date=pd.to_datetime(frame["order_date"], format="ISO8601"))


@pytest.fixture
def history() -> pd.DataFrame:
    return value.historical_value(_lines(), as_of="2011-06-01")


def test_net_groups_count_the_customers_without_net_spend(history):
    groups = value.net_groups(history)
    assert groups.index.tolist() == ["positive", "zero or negative"]
    assert groups["customers"].tolist() == [3, 3]
    assert groups.loc["zero or negative", "revenue"] == pytest.approx(-20.0)
    # Gross and returns both carry 12346's cancelled order; his net and the group's net do not.
    assert groups.loc["zero or negative", ["gross_revenue", "returned_value"]].tolist() == pytest.approx(
        [77_283.60, 77_303.60])
    assert groups.loc["positive", "revenue"] == pytest.approx(1_320.0)
    assert history.loc["12346", ["revenue", "n_orders"]].tolist() == [0.0, 0]


def test_net_groups_keep_an_empty_group_as_zeros(history):
    groups = value.net_groups(history.loc[["A", "B"]])
    assert groups.loc["zero or negative"].tolist() == [0, 0.0, 0.0, 0.0, 0]


@pytest.mark.parametrize("shares", [(0.34, 0.67), (0.5, 0.9), (0.4, 1.0)])
def test_customers_without_net_spend_are_never_tier_a_nor_top(history, shares):
    # The model gives the cancelled and the net-negative customers the largest predicted values.
    prediction = pd.DataFrame({"p_alive": 0.9, "expected_purchases": 1.0, "expected_order_value": 10.0,
                               "clv": [9e5, 8e5, 7e5, 300.0, 200.0, 100.0]},
                              index=["12346", "R", "Z", "A", "B", "C"])
    table = value.customer_value_table(history, prediction, tier_shares=shares)
    assert (table.loc[["12346", "R", "Z"], "value_tier"] == "C").all()
    assert table.loc["A", "value_tier"] == "A"
    top = value.top_customers(table, n=3)
    assert top["customer_id"].tolist() == ["A", "B", "C"]
    sentence = value.manager_summary(table, lang="en")[-1]
    assert sentence.startswith("3 customers have no net spend")


def test_value_tiers_rank_only_customers_with_net_spend():
    clv = pd.Series([900.0, 50.0, 40.0, 30.0, 20.0], index=list("vwxyz"))
    net = pd.Series([-0.004, 10.0, 10.0, 10.0, 10.0], index=list("vwxyz"))   # -0.004 rounds to 0.00: no spend
    assert value.value_tiers(clv, shares=(0.25, 0.5), net_spend=net).tolist() == ["C", "A", "B", "C", "C"]
    assert value.value_tiers(clv, shares=(0.25, 0.5)).tolist() == ["A", "B", "C", "C", "C"]
