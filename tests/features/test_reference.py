"""customer_features (integer-code implementation) against a straightforward pandas reference.

The reference below is the earlier implementation of the chapter-2 features, one pandas
group-by per feature on the customer ids. The fast version must give the same table: same
columns, dtypes, index and values (exactly, since both sum in line order with pandas'
compensated sums), on small random inputs with the hard cases: ties between categories,
missing order ids, categories and statuses, one-line customers, returns and cancellations,
customers with only a return, negative purchase lines, a literal "unknown" / "other"
category and a literal "day:..." order id.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pandas.testing as pdt
import pyarrow as pa
import pytest

from crm_analysis.core.crmdata import CRMData
from crm_analysis.features import age_band, customer_features, rfm_summary
from crm_analysis.features.categories import _category_shares, _top_by_spend
from crm_analysis.features.keys import _factorize_sorted, _fixed_width_keys, _prefixed_number_keys

# ----------------------------------------------------------------------------- the slow reference


def _ref_order_keys(purchases: pd.DataFrame) -> pd.Series:
    day_key = purchases["order_date"].dt.strftime("%Y-%m-%d")
    if "order_id" not in purchases.columns:
        return day_key
    return purchases["order_id"].astype("string").fillna("day:" + day_key)


def _ref_top_by_spend(purchases: pd.DataFrame, column: str) -> pd.Series:
    spend = purchases.groupby(["customer_id", column], observed=True)["amount"].sum().reset_index()
    spend = spend.sort_values(["customer_id", "amount", column], ascending=[True, False, True])
    return spend.drop_duplicates("customer_id").set_index("customer_id")[column].astype("string")


def _ref_category_shares(purchases: pd.DataFrame, max_categories: int) -> pd.DataFrame:
    positive = purchases.loc[purchases["amount"] > 0]
    category = positive["product_category"].astype("string").fillna("unknown")
    top = positive["amount"].groupby(category).sum().nlargest(max_categories).index
    category = category.where(category.isin(top), "other")
    spend = positive["amount"].groupby([positive["customer_id"], category]).sum().unstack(fill_value=0.0)
    shares = spend.div(spend.sum(axis=1), axis=0)
    shares.columns = [f"share_{str(c).strip().lower().replace(' ', '_')}" for c in shares.columns]
    return shares


def _ref_interactions(interactions: pd.DataFrame, as_of: pd.Timestamp) -> pd.DataFrame:
    inter = interactions.loc[interactions["date"] < as_of]
    complaint = inter["kind"].eq("complaint").fillna(False)
    out = pd.DataFrame({
        "n_interactions": inter.groupby("customer_id").size(),
        "n_complaints": complaint.groupby(inter["customer_id"]).sum(),
    })
    if "resolved" in inter.columns:
        unresolved = complaint & inter["resolved"].eq(False).fillna(False)
        out["unresolved_complaints"] = unresolved.groupby(inter["customer_id"]).sum()
    if "satisfaction" in inter.columns:
        out["mean_satisfaction"] = inter["satisfaction"].astype("float64").groupby(inter["customer_id"]).mean()
    return out


def _ref_base(purchases: pd.DataFrame, returned: pd.DataFrame, as_of: pd.Timestamp, trend: int) -> pd.DataFrame:
    by_customer = purchases.groupby("customer_id")
    first, last = by_customer["order_date"].min(), by_customer["order_date"].max()
    gross = by_customer["amount"].sum()
    # Orders and purchase days: only purchase occasions (days not returned the same day).
    counted = purchases.loc[purchases["occasion"]]
    orders = _ref_order_keys(counted).groupby(counted["customer_id"]).nunique().reindex(gross.index, fill_value=0)
    purchase_days = counted["order_date"].dt.normalize().groupby(counted["customer_id"]).nunique()
    purchase_days = purchase_days.reindex(gross.index, fill_value=0)
    returns_value = (-returned["money"]).groupby(returned["customer_id"]).sum()
    returns_value = returns_value.reindex(gross.index, fill_value=0.0)
    as_of_day = as_of.normalize()
    period = pd.Timedelta(days=trend)
    last_window = purchases["order_date"] >= as_of - period
    prev_window = (purchases["order_date"] >= as_of - 2 * period) & ~last_window
    spend_last = purchases["amount"].where(last_window, 0.0).groupby(purchases["customer_id"]).sum()
    spend_prev = purchases["amount"].where(prev_window, 0.0).groupby(purchases["customer_id"]).sum()
    span_days = (last.dt.normalize() - first.dt.normalize()).dt.days
    out = pd.DataFrame({
        "recency_days": (as_of_day - last.dt.normalize()).dt.days.astype("int64"),
        "n_orders": orders.astype("int64"),
        "monetary": (gross - returns_value).astype("float64"),
        "gross_spend": gross.astype("float64"),
        "returns_value": returns_value.astype("float64"),
        "adjustments": 0.0,
        "tenure_days": (as_of_day - first.dt.normalize()).dt.days.astype("int64"),
        "avg_order_value": (gross / orders.where(orders > 0)).astype("float64"),
        "mean_interpurchase_days": (span_days / (purchase_days - 1)).where(purchase_days > 1),
        "return_rate": (returns_value / gross.where(gross > 0)).astype("float64"),
        "spend_last_period": spend_last.astype("float64"),
        "spend_prev_period": spend_prev.astype("float64"),
        "first_purchase": first,
        "last_purchase": last,
    })
    both = out["spend_last_period"] + out["spend_prev_period"]
    diff = out["spend_last_period"] - out["spend_prev_period"]
    out.insert(12, "spend_trend", (diff / both.where(both != 0)).fillna(0.0))
    return out


def _ref_kinds(tx: pd.DataFrame) -> pd.DataFrame:
    """The line rule of crm_analysis.features.lines, spelled line by line (no stock codes here)."""
    status = tx["status"].astype("string") if "status" in tx.columns else pd.Series(pd.NA, index=tx.index,
                                                                                      dtype="string")
    amount = tx["amount"].astype("float64")
    kind = pd.Series(np.where(amount >= 0, "purchase", "return"), index=tx.index)
    kind[status.eq("returned").fillna(False)] = "return"
    kind[(status.eq("cancelled").fillna(False) & (amount >= 0))] = "ignored"
    money = amount.where(~status.eq("returned").fillna(False), -amount.abs()).where(kind != "ignored", 0.0)
    out = tx.assign(kind=kind, money=money)
    used = out.loc[out["kind"] != "ignored"]
    key = [used["customer_id"], used["order_date"].dt.normalize()]
    day_net = used["money"].groupby(key).transform("sum").round(6)
    day_returns = (used["kind"] == "return").groupby(key).transform("sum")
    out["occasion"] = ((day_net > 0) | (day_returns == 0)).reindex(out.index, fill_value=False)
    return out


def reference_features(data: CRMData, *, as_of, trend_period_days: int = 182, max_categories: int = 8,
                       include_attributes: bool = True) -> pd.DataFrame:
    """The earlier pandas implementation of customer_features (engine="pandas")."""
    as_of = pd.Timestamp(as_of)
    tx = data.transactions
    tx = tx.loc[tx["order_date"] < as_of]
    tx = _ref_kinds(tx)
    purchases = tx.loc[tx["kind"] == "purchase"]
    returned = tx.loc[tx["kind"] == "return"]
    base = _ref_base(purchases, returned, as_of, trend_period_days)
    parts = [base]
    if "product_category" in purchases.columns and purchases["product_category"].notna().any():
        parts.append(_ref_category_shares(purchases, max_categories))
        parts.append(_ref_top_by_spend(purchases.dropna(subset=["product_category"]), "product_category")
                     .rename("main_category"))
    if "sales_channel" in purchases.columns and purchases["sales_channel"].notna().any():
        parts.append(_ref_top_by_spend(purchases.dropna(subset=["sales_channel"]), "sales_channel")
                     .rename("main_sales_channel"))
    interactions = data.interactions
    if interactions is not None:
        inter = _ref_interactions(interactions, as_of).reindex(base.index)
        counts = [c for c in ("n_interactions", "n_complaints", "unresolved_complaints") if c in inter]
        inter[counts] = inter[counts].fillna(0).astype("int64")
        parts.append(inter)
    customers = data.customers
    if include_attributes and customers is not None:
        cards = customers.drop_duplicates("customer_id", keep="last").set_index("customer_id")
        out = cards[[c for c in ("customer_type", "region") if c in cards.columns]].copy()
        out["age"] = (as_of - cards["birth_date"]).dt.days / 365.25
        out["age_band"] = age_band(out["age"])
        parts.append(out)
    features = pd.concat([p.reindex(base.index) for p in parts], axis=1)
    share_cols = [c for c in features.columns if c.startswith("share_")]
    features[share_cols] = features[share_cols].fillna(0.0)
    features.index = features.index.astype("string")
    features.index.name = "customer_id"
    return features.sort_index()


# ----------------------------------------------------------------------------- random inputs

_CATEGORIES = ["Home", "kitchen", "Office Supplies", "beauty", "Toys", "unknown", "other", "Zoo", "Éclair", "Garden"]


def random_lines(n_lines: int = 6_000, n_customers: int = 700, seed: int = 5) -> pd.DataFrame:
    """Lines with every hard case the feature table has to get right."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"c{i:04d}" for i in range(n_customers)] + ["C0001", "Ä1", "b"])
    customer = ids[np.minimum(rng.zipf(1.3, n_lines) - 1, len(ids) - 1) % len(ids)]
    days = rng.integers(0, 900, n_lines)
    seconds = rng.choice([0, 0, 0, 3_600, 86_399], n_lines)
    # Few distinct amounts (cents of small sums) so that spends tie between categories and channels.
    amount = rng.choice([5.0, 10.0, 12.5, 20.0, 0.1, 0.2, 0.3, 38.19, 35.12, 56.55, 27.66, 75.65, 26.55], n_lines)
    status = rng.choice(np.array(["completed"] * 14 + ["returned", "cancelled", "weird"], dtype=object), n_lines)
    status[rng.random(n_lines) < 0.03] = None
    amount = np.where(status == "returned", -amount, amount)
    amount[rng.random(n_lines) < 0.02] *= -1  # negative purchase lines (corrections)
    order = np.array([f"O{i // 3}" for i in rng.permutation(n_lines)], dtype=object)
    order[rng.random(n_lines) < 0.1] = None
    order[:3] = "day:2023-01-05"  # a literal order id that looks like a missing one's day key
    frame = pd.DataFrame({
        "order_id": pd.array(order, dtype="string"),
        "customer_id": pd.array(customer, dtype="string"),
        "order_date": (np.datetime64("2023-01-01") + days.astype("timedelta64[D]")
                       + seconds.astype("timedelta64[s]")).astype("datetime64[ns]"),
        "amount": amount,
        "status": pd.array(status, dtype="string"),
        "product_category": pd.array(rng.choice(_CATEGORIES, n_lines), dtype="string"),
        "sales_channel": pd.array(rng.choice(["online", "store", "phone"], n_lines), dtype="string"),
    }, index=pd.RangeIndex(2, n_lines + 2, name="source_row"))
    frame.loc[rng.random(n_lines) < 0.05, "product_category"] = pd.NA
    frame.loc[rng.random(n_lines) < 0.05, "sales_channel"] = pd.NA
    # One-line customers, a return-only and a cancel-only customer, a one-day customer.
    extra = pd.DataFrame({
        "order_id": pd.array([pd.NA, "X1", "X2", "X3", "X3"], dtype="string"),
        "customer_id": pd.array(["solo", "ret", "can", "day", "day"], dtype="string"),
        "order_date": pd.to_datetime(["2024-01-05", "2024-01-06", "2024-01-07", "2024-02-01 08:00",
                                      "2024-02-01 18:00"], format="ISO8601").astype("datetime64[ns]"),
        "amount": [3.0, -4.0, 5.0, 6.0, 7.0],
        "status": pd.array(["completed", "returned", "cancelled", "completed", "completed"], dtype="string"),
        "product_category": pd.array(["Toys", "Toys", "Toys", pd.NA, pd.NA], dtype="string"),
        "sales_channel": pd.array([pd.NA, "store", "store", pd.NA, pd.NA], dtype="string"),
    }, index=pd.RangeIndex(n_lines + 2, n_lines + 7, name="source_row"))
    return pd.concat([frame, extra])


def random_data(seed: int = 5) -> CRMData:
    lines = random_lines(seed=seed)
    rng = np.random.default_rng(seed + 1)
    ids = lines["customer_id"].unique()
    customers = pd.DataFrame({
        "customer_id": pd.array(np.r_[ids, ids[:5], ["never"]], dtype="string"),  # duplicates: last wins
        "customer_type": pd.array(rng.choice(["individual", "business"], len(ids) + 6), dtype="string"),
        "region": pd.array(rng.choice(["East", "North", None], len(ids) + 6), dtype="string"),
        "birth_date": pd.to_datetime("1950-01-01") + pd.to_timedelta(rng.integers(0, 25_000, len(ids) + 6), "D"),
    })
    n = 3_000
    interactions = pd.DataFrame({
        "customer_id": pd.array(rng.choice(np.r_[ids, ["never"]], n), dtype="string"),
        "date": pd.to_datetime("2023-01-01") + pd.to_timedelta(rng.integers(0, 900, n), "D"),
        "kind": pd.array(rng.choice(["complaint", "inquiry", None], n), dtype="string"),
        "satisfaction": np.where(rng.random(n) < 0.3, np.nan, rng.integers(1, 6, n)).astype(float),
        "resolved": pd.array(rng.choice([True, False, None], n), dtype="boolean"),
    })
    return CRMData(transactions=lines, customers=customers, interactions=interactions, source="random")


CASES = [
    {"as_of": "2025-07-01"},
    {"as_of": "2024-02-15 13:30", "trend_period_days": 60, "max_categories": 3},
    {"as_of": "2023-03-01", "trend_period_days": 10, "max_categories": 0},
    {"as_of": "2024-06-01", "max_categories": 20, "include_attributes": False},
]


@pytest.mark.parametrize("case", CASES, ids=["all", "mid-day-3-categories", "early-no-categories", "no-attrs"])
def test_equals_the_reference_exactly(case):
    data = random_data()
    got = customer_features(data, **case)
    expected = reference_features(data, **case)
    pdt.assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_equals_the_reference_on_other_seeds(seed):
    data = random_data(seed)
    pdt.assert_frame_equal(customer_features(data, as_of="2025-01-01"),
                           reference_features(data, as_of="2025-01-01"), check_exact=True)


def test_hard_cases_are_in_the_random_data():
    """The random data really has the cases the comparison is meant to cover."""
    data = random_data()
    f = customer_features(data, as_of="2025-07-01")
    assert {"share_unknown", "share_other", "share_home", "share_éclair"} <= set(f.columns)
    assert "ret" not in f.index and "can" not in f.index and "solo" in f.index
    assert f.loc["day", "n_orders"] == 1 and np.isnan(f.loc["day", "mean_interpurchase_days"])
    assert pd.isna(f.loc["solo", "main_sales_channel"]) and pd.isna(f.loc["day", "main_category"])
    assert (f["spend_trend"] == 0).any() and f["return_rate"].isna().sum() >= 0
    lines = data.transactions
    spend = (lines[lines["status"].eq("completed").fillna(False)]
             .groupby(["customer_id", "sales_channel"])["amount"].sum().unstack())
    tied = spend.eq(spend.max(axis=1), axis=0).sum(axis=1) > 1
    assert tied.sum() >= 3, "some customers must tie between channels"


@pytest.mark.parametrize("variant", ["Float64", "us", "no-status", "no-order-id", "object-ids", "utc"])
def test_column_types_the_users_bring(variant):
    lines = random_lines(2_000, 200, seed=9)
    as_of = pd.Timestamp("2025-01-01")
    if variant == "Float64":
        lines["amount"] = lines["amount"].astype("Float64")
    elif variant == "us":
        lines["order_date"] = lines["order_date"].astype("datetime64[us]")
    elif variant == "no-status":
        lines = lines.drop(columns="status")
    elif variant == "no-order-id":
        lines = lines.drop(columns="order_id")
    elif variant == "object-ids":
        lines = lines.astype({"customer_id": object, "order_id": object, "product_category": object})
    elif variant == "utc":
        lines["order_date"] = lines["order_date"].dt.tz_localize("UTC")
        as_of = as_of.tz_localize("UTC")
    data = CRMData(transactions=lines)
    got = customer_features(data, as_of=as_of)
    if variant == "utc":  # zoned times are read as local wall-clock times of their zone (data.parsers.local_times)
        data = CRMData(transactions=lines.assign(order_date=lines["order_date"].dt.tz_localize(None)))
        as_of = as_of.tz_localize(None)
    pdt.assert_frame_equal(got, reference_features(data, as_of=as_of), check_exact=True)


def test_no_purchase_before_as_of_gives_an_empty_table():
    data = CRMData(transactions=random_lines(500, 50))
    got = customer_features(data, as_of="2022-01-01")
    expected = reference_features(data, as_of="2022-01-01")
    assert got.empty and list(got.columns) == list(expected.columns)
    assert got.dtypes.astype(str).tolist() == expected.dtypes.astype(str).tolist()


def test_only_negative_lines_are_returns_and_give_no_customer():
    # A negative line is a return whatever its status (crm_analysis.features.lines): no purchase, no row.
    lines = random_lines(300, 20)
    lines["amount"] = -lines["amount"].abs()
    data = CRMData(transactions=lines)
    got = customer_features(data, as_of="2025-01-01")
    assert got.empty
    assert customer_features(data, as_of="2025-01-01", engine="duckdb").empty


def test_engine_helpers_on_pre_summed_spend():
    """engines.py passes spend already summed per customer and level to these two helpers."""
    lines = random_lines(3_000, 300, seed=4).dropna(subset=["status"])
    pairs = lines.groupby(["customer_id", "product_category"], as_index=False)["amount"].sum()
    pdt.assert_frame_equal(_category_shares(pairs, 4), _ref_category_shares(pairs, 4), check_exact=True)
    known = pairs.dropna(subset=["product_category"])
    pdt.assert_series_equal(_top_by_spend(known, "product_category"),
                            _ref_top_by_spend(known, "product_category"), check_exact=True)


def test_fixed_width_ids_take_the_sorted_integer_path_and_agree():
    """Ids of one byte length ("K0001", "Ä001": both 5 bytes) are factorised by sorting packed bytes."""
    lines = random_lines(3_000, 300, seed=6)
    width = {c: f"K{i:04d}" for i, c in enumerate(lines["customer_id"].unique())}
    width[lines["customer_id"].iloc[0]] = "Ä001"
    ids = lines["customer_id"].map(width).astype("str")
    lines["customer_id"] = pd.concat([ids.iloc[:1000], ids.iloc[1000:]])  # more than one Arrow chunk is fine
    assert _fixed_width_keys(lines["customer_id"]) is not None
    assert _fixed_width_keys(pd.Series(["ab", "abc"], dtype="str")) is None  # lengths differ: hashed
    codes, uniques = _factorize_sorted(lines["customer_id"])
    assert uniques.is_monotonic_increasing and uniques[-1] == "Ä001"
    assert (uniques[codes] == lines["customer_id"].to_numpy()).all()
    data = CRMData(transactions=lines)
    pdt.assert_frame_equal(customer_features(data, as_of="2025-01-01"),
                           reference_features(data, as_of="2025-01-01"), check_exact=True)


@pytest.mark.parametrize("calibration_end", [None, "2024-06-30"])
def test_rfm_summary_sort_path_for_fixed_width_ids_equals_the_hashing_path(calibration_end):
    """rfm_summary sorts (customer, day) once for ids of one width; text of other widths is hashed."""
    lines = random_lines(4_000, 400, seed=8)
    lines["customer_id"] = lines["customer_id"].map(
        {c: f"K{i:04d}" for i, c in enumerate(lines["customer_id"].unique())}).astype("str")
    hashed = lines.assign(customer_id=lines["customer_id"].astype(object))  # object text: the hashing path
    case = {"as_of": "2025-01-01", "calibration_end": calibration_end}
    got, expected = rfm_summary(lines, **case), rfm_summary(hashed, **case)
    assert len(got) > 150 and got.index.is_monotonic_increasing
    pdt.assert_frame_equal(got, expected, check_exact=True)


@pytest.mark.parametrize(
    "ids, numbered",
    [
        (["C0003", "C0010", "C0002", "C0010"], True),
        (["0012", "0003", "9999"], True),
        (["C00A1", "C0002"], False),  # not all digits: the byte-wise keys take over
        (["C0001", "D0002"], False),  # two prefixes
        (["-001", "-099"], True),  # one constant prefix, whatever it is, keeps the text order
        (["-001", "+099"], False),
    ],
)
def test_prefixed_number_keys_sort_like_the_text_or_step_aside(ids, numbered):
    arr = pa.array(ids, type=pa.large_string())
    keys = _prefixed_number_keys(arr, len(ids[0]))
    assert (keys is not None) == numbered
    compact = _fixed_width_keys(pd.Series(ids, dtype="string"))
    assert compact is not None
    assert np.argsort(compact[0], kind="stable").tolist() == np.argsort(np.array(ids), kind="stable").tolist()
    assert (compact[0] < compact[1]).all()
