"""Tests of crm_analysis.quality: each check on tiny hand-built tables, then against the teaching truth."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pandas as pd
import pytest
from matplotlib.figure import Figure

from crm_analysis import quality
from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.errors import CRMDataError
from crm_analysis.core.paths import TEACHING_DIR

AS_OF = pd.Timestamp("2026-01-01")


def _frame(rows: list[dict], first_row: int = 2) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame.index = pd.RangeIndex(first_row, first_row + len(frame), name="source_row")
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].astype("string")
    return frame


def _customer(i: int, **overrides) -> dict:
    """A complete, valid customer record; tests override what they need."""
    row = {
        "customer_id": f"C{i:04d}", "name": f"王{chr(0x4E00 + 37 * i)}{chr(0x4E00 + 53 * i)}",
        "gender": "female", "birth_date": pd.Timestamp("1985-01-01") + pd.Timedelta(days=97 * i),
        "phone": f"138{i:08d}", "email": f"user{i}@example.com", "city": "上海", "region": "East",
        "customer_type": "individual", "industry": None, "acquisition_channel": "web_form",
        "signup_date": pd.Timestamp("2024-01-01"), "updated_at": pd.Timestamp("2025-06-01"),
        "marketing_consent": True,
    }
    row.update(overrides)
    return row


def _checks(customers: list[dict] | None = None, transactions: list[dict] | None = None, **kw):
    data = CRMData(customers=_frame(customers) if customers else None,
                   transactions=_frame(transactions) if transactions else None)
    return data, quality.run_checks(data, as_of=AS_OF, **kw)


def _flagged(checks: quality.QualityChecks, check: str) -> list[int]:
    return sorted(checks.findings.loc[checks.findings["check"] == check, "source_row"].tolist())


# ------------------------------------------------------------------------- single checks
def test_clean_records_raise_no_finding():
    _, checks = _checks([_customer(i) for i in range(5)])
    assert checks.findings.empty
    assert checks.duplicate_pairs.empty


def test_phone_formats_are_normalised_and_only_broken_numbers_flagged():
    phones = ["13812345678", "138 1234 5679", "138-1234-5670", "+86 138 1234 5671", "+8613812345672",
              "1381234567", "138123456789", "13812O45678", "03812345678"]
    _, checks = _checks([_customer(i, phone=p) for i, p in enumerate(phones)])
    assert _flagged(checks, "invalid_phone") == [7, 8, 9, 10]


def test_email_check_flags_the_four_kinds_of_breakage():
    emails = ["a.b@qq.com", "ab@mail.example.com.cn", "abqq.com", "ab@qq..com", "a b@qq.com", "ab@"]
    _, checks = _checks([_customer(i, email=e) for i, e in enumerate(emails)])
    assert _flagged(checks, "invalid_email") == [4, 5, 6, 7]


def test_birth_dates_in_the_future_before_1900_or_too_young_at_signup():
    births = ["1990-05-01", "2027-03-01", "1875-01-01", "2015-01-01", "2006-06-01"]
    rows = [_customer(i, birth_date=pd.Timestamp(b), signup_date=pd.Timestamp("2024-01-01"))
            for i, b in enumerate(births)]
    _, checks = _checks(rows)
    # 2015 is 9 at signup; 2006-06 is 17 at signup, which is plausible.
    assert _flagged(checks, "invalid_birth_date") == [3, 4, 5]


def test_missing_values_respect_fields_that_do_not_apply():
    rows = [
        _customer(0),  # individual without industry: fine
        _customer(1, customer_type="business", industry=None),  # business without industry: missing
        _customer(2, phone="   "),  # whitespace only counts as empty
        _customer(3, customer_type="business", industry="retail", city=None),
    ]
    _, checks = _checks(rows)
    missing = checks.findings[checks.findings["check"] == "missing_value"]
    assert sorted(zip(missing["source_row"], missing["column"], strict=True)) == [
        (3, "industry"), (4, "phone"), (5, "city")]


def test_field_never_collected_is_a_note_not_a_finding_per_record():
    rows = [_customer(i, gender=None) for i in range(3)]
    _, checks = _checks(rows)
    assert "missing_value" not in set(checks.findings["check"])
    assert any("gender" in note for note in checks.notes)


def test_stale_records_use_the_parameter_against_as_of():
    rows = [_customer(0, updated_at=AS_OF - pd.Timedelta(days=730)),
            _customer(1, updated_at=AS_OF - pd.Timedelta(days=731))]
    _, checks = _checks(rows)
    assert _flagged(checks, "stale_record") == [3]
    _, stricter = _checks(rows, stale_after_days=365)
    assert _flagged(stricter, "stale_record") == [2, 3]


def test_city_region_map_is_learned_by_majority():
    rows = [_customer(i, city="上海", region="East") for i in range(4)]
    rows += [_customer(4, city=" 上海", region="North")]  # minority region, city with a stray space
    rows += [_customer(5, city="兰州", region="Northwest"), _customer(6, city="兰州", region="West")]  # tie
    _, checks = _checks(rows)
    assert _flagged(checks, "city_region_mismatch") == [6]
    assert checks.city_regions["上海"] == "East"
    assert "兰州" not in checks.city_regions.index


# ------------------------------------------------------------------------- duplicates
def test_fuzzy_duplicates_found_with_homophone_and_phone_variant():
    original = _customer(1, name="魏华", phone="157 3602 7422", email="wei.yvb@126.com",
                         birth_date=pd.Timestamp("2003-02-18"), signup_date=pd.Timestamp("2023-01-20"))
    variant = _customer(2, name="魏桦", phone="+8615736027422", email="Wei.yvb@126.com",
                        birth_date=pd.Timestamp("2003-02-18"), signup_date=pd.Timestamp("2023-10-15"),
                        city="广州", region="South")
    typo = _customer(3, name="钱君", phone="175-5652-9605", email="qianibf@163.com",
                     birth_date=pd.Timestamp("1994-08-25"), signup_date=pd.Timestamp("2023-11-01"))
    typo_original = _customer(4, name="钱军", phone="17556529604", email="QIANIBF@163.COM",
                              birth_date=pd.Timestamp("1994-08-25"), signup_date=pd.Timestamp("2023-03-10"))
    _, checks = _checks([variant, original, typo, typo_original])
    pairs = checks.duplicate_pairs
    found = set(zip(pairs["customer_id_a"], pairs["customer_id_b"], strict=True))
    # "a" is the earlier record, "b" the later one to merge away, whatever the file order.
    assert found == {("C0001", "C0002"), ("C0004", "C0003")}
    assert _flagged(checks, "duplicate_customer") == [2, 4]
    assert pairs["reason"].str.contains("same birth date").all()
    assert pairs["score"].between(0.7, 1).all()


def test_family_sharing_a_phone_and_namesakes_are_not_duplicates():
    rows = [
        _customer(1, name="张伟", phone="13812345678", email="zw@qq.com", birth_date=pd.Timestamp("1960-01-01")),
        _customer(2, name="张敏", phone="13812345678", email="zm@qq.com", birth_date=pd.Timestamp("1990-07-07")),
        _customer(3, name="李娜", phone="13900000001", email="ln1@qq.com", birth_date=pd.Timestamp("1980-01-01")),
        _customer(4, name="李娜", phone="13700000002", email="ln2@163.com", birth_date=pd.Timestamp("1992-03-03")),
    ]
    _, checks = _checks(rows)
    assert checks.duplicate_pairs.empty


def test_blocks_larger_than_max_block_are_not_compared():
    rows = [_customer(i, name="刘洋", phone="13800000000", email=None, birth_date=None) for i in range(5)]
    customers = _frame(rows)
    assert len(quality.find_duplicate_customers(customers)) == 10  # every pair of the five
    assert quality.find_duplicate_customers(customers, max_block=3).empty


def test_duplicate_detection_needs_names():
    with pytest.raises(CRMDataError, match="name"):
        quality.find_duplicate_customers(_frame([{"customer_id": "C1"}]))


# ------------------------------------------------------------------------ transactions
def _line(i: int, **overrides) -> dict:
    row = {"order_id": f"O{i:04d}", "customer_id": "C0001", "order_date": pd.Timestamp("2025-03-01"),
           "amount": 20.0 + i, "quantity": 1.0, "status": "completed"}
    row.update(overrides)
    return row


def test_transaction_checks():
    lines = [
        _line(0),
        _line(0),  # exact duplicate of the line above
        _line(2, customer_id="C9999"),  # orphan
        _line(3, amount=-20.0),  # negative amount booked as completed
        _line(4, amount=-20.0, status="returned"),  # a proper return
        _line(5, customer_id=None),
        _line(6, order_date=pd.Timestamp("2026-05-01")),  # after as_of
        _line(7, status="cancelled"),
    ]
    _, checks = _checks([_customer(1)], lines)
    assert _flagged(checks, "duplicate_order_line") == [3]
    detail = checks.findings.loc[checks.findings["check"] == "duplicate_order_line", "detail"].iloc[0]
    assert detail == "same as row 2"
    assert _flagged(checks, "orphan_transaction") == [4]
    assert _flagged(checks, "unflagged_negative_amount") == [5]
    assert _flagged(checks, "missing_customer_id") == [7]
    assert _flagged(checks, "invalid_order_date") == [8]
    assert _flagged(checks, "cancelled_order") == [9]


def test_generated_row_keys_do_not_hide_duplicate_lines():
    lines = [_line(1, order_id="R1"), _line(1, order_id="R2"), _line(3, order_id="R3")]
    _, checks = _checks(None, lines)
    assert _flagged(checks, "duplicate_order_line") == [3]


def test_amount_outliers_use_a_log_scale_fence():
    lines = [_line(i, amount=float(10 + i % 7)) for i in range(40)] + [_line(40, amount=250_000.0)]
    _, checks = _checks(None, lines)
    assert _flagged(checks, "amount_outlier") == [42]


def test_transactions_only_data_notes_what_cannot_be_checked():
    _, checks = _checks(None, [_line(0)])
    assert any("No customers table" in note for note in checks.notes)
    assert not (checks.findings["table"] == "customers").any()


def test_transactions_without_amount_raise_a_clear_error():
    data = CRMData(transactions=_frame([{"customer_id": "C1", "order_date": pd.Timestamp("2025-01-01")}]),
                   source_files={"transactions": "orders.csv"})
    with pytest.raises(CRMDataError, match=r"orders\.csv.*amount"):
        quality.run_checks(data, as_of=AS_OF)


# ----------------------------------------------------------------------------- summaries
def _small_world():
    customers = [
        _customer(1, acquisition_channel="referral"),
        _customer(2, acquisition_channel="referral"),
        _customer(3, acquisition_channel="purchased_list", phone="123", email=None),
        _customer(4, acquisition_channel="purchased_list"),
    ]
    lines = [
        _line(1, customer_id="C0001", amount=100.0, order_date=pd.Timestamp("2025-01-01")),
        _line(2, customer_id="C0001", amount=50.0, order_date=pd.Timestamp("2025-02-01")),
        _line(3, customer_id="C0002", amount=30.0, order_date=pd.Timestamp("2025-02-01")),
        _line(4, customer_id="C0003", amount=10.0, order_date=pd.Timestamp("2025-02-01")),
        _line(5, customer_id="C0003", amount=10.0, order_date=pd.Timestamp("2025-02-01")),  # same day
    ]
    return _checks(customers, lines)


def test_field_scorecard_weights_and_rates():
    data, checks = _small_world()
    card = quality.field_scorecard(data, checks).query("table == 'customers'").set_index("field")
    assert card.loc["phone", "weight"] > card.loc["gender", "weight"]
    assert card.loc["email", "completeness"] == pytest.approx(0.75)
    assert card.loc["phone", "validity"] == pytest.approx(0.75)
    assert card.loc["industry", "records"] == 0  # nobody is a business
    assert not card.loc["industry", "collected"] and card.loc["phone", "collected"]
    assert set(quality.FIELD_WEIGHTS["tier"]) == {"key", "important", "nice_to_have"}


def test_record_scores_weight_completeness_by_importance():
    data, checks = _small_world()
    scores = quality.record_scores(data.customers, checks).set_index("customer_id")
    weights = quality.FIELD_WEIGHTS.set_index("field")["weight"]
    applicable = weights.drop("industry").sum()
    assert scores.loc["C0003", "completeness"] == pytest.approx(1 - weights["email"] / applicable)
    assert scores.loc["C0003", "validity"] == 0.0
    assert scores.loc["C0001", "quality_score"] == 1.0


def test_source_quality_measures_value_per_channel():
    data, checks = _small_world()
    table = quality.source_quality(data, data, checks)
    assert table.loc["referral", "revenue_per_customer"] == pytest.approx(90.0)
    assert table.loc["referral", "repeat_share"] == pytest.approx(0.5)
    assert table.loc["purchased_list", "repeat_share"] == 0.0  # two lines on one day is one visit
    assert table.loc["purchased_list", "buyer_share"] == pytest.approx(0.5)
    assert table.loc["referral", "quality_score"] > table.loc["purchased_list", "quality_score"]
    assert table.index[0] == "referral"


def test_source_quality_needs_customers():
    data, checks = _checks(None, [_line(0)])
    with pytest.raises(CRMDataError, match="no customers table"):
        quality.source_quality(data, data, checks)


def test_field_channel_matrix_and_heatmap():
    data, checks = _small_world()
    matrix = quality.field_channel_matrix(data.customers, checks)
    assert matrix.loc["phone", "purchased_list"] == pytest.approx(0.5)
    assert matrix.loc["phone", "referral"] == 1.0
    assert isinstance(quality.plot_field_channel_heatmap(matrix), Figure)


def test_quality_by_month_and_plot():
    data, checks = _small_world()
    by_month = quality.quality_by_month(data, checks)
    assert by_month["records"].sum() == 4
    assert isinstance(quality.plot_quality_by_month(by_month), Figure)


def test_fix_list_masks_personal_data_and_groups_reasons():
    rows = [_customer(1, phone="1381234567", email="bad@", signup_date=pd.Timestamp("2021-01-01"),
                      updated_at=pd.Timestamp("2022-01-01")),
            _customer(2)]
    data, checks = _checks(rows)
    fixes = quality.fix_list(data, checks)
    assert fixes["source_row"].tolist() == [2]
    assert fixes.loc[0, "problems"] == 3
    assert fixes.loc[0, "checks"] == "invalid_phone, invalid_email, stale_record"
    text = fixes.to_csv()
    assert "1381234567" not in text and "bad@" not in text and "王" in text
    assert quality.fix_list(data, checks, show_pii=True).loc[0, "phone"] == "1381234567"


def test_duplicate_examples_are_masked():
    rows = [_customer(1, name="魏华"), _customer(2, name="魏桦", phone="138 0000 0001",
                                                 signup_date=pd.Timestamp("2024-05-01"))]
    rows[1]["birth_date"] = rows[0]["birth_date"]
    rows[1]["email"] = rows[0]["email"].upper()
    data, checks = _checks(rows)
    examples = quality.duplicate_examples(data.customers, checks)
    assert len(examples) == 1
    assert "13800000001" not in examples.to_csv() and "user1@example.com" not in examples.to_csv().lower()


def test_manager_summary_names_channels():
    data, checks = _small_world()
    summary = quality.check_summary(data, checks)
    sentences = quality.manager_summary(checks, summary, quality.fix_list(data, checks),
                                        quality.source_quality(data, data, checks))
    assert any("'referral' brings the most valuable" in s for s in sentences)
    assert any("'purchased_list' collects the poorest" in s for s in sentences)


# ------------------------------------------------------------------------ defect detection
def test_defect_detection_scores_hand_computed_case():
    customers = [_customer(1, phone="123"), _customer(2, phone="456"), _customer(3, email=None)]
    _, checks = _checks(customers)
    truth = pd.DataFrame({
        "table": "customers", "record_id": ["C0001", "C0003", "C0003"], "source_row": [2, 4, 4],
        "defect": ["invalid_phone", "invalid_phone", "missing_value"], "column": ["phone", "phone", "email"],
        "detail": None,
    })
    result = quality.defect_detection(checks, truth).set_index("check")
    assert list(result.reset_index().columns) == ["check", "precision", "recall", "support"]
    assert result.loc["invalid_phone"].tolist() == [0.5, 0.5, 2]
    assert result.loc["missing_value"].tolist() == [1.0, 1.0, 1]


def test_defect_detection_rejects_malformed_truth():
    _, checks = _checks([_customer(1)])
    with pytest.raises(CRMDataError, match="truth defects lack"):
        quality.defect_detection(checks, pd.DataFrame({"defect": []}))


# ------------------------------------------------------------------ against the teaching truth
@pytest.fixture(scope="module")
def teaching():
    """The committed teaching data when present, otherwise the same generator in memory."""
    if TEACHING_DIR.exists():
        from crm_analysis.data.loading import load

        data = load("teaching")
    else:
        from crm_analysis.data import synth

        data = synth.generate(3000, seed=11)
    return data, quality.run_checks(data, as_of=pd.Timestamp("2026-01-01"))


def test_every_check_reaches_precision_and_recall_of_090_on_teaching_data(teaching):
    data, checks = teaching
    result = quality.defect_detection(checks, data.truth.defects)
    assert {"missing_value", "invalid_phone", "duplicate_customer", "stale_record", "orphan_transaction",
            "duplicate_order_line", "unflagged_negative_amount"} <= set(result["check"])
    weak = result[(result["precision"] < 0.9) | (result["recall"] < 0.9)]
    assert weak.empty, weak.to_string()
    assert (result["support"] > 0).all()


def test_channel_quality_reflects_the_worst_channels_on_teaching_data(teaching):
    data, checks = teaching
    by_channel = quality.channel_scorecard(quality.record_scores(data.customers, checks))
    # The generator injects defects 3x as often on purchased lists as in store visits.
    assert by_channel.loc["purchased_list", "quality_score"] < by_channel.loc["store_visit", "quality_score"]
