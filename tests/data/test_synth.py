"""Tests of the teaching-data generator `crm_analysis.data.synth`."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import crm_analysis
from crm_analysis.core import paths
from crm_analysis.core.schema import REASON_CATEGORIES, contract
from crm_analysis.data import synth
from crm_analysis.data.synth.defects import _Counters
from crm_analysis.data.synth.generator import _chunk, _period

END = pd.Timestamp("2025-12-31")
SEED = 123


@pytest.fixture(scope="module")
def data():
    return synth.generate(1500, seed=SEED)


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*.csv"))


def _read_folder(folder: Path) -> dict[str, pd.DataFrame]:
    """Read a written folder as plain strings, indexed by source_row (header = line 1)."""
    out = {}
    for name, file in {
        **paths.TABLE_FILES,
        **{f"truth_{k}": f"truth/{v}" for k, v in paths.TRUTH_FILES.items()},
    }.items():
        frame = pd.read_csv(folder / file, dtype=str, keep_default_na=False, na_values=[""])
        frame.index = pd.RangeIndex(2, len(frame) + 2, name="source_row")
        out[name] = frame
    return out


# --------------------------------------------------------------------------- validity helpers


def _phone_ok(value: str) -> bool:
    if re.search(r"[A-Za-z]", value):
        return False
    digits = re.sub(r"\D", "", value)
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return re.fullmatch(r"1[3-9]\d{9}", digits) is not None


def _email_ok(value: str) -> bool:
    return re.fullmatch(r"[^@\s.]+(\.[^@\s.]+)*@[^@\s.]+(\.[^@\s.]+)+", value) is not None


def _check_defects(
    customers: pd.DataFrame, transactions: pd.DataFrame, defects: pd.DataFrame, *, small: bool = False
) -> None:
    """Every defect row shows at its source_row, and every row not listed is clean.

    ``small`` data may lack the rarest defects (orphans come from ~0.4 % of customers).
    """
    defects = defects.assign(source_row=defects["source_row"].astype(int))

    def rows(defect: str, column: str | None = None, table: str = "customers") -> set[int]:
        d = defects[(defects["table"] == table) & (defects["defect"] == defect)]
        if column is not None:
            d = d[d["column"] == column]
        return set(d["source_row"])

    # record_id names the record found at source_row
    for table, frame, key in (("customers", customers, "customer_id"), ("transactions", transactions, "order_id")):
        d = defects[defects["table"] == table]
        assert (frame.loc[d["source_row"], key].to_numpy() == d["record_id"].to_numpy()).all()

    c = customers
    business = c["customer_type"] == "business"
    for column in ("phone", "email", "city", "birth_date", "gender"):
        assert set(c.index[c[column].isna()]) == rows("missing_value", column), column
    assert set(c.index[c["industry"].isna() & business]) == rows("missing_value", "industry")
    assert c.loc[~business, "industry"].isna().all()
    bad_phone = c["phone"].notna() & ~c["phone"].fillna("").map(_phone_ok)
    assert set(c.index[bad_phone]) == rows("invalid_phone") and (small or rows("invalid_phone"))
    bad_email = c["email"].notna() & ~c["email"].fillna("").map(_email_ok)
    assert set(c.index[bad_email]) == rows("invalid_email") and (small or rows("invalid_email"))
    birth, signup = pd.to_datetime(c["birth_date"]), pd.to_datetime(c["signup_date"])
    impossible = (birth > END) | (birth < pd.Timestamp("1900-01-01")) | (birth > signup - pd.DateOffset(years=16))
    flagged = rows("invalid_birth_date")
    assert set(c.index[impossible.fillna(False)]) == flagged and (small or flagged)
    stale = (END - pd.to_datetime(c["updated_at"])).dt.days > 730
    assert set(c.index[stale]) == rows("stale_record") and (small or rows("stale_record"))
    mismatch = c["city"].notna() & (c["city"].map(synth.CITY_REGION) != c["region"])
    assert set(c.index[mismatch]) == rows("city_region_mismatch") and (small or rows("city_region_mismatch"))

    t = transactions
    amount = t["amount"].astype(float)
    orphan = ~t["customer_id"].isin(set(c["customer_id"]))
    assert set(t.index[orphan]) == rows("orphan_transaction", table="transactions") and (small or orphan.any())
    negative_completed = (amount < 0) & (t["status"] == "completed")
    assert set(t.index[negative_completed]) == rows("unflagged_negative_amount", table="transactions")
    copies = defects[defects["defect"] == "duplicate_order_line"]
    assert set(t.index[t.astype(str).duplicated()]) == set(copies["source_row"]) and len(copies)
    originals = copies["detail"].astype(int).to_numpy()
    assert (t.loc[originals].to_numpy() == t.loc[copies["source_row"]].to_numpy()).all()


# --------------------------------------------------------------------------- committed data


def test_committed_teaching_data_is_reproduced_byte_for_byte(tmp_path):
    committed = paths.TEACHING_DIR
    synth.generate_to_dir(tmp_path, n_customers=5000, seed=synth.DEFAULT_SEED)
    names = _files(tmp_path)
    assert names == _files(committed) and len(names) == 8  # 4 tables, 4 truth files
    for name in names:
        assert (tmp_path / name).read_bytes() == (committed / name).read_bytes(), name


def test_committed_teaching_data_keeps_its_promises():
    folder = _read_folder(paths.TEACHING_DIR)
    assert len(folder["truth_customers"]) == 5000
    _check_defects(folder["customers"], folder["transactions"], folder["truth_defects"])
    size = sum(p.stat().st_size for p in paths.TEACHING_DIR.rglob("*") if p.is_file())
    assert size < 15e6


# --------------------------------------------------------------------------- determinism and formats


def test_same_seed_same_tables_different_seed_different():
    a, b, c = synth.generate(300, seed=5), synth.generate(300, seed=5), synth.generate(300, seed=6)
    for name in ("customers", "transactions", "interactions", "exit_survey"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    pd.testing.assert_frame_equal(a.truth.defects, b.truth.defects)
    assert not a.transactions["amount"].equals(c.transactions["amount"])
    assert not a.customers["name"].equals(c.customers["name"])


def test_write_dataset_equals_generate_to_dir(tmp_path):
    synth.write_dataset(synth.generate(400, seed=9), tmp_path / "a")
    synth.generate_to_dir(tmp_path / "b", n_customers=400, seed=9)
    names = _files(tmp_path / "a")
    assert names == _files(tmp_path / "b") and len(names) == 8
    for name in names:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


def test_written_csv_reads_back_to_the_generated_tables(tmp_path):
    data = synth.generate(300, seed=11)
    folder = _read_folder(synth.write_dataset(data, tmp_path))
    for name in ("customers", "transactions", "interactions", "exit_survey"):
        frame = getattr(data, name)
        back = folder[name]
        assert list(back.columns) == list(frame.columns)
        assert back.index.equals(frame.index), name
        assert back["customer_id"].tolist() == frame["customer_id"].tolist(), name
    assert (folder["customers"]["birth_date"].dropna().str.fullmatch(r"\d{4}-\d\d-\d\d")).all()


def test_parquet_holds_the_same_values(tmp_path):
    data = synth.generate(200, seed=4)
    synth.generate_to_dir(tmp_path, n_customers=200, seed=4, fmt="parquet")
    back = pd.read_parquet(tmp_path / "transactions.parquet")
    assert len(back) == len(data.transactions)
    np.testing.assert_allclose(back["amount"].to_numpy(), data.transactions["amount"].to_numpy(dtype=float))
    truth = pd.read_parquet(tmp_path / "truth" / "defects.parquet")
    assert truth["source_row"].tolist() == data.truth.defects["source_row"].tolist()


def test_tables_have_canonical_dtypes_and_source_rows(data):
    for name, table in data.tables().items():
        contract(name, stage="loaded").validate(table)
        assert table.index.name == "source_row"
        assert table.index.tolist() == list(range(2, len(table) + 2))
    assert data.source == f"teaching (generated, seed={SEED})"


def test_bad_arguments_are_refused(tmp_path):
    with pytest.raises(ValueError, match="n_customers"):
        synth.generate(0)
    with pytest.raises(ValueError, match="after start"):
        synth.generate(10, start="2024-01-01", end="2023-01-01")
    with pytest.raises(ValueError, match="fmt"):
        synth.generate_to_dir(tmp_path, n_customers=10, fmt="xlsx")


# --------------------------------------------------------------------------- chunked generation


def test_chunked_generation_keeps_ids_unique_and_rows_counting(tmp_path):
    synth.generate_to_dir(tmp_path, n_customers=450, seed=3, chunk_size=100)
    folder = _read_folder(tmp_path)
    truth = folder["truth_customers"]
    assert len(truth) == 450 and truth["customer_id"].is_unique
    assert folder["customers"]["customer_id"].is_unique
    assert folder["interactions"]["interaction_id"].is_unique
    orders = folder["transactions"].drop_duplicates()
    first_line = orders[orders["status"] != "returned"].drop_duplicates("order_id")
    assert first_line["customer_id"].groupby(first_line["order_id"]).nunique().max() == 1
    # Real customers plus duplicates, minus deleted ones: every card is a person or a listed duplicate.
    defects = folder["truth_defects"]
    dups = defects[defects["defect"] == "duplicate_customer"]
    assert set(folder["customers"]["customer_id"]) == set(truth["customer_id"]) | set(dups["record_id"])
    _check_defects(folder["customers"], folder["transactions"], defects, small=True)
    # Chunks differ from one big chunk, but follow the same story.
    assert not folder["customers"]["customer_id"].equals(synth.generate(450, seed=3).customers["customer_id"])


def test_progress_bar_option_runs(tmp_path, capsys):
    synth.generate_to_dir(tmp_path, n_customers=60, seed=2, progress=True)
    assert "customers" in capsys.readouterr().err


# --------------------------------------------------------------------------- truth


def test_defects_show_where_truth_says(data):
    _check_defects(data.customers, data.transactions, data.truth.defects)
    assert set(data.truth.defects["defect"]) == {
        "missing_value", "invalid_phone", "invalid_email", "invalid_birth_date", "duplicate_customer",
        "stale_record", "city_region_mismatch", "orphan_transaction", "duplicate_order_line",
        "unflagged_negative_amount",
    }  # fmt: skip


def test_churned_customers_have_reason_and_date_and_buy_nothing_after(data):
    truth = data.truth.customers
    churned = truth["is_churned"].to_numpy(dtype=bool)
    assert truth.loc[churned, "churn_date"].notna().all() and truth.loc[churned, "churn_reason"].notna().all()
    assert truth.loc[~churned, "churn_date"].isna().all() and truth.loc[~churned, "churn_reason"].isna().all()
    assert set(truth["churn_reason"].dropna()) <= set(REASON_CATEGORIES)
    assert (truth.loc[churned, "churn_date"] <= END).all()
    last = data.transactions.groupby("customer_id")["order_date"].max()
    joined = truth[churned].join(last, on="customer_id")
    assert (joined["order_date"].dropna() < joined.loc[joined["order_date"].notna(), "churn_date"]).all()
    after = data.interactions.merge(truth[churned], on="customer_id")
    assert (after["date"] <= after["churn_date"]).all()


def test_background_reasons_are_a_minority_of_churn(data):
    reasons = data.truth.customers["churn_reason"].dropna()
    background = reasons.isin(["competitor", "relocation", "other"]).mean()
    assert 0.05 < background < 0.3
    assert reasons.value_counts(normalize=True).iloc[0] < 0.5


def test_exit_survey_answers_a_fraction_of_churned_customers_after_churn(data):
    truth = data.truth.customers.set_index("customer_id")
    survey = data.exit_survey
    assert survey["customer_id"].is_unique
    assert truth.loc[survey["customer_id"], "is_churned"].all()
    share = len(survey) / truth["is_churned"].sum()
    assert 0.25 < share < 0.45
    delay = (survey["date"].to_numpy() - truth.loc[survey["customer_id"], "churn_date"].to_numpy()).astype(
        "timedelta64[D]"
    )
    assert delay.min() >= np.timedelta64(3, "D") and delay.max() <= np.timedelta64(31, "D")
    stated = survey["reason_category"].to_numpy(dtype=object)
    true = truth.loc[survey["customer_id"], "churn_reason"].to_numpy(dtype=object)
    answered = pd.notna(stated)
    assert 0.7 < (stated[answered] == true[answered]).mean() < 0.9
    assert survey[["reason_category", "reason_text"]].notna().any(axis=1).all()


def test_duplicates_point_at_existing_originals_that_resemble_them(data):
    c = data.customers.set_index("customer_id")
    dups = data.truth.defects.query("defect == 'duplicate_customer'")
    assert len(dups) > 5
    assert dups["detail"].isin(c.index).all()
    assert not dups["detail"].isin(dups["record_id"]).any()
    dup, orig = c.loc[dups["record_id"]], c.loc[dups["detail"]]
    assert (dup["birth_date"].to_numpy() == orig["birth_date"].to_numpy()).all()
    assert (dup["signup_date"].to_numpy() > orig["signup_date"].to_numpy()).all()
    same_name = dup["name"].to_numpy() == orig["name"].to_numpy()

    def digits(phones: pd.Series) -> np.ndarray:
        return phones.fillna("").str.replace(r"\D", "", regex=True).str[-11:].to_numpy(dtype=object)

    same_phone = digits(dup["phone"]) == digits(orig["phone"])
    assert (same_name | same_phone | dup["phone"].isna().to_numpy() | orig["phone"].isna().to_numpy()).all()
    assert not same_name.all() and not same_phone.all()
    assert not data.transactions["customer_id"].isin(dups["record_id"]).any()
    assert not dups["record_id"].isin(data.truth.customers["customer_id"]).any()


def test_segments_differ_as_the_story_says(data):
    truth = data.truth.customers.set_index("customer_id")
    assert set(truth["segment"]) == set(synth.SEGMENTS)
    cards = data.customers.drop_duplicates("customer_id").set_index("customer_id")
    business = truth.index[truth["segment"] == "business"]
    assert (cards.loc[business, "customer_type"] == "business").all()
    sales = data.transactions[data.transactions["status"] == "completed"]
    sales = sales[sales["customer_id"].isin(truth.index)]
    per = sales.groupby("customer_id").agg(orders=("order_id", "nunique"), value=("amount", "sum"))
    per["segment"] = truth.loc[per.index, "segment"]
    median = per.groupby("segment").median()
    assert median.loc["loyal_high_value", "orders"] > median.loc["regular", "orders"] > median.loc["one_off", "orders"]
    aov = median["value"] / median["orders"]
    assert aov["loyal_high_value"] > 2 * aov["regular"] > 2 * aov["bargain_hunter"]


def test_amounts_rise_after_the_price_rise(data):
    t = data.transactions
    t = t[(t["status"] == "completed") & (t["amount"] > 0) & t["customer_id"].isin(data.truth.customers["customer_id"])]
    unit = (t["amount"] / t["quantity"]).astype(float)
    after = t["order_date"] >= pd.Timestamp(synth.PRICE_RISE_DATE)
    # Same customers before and after, so the mix of customers does not drive the ratio.
    both = set(t.loc[after, "customer_id"]) & set(t.loc[~after, "customer_id"])
    mask = t["customer_id"].isin(both).to_numpy()
    ratio = (
        unit[mask & after.to_numpy()].groupby(t.loc[mask & after.to_numpy(), "customer_id"]).mean()
        / unit[mask & ~after.to_numpy()].groupby(t.loc[mask & ~after.to_numpy(), "customer_id"]).mean()
    )
    assert 1.08 < ratio.median() < 1.25


def test_expected_defect_rates_favour_good_channels():
    rates = synth.expected_defect_rates()
    assert list(rates.columns) == list(synth.CHANNELS)
    assert "other" not in rates.columns
    worst = rates.loc["customers"].idxmax(axis=1)
    assert set(worst) <= {"purchased_list", "trade_show"}
    assert (rates.loc["customers", "store_visit"] <= rates.loc["customers", "phone"]).all()
    assert set(rates.index.get_level_values("defect")) >= {"orphan_transaction", "duplicate_customer"}


def test_observed_defect_rates_follow_the_channels(data):
    c = data.customers
    defects = data.truth.defects.query("table == 'customers'")
    flagged = c.index.isin(defects["source_row"])
    share = pd.Series(flagged, index=c.index).groupby(c["acquisition_channel"]).mean()
    assert share["purchased_list"] > 2 * share["store_visit"]
    assert share["trade_show"] > share["referral"]


# --------------------------------------------------------------------------- the service log (issue 19)


def test_new_streams_leave_every_older_column_as_it_was():
    """The care columns and blank statuses come from their own streams: other streams, same older columns."""
    t0, end_day, rise_day = _period("2023-01-01", "2025-12-31")
    runs = []
    for extra_seed in (1, 2):
        extra = (np.random.default_rng([extra_seed, 19]), np.random.default_rng([extra_seed, 14]),
                 np.random.default_rng([extra_seed, 19, 2]))
        runs.append(_chunk(np.random.default_rng(5), 300, t0, end_day, rise_day, _Counters(), extra))
    a, b = runs
    old = ["interaction_id", "customer_id", "date", "kind", "topic", "satisfaction", "resolved"]
    # The planned contacts (issue 19) are appended after the older rows, which stay as they were.
    n_a, n_b = (int(np.flatnonzero(np.diff(r.tables["interactions"]["date"].to_numpy()) < 0)[0]) + 1 for r in runs)
    assert n_a == n_b and len(a.tables["interactions"]) > n_a
    pd.testing.assert_frame_equal(a.tables["interactions"][old].iloc[:n_a], b.tables["interactions"][old].iloc[:n_a])
    assert not a.tables["interactions"]["date"].iloc[n_a:].equals(b.tables["interactions"]["date"].iloc[n_b:])
    pd.testing.assert_frame_equal(a.tables["customers"], b.tables["customers"])
    pd.testing.assert_frame_equal(a.tables["exit_survey"], b.tables["exit_survey"])
    pd.testing.assert_frame_equal(a.truth_customers, b.truth_customers)
    tx_a, tx_b = a.tables["transactions"], b.tables["transactions"]
    pd.testing.assert_frame_equal(tx_a.drop(columns="status"), tx_b.drop(columns="status"))
    both = tx_a["status"].notna() & tx_b["status"].notna()
    assert (tx_a.loc[both, "status"] == tx_b.loc[both, "status"]).all()
    assert not a.tables["interactions"]["text"].equals(b.tables["interactions"]["text"])


def test_service_times_in_the_log_are_the_truths(data):
    log = data.interactions.set_index("interaction_id")
    truth = data.truth.interactions.set_index("interaction_id")
    service = log[log["kind"].isin(["inquiry", "complaint"])]
    assert set(truth.index) == set(service.index)
    hours = (service["responded_at"] - service["date"]).dt.total_seconds() / 3600
    assert hours.to_numpy() == pytest.approx(truth.loc[service.index, "response_hours"].to_numpy(), abs=1e-9)
    solved = (service["resolved_at"] - service["date"]).dt.total_seconds() / 3600
    assert np.allclose(solved, truth.loc[service.index, "resolution_hours"], atol=1e-9, equal_nan=True)
    # Only resolved complaints have a resolution time, always after the first response; other kinds no times.
    complaint = service["kind"] == "complaint"
    assert (service["resolved_at"].notna() == (complaint & service["resolved"].fillna(False))).all()
    assert (service["resolved_at"].dropna() >= service.loc[service["resolved_at"].notna(), "responded_at"]).all()
    others = log[~log["kind"].isin(["inquiry", "complaint"])]
    assert others[["responded_at", "resolved_at", "agent"]].isna().all().all() and others["channel"].notna().all()
    assert set(others.loc[others["kind"] == "visit", "channel"]) == {"in_person"}
    assert service["agent"].notna().all() and service["channel"].notna().all()


def test_complaint_texts_speak_of_their_true_topic_in_both_languages(data):
    log = data.interactions.set_index("interaction_id")
    truth = data.truth.interactions.set_index("interaction_id")
    texts = log.loc[log["text"].notna(), ["kind", "topic", "text"]].join(truth["true_topic"])
    assert (texts["kind"] == "complaint").all() and texts["true_topic"].notna().all()
    assert 0.75 < len(texts) / (log["kind"] == "complaint").sum() < 0.95
    chinese = texts["text"].str.contains(r"[\u4e00-\u9fff]")
    assert 0.4 < chinese.mean() < 0.7
    slips = (texts["topic"] != texts["true_topic"]).mean()  # the recorded topic is wrong now and then
    assert 0.05 < slips < 0.15
    delivery = texts.loc[texts["true_topic"] == "delivery", "text"]
    assert delivery.str.contains("快递|物流|包裹|配送|发货|deliver|parcel|courier|ship", regex=True).all()
    assert not texts["text"].str.contains(r"@|\d{11}", regex=True).any()  # no contact details in the text


def test_recovery_truth_unresolved_complaints_lose_purchases_and_time_does_not(data):
    log = data.interactions.set_index("interaction_id")
    truth = data.truth.interactions.set_index("interaction_id")
    complaints = log[log["kind"] == "complaint"].join(truth["kept_effect_180d"])
    unresolved = complaints["resolved"].eq(False)
    assert (complaints.loc[~unresolved, "kept_effect_180d"] == 0).all()
    effect = complaints.loc[unresolved, "kept_effect_180d"]
    assert (effect < 0).all() and (effect > -0.55).all()
    assert -0.45 < effect.mean() < -0.1
    assert truth.loc[log.index[log["kind"] == "inquiry"], "kept_effect_180d"].isna().all()


def test_a_few_transaction_lines_have_no_status_and_their_sign_tells_what_they_are(data):
    t = data.transactions
    blank = t["status"].isna()
    assert 0.015 < blank.mean() < 0.035
    defects = data.truth.defects.query("table == 'transactions'")
    assert not t.index[blank].isin(defects["source_row"]).any()
    assert not (blank & t.duplicated(keep=False)).any()  # both copies of a line imported twice keep theirs
    committed = pd.read_csv(paths.TEACHING_DIR / "transactions.csv", dtype=str, keep_default_na=False)
    assert 0.015 < (committed["status"] == "").mean() < 0.035


def test_teaching_truth_is_loaded_with_the_data():
    loaded = crm_analysis.load(paths.TEACHING_DIR)
    truth = loaded.truth.interactions
    assert truth is not None and truth["response_hours"].dtype == "float64"
    assert len(truth) == loaded.interactions["kind"].isin(["inquiry", "complaint"]).sum()


def test_a_folder_without_the_interactions_truth_still_has_its_other_truth(tmp_path):
    """Data generated before issue 19 (no truth/interactions.csv, no care columns) loads as before."""
    folder = synth.write_dataset(synth.generate(200, seed=3), tmp_path / "old")
    (folder / "truth" / "interactions.csv").unlink()
    log = pd.read_csv(folder / "interactions.csv", dtype=str, keep_default_na=False)
    log.drop(columns=["channel", "responded_at", "resolved_at", "agent", "text"]).to_csv(
        folder / "interactions.csv", index=False)
    loaded = crm_analysis.load(folder)
    assert loaded.truth is not None and loaded.truth.interactions is None and len(loaded.truth.customers) == 200
    assert loaded.interactions["responded_at"].isna().all() and "channel_2" not in loaded.interactions


def test_a_service_log_with_chinese_headers_maps_onto_the_new_columns(tmp_path):
    folder = tmp_path / "log"
    folder.mkdir()
    (folder / "customers.csv").write_text("客户编号\nC1\nC2\n", encoding="utf-8")
    (folder / "interactions.csv").write_text(
        "工单号,客户编号,日期,类型,渠道,首次响应时间,解决时间,处理人,内容\n"
        "T1,C1,2024-05-02,complaint,phone,2024-05-02 14:10,2024-05-04 11:00,张三,快递一周还没到\n"
        "T2,C2,2024-05-03,inquiry,wechat,,,李四,发票怎么开\n", encoding="utf-8")
    log = crm_analysis.load(folder).interactions
    assert {"channel", "responded_at", "resolved_at", "agent", "text"} <= set(log.columns)
    assert not any(c.endswith("_2") for c in log.columns)
    assert log["responded_at"].iloc[0] == pd.Timestamp("2024-05-02 14:10") and pd.isna(log["resolved_at"].iloc[1])
    assert log["text"].tolist() == ["快递一周还没到", "发票怎么开"]


def test_planned_contacts_follow_the_tier_plan_and_the_truth_knows_them(data):
    """Issue 19: one planned visit (A) or care call (B, C) per customer in the plan, on time with the tier's known
    probability; the truth's last planned contact is the log's, and nobody is contacted after leaving."""
    from crm_analysis.data.synth.care import PLAN_DAYS, PLAN_ON_TIME_P

    plan = data.truth.care_plan.set_index("customer_id")
    assert set(plan.index) == set(data.truth.customers["customer_id"])
    as_of = plan["as_of"].iloc[0]
    log = data.interactions
    planned = log[log["kind"].isin(["visit", "care_call"]) & (log["date"] < as_of)]
    last = planned.groupby("customer_id")["date"].max().reindex(plan.index)
    pd.testing.assert_series_equal(last, plan["last_planned_contact"], check_names=False, check_dtype=False)
    churned = data.truth.customers.set_index("customer_id")["is_churned"].reindex(plan.index).astype(bool)
    left = churned[churned].index
    after = log[log["customer_id"].isin(left)].merge(data.truth.customers, on="customer_id")
    assert (after["date"] <= after["churn_date"]).all()
    ours = plan[plan["in_plan"].astype(bool) & ~churned]  # those still customers: the plan's known chance
    gap = (as_of - ours["last_planned_contact"]).dt.days.astype("float64")  # NaN: never contacted, not on time
    on_time = (gap <= ours["plan_tier"].map(PLAN_DAYS).astype("float64")).to_numpy(dtype=bool)
    share = pd.Series(on_time, index=ours.index).groupby(ours["plan_tier"]).mean()
    for tier in "ABC":  # at least the plan's own chance (older contacts also count), never everyone
        assert PLAN_ON_TIME_P[tier] - 0.1 <= share[tier] < 1, (tier, share[tier])
    assert ours.groupby("plan_tier")["on_time_p"].first().to_dict() == PLAN_ON_TIME_P
