"""crm_analysis.clean: quarantine rules, field fixes, row accounting and property tests of the normalisers."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from crm_analysis.core import paths, schema
from crm_analysis.core.errors import CRMDataError
from crm_analysis.data.cleaning import (
    CATEGORY_SYNONYMS,
    _repeated_lines,
    clean,
    normalize_bool,
    normalize_category,
    normalize_email,
    normalize_phone,
    normalize_text,
    normalize_texts,
    row_accounting,
)
from crm_analysis.data.loading import load

CUSTOMERS = """customer_id,name,gender,birth_date,phone,email,acquisition_channel,customer_type
C001,张伟,女,1985-04-12,+86 138-1234-5678,Zhang.Wei@Example.com,Store visit,个人
C002,李娜,M,2090-01-01,1381234567,not-an-email,门店,business
,王芳,female,1970-01-01,13912345678,a@b.cn,web_form,individual
C001,张伟,female,1985-04-12,13812345678,zhang.wei@example.com,store_visit,individual
C004,赵磊,F,1850-06-01,0086 139.1234.5678,zl@example.cn,carrier pigeon,individual
C005,钱七,other,1999-09-09,,,,
"""
TRANSACTIONS = """order_id,customer_id,order_date,amount,status
O1,C001,2024-01-05,59.90,completed
O2,C002,2024-01-06,-20.00,completed
O3,,2024-01-07,10.00,completed
O4,C001,2023-13-45,10.00,completed
O5,C001,2024-01-08,30.00,Refund
O5,C001,2024-01-08,30.00,Refund
O6,C999,2024-01-09,15.00,completed
O7,C004,2024-01-10,5.00,已取消
O8,C005,2024-01-11,7.00,completed
O9,C005,2024-01-12,8.00,completed
O10,C005,2024-01-13,9.00,completed
"""
INTERACTIONS = """customer_id,date,kind,satisfaction
C001,2024-02-01,投诉,2
C002,2024-02-02,chat,7
C004,,inquiry,3
C005,2024-02-03,,4
"""
EXIT_SURVEY = """customer_id,date,reason_category,reason_text
C002,2024-03-01,太贵,太贵了
,2024-03-02,price,too dear
C004,2024-03-03,moon phase,
"""


@pytest.fixture
def messy(tmp_path: Path):
    for name, text in {"customers": CUSTOMERS, "transactions": TRANSACTIONS, "interactions": INTERACTIONS,
                       "exit_survey": EXIT_SURVEY}.items():
        (tmp_path / f"{name}.csv").write_text(text, encoding="utf-8")
    return load(tmp_path)


@pytest.fixture
def cleaned(messy):
    return clean(messy, as_of="2025-01-01")


def reasons(data, table):
    q = data.quarantine[data.quarantine["table"] == table]
    return dict(zip(q["source_row"], q["reason"], strict=True))


def test_every_row_is_kept_or_quarantined(messy, cleaned):
    accounting = row_accounting(cleaned).set_index("table")
    assert accounting.loc["customers"].tolist() == [6, 4, 2]
    assert accounting.loc["transactions"].tolist() == [11, 7, 4]
    assert accounting.loc["interactions"].tolist() == [4, 2, 2]
    assert accounting.loc["exit_survey"].tolist() == [3, 2, 1]
    assert cleaned.rows_in == messy.rows_in
    for table, frame in cleaned.tables().items():
        schema.contract(table, stage="clean").validate(frame)
        kept_and_rejected = set(frame.index) | set(reasons(cleaned, table))
        assert kept_and_rejected == set(messy.tables()[table].index)


def test_customer_quarantine_reasons(cleaned):
    assert reasons(cleaned, "customers") == {4: "missing customer_id", 5: "duplicate customer_id C001 (first at row 2)"}


def test_transaction_quarantine_reasons(cleaned):
    assert reasons(cleaned, "transactions") == {
        4: "missing customer_id",
        5: "order_date '2023-13-45' is not a date",
        7: "exact duplicate of row 6",
        8: "customer_id C999 not in the customers table (orphan transaction)",
    }


def test_other_tables_quarantine_reasons(cleaned):
    assert reasons(cleaned, "interactions") == {4: "missing date", 5: "missing kind"}
    assert reasons(cleaned, "exit_survey") == {3: "missing customer_id"}


def test_customer_fields_are_normalised(cleaned):
    c = cleaned.customers
    assert c.loc[2, ["phone", "email", "gender", "acquisition_channel", "customer_type"]].tolist() == [
        "13812345678", "zhang.wei@example.com", "female", "store_visit", "individual"
    ]
    assert c.loc[6, "phone"] == "13912345678" and c.loc[6, "gender"] == "female"
    assert c.loc[3, "acquisition_channel"] == "store_visit" and c.loc[3, "gender"] == "male"
    assert pd.isna(c.loc[3, "phone"]) and pd.isna(c.loc[3, "email"])
    assert pd.isna(c.loc[3, "birth_date"]) and pd.isna(c.loc[6, "birth_date"])
    assert pd.isna(c.loc[6, "acquisition_channel"])


def test_field_issues_are_readable_and_mask_personal_data(cleaned):
    issues = cleaned.issues
    by_key = {(r.table, r.source_row, r.column): (r.problem, r.action) for r in issues.itertuples()}
    # One masking rule (crm_analysis.data.privacy): a 10-digit phone keeps only its last two digits,
    # a malformed e-mail shows nothing.
    assert by_key[("customers", 3, "phone")] == ("phone '********67' malformed", "set missing")
    assert by_key[("customers", 3, "email")] == ("email '***' malformed", "set missing")
    assert by_key[("customers", 3, "birth_date")] == ("birth_date 2090-01-01 is after 2025-01-01", "set missing")
    assert by_key[("customers", 6, "birth_date")] == ("birth_date 1850-06-01 is before 1900", "set missing")
    assert by_key[("customers", 6, "acquisition_channel")][1] == "set missing"
    assert by_key[("transactions", 3, "status")] == (
        "negative amount with status completed", "status set to returned"
    )
    assert by_key[("interactions", 3, "satisfaction")] == ("satisfaction 7.0 outside 1-5", "set missing")
    assert by_key[("interactions", 3, "kind")][1] == "set to other"
    assert by_key[("exit_survey", 4, "reason_category")][1] == "set missing"
    assert by_key[("transactions", 5, "order_date")] == ("'2023-13-45' is not a date", "set missing")  # from load
    text = " ".join(issues["problem"]) + " ".join(cleaned.quarantine["reason"])
    assert "1381234567" not in text and "not-an-email" not in text


def test_transaction_fields(cleaned):
    tx = cleaned.transactions
    assert tx.loc[3, "status"] == "returned"  # negative amount, completed
    assert tx.loc[6, "status"] == "returned"  # "Refund" synonym
    assert tx.loc[9, "status"] == "cancelled"  # 已取消
    assert cleaned.interactions.loc[2, "kind"] == "complaint" and cleaned.interactions.loc[3, "kind"] == "other"
    assert pd.isna(cleaned.interactions.loc[3, "satisfaction"])
    assert cleaned.exit_survey.loc[2, "reason_category"] == "price"


def test_cleaning_is_deterministic(messy):
    first, second = clean(messy, as_of="2025-01-01"), clean(messy, as_of="2025-01-01")
    for table in first.tables():
        pd.testing.assert_frame_equal(first.tables()[table], second.tables()[table])
    pd.testing.assert_frame_equal(first.quarantine, second.quarantine)
    pd.testing.assert_frame_equal(first.issues, second.issues)


def test_orphans_are_kept_without_a_customers_table(tmp_path):
    (tmp_path / "transactions.csv").write_text(TRANSACTIONS, encoding="utf-8")
    out = clean(load(tmp_path))
    assert 8 in out.transactions.index  # C999 is fine: nothing to compare against
    assert row_accounting(out)["rows_in"].tolist() == [11]


def test_row_accounting_raises_when_a_row_is_lost(cleaned):
    broken = cleaned.with_tables(transactions=cleaned.transactions.iloc[1:])
    with pytest.raises(CRMDataError, match="transactions"):
        row_accounting(broken)


@pytest.mark.skipif(
    not (paths.TEACHING_DIR / "customers.csv").exists(), reason="data/teaching/ not generated (data.synth)"
)
def test_teaching_data_rows_are_conserved():
    data = clean(load("teaching"))
    accounting = row_accounting(data)
    assert (accounting["rows_in"] == accounting["rows_clean"] + accounting["rows_quarantined"]).all()
    assert data.quarantine["reason"].str.len().gt(0).all()
    for table, frame in data.tables().items():
        schema.contract(table, stage="clean").validate(frame)


# --------------------------------------------------------------------------- property tests
mobiles = st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True)
separators = st.sampled_from(["", " ", "-", "."])


@st.composite
def written_mobile(draw):
    """One mobile number and a random way of writing it."""
    number = draw(mobiles)
    sep = draw(separators)
    prefix = draw(st.sampled_from(["", "+86", "+86 ", "0086", "0086-", "86"]))
    body = sep.join([number[:3], number[3:7], number[7:]])
    return number, f"{prefix}{body}"


@settings(max_examples=200, deadline=None)
@given(written_mobile())
def test_every_spelling_of_a_mobile_normalises_to_its_11_digits(case):
    number, written = case
    assert normalize_phone(written) == number


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=20), st.from_regex(r"\+?[0-9 ()\-.]{0,20}", fullmatch=True)))
def test_phone_output_is_valid_or_none_and_idempotent(value):
    out = normalize_phone(value)
    if out is not None:
        assert re.fullmatch(r"1[3-9]\d{9}|\+\d{8,15}", out)
        assert normalize_phone(out) == out


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.text(max_size=30), st.emails().map(lambda e: f"  {e.upper()} ")))
def test_email_output_is_plausible_or_none_and_idempotent(value):
    out = normalize_email(value)
    if out is not None:
        assert out == out.strip().lower() and out.count("@") == 1
        assert normalize_email(out) == out


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_text_normalisation_is_idempotent_and_trimmed(value):
    out = normalize_text(value)
    if out is not None:
        assert out == out.strip() and "  " not in out and out
        assert normalize_text(out) == out


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(sorted(CATEGORY_SYNONYMS)), st.text(max_size=12))
def test_category_output_is_allowed_and_idempotent(column, value):
    out = normalize_category(value, column)
    allowed = set(CATEGORY_SYNONYMS[column].values())
    if out is not None:
        assert out in allowed and normalize_category(out, column) == out


@pytest.mark.parametrize("column", sorted(CATEGORY_SYNONYMS))
def test_category_synonyms_cover_exactly_the_allowed_values(column):
    field = {f.name: f for fs in schema.TABLES.values() for f in fs}[column]
    assert set(CATEGORY_SYNONYMS[column].values()) == set(field.allowed)
    for value in field.allowed:
        assert normalize_category(value.upper().replace("_", " "), column) == value


def test_category_spellings():
    assert {normalize_category(v, "acquisition_channel") for v in ["Store visit", "store-visit", "门店"]} == {
        "store_visit"
    }
    assert [normalize_bool(v) for v in ["是", "Yes", "Y", "1", "true", "否", "no", "?"]] == [
        True, True, True, True, True, False, False, None
    ]


def test_birth_dates_too_close_to_signup_and_domestic_non_mobiles_are_blanked(tmp_path):
    (tmp_path / "customers.csv").write_text(
        "customer_id,birth_date,signup_date,phone\n"
        "C1,2015-06-01,2024-01-01,03812345678\n"
        "C2,1990-06-01,2024-01-01,+86 21 1234 5678\n",
        encoding="utf-8",
    )
    out = clean(load(tmp_path), as_of="2025-01-01")
    c = out.customers
    assert pd.isna(c.loc[2, "birth_date"]) and c.loc[3, "birth_date"] == pd.Timestamp("1990-06-01")
    assert pd.isna(c.loc[2, "phone"]) and c.loc[3, "phone"] == "+862112345678"
    problems = out.issues.set_index("column")["problem"]
    assert problems["birth_date"] == "birth_date 2015-06-01 is less than 16 years before signup_date"
    assert problems["phone"] == "phone '038****5678' malformed"


def test_cleaning_finds_exactly_the_defects_the_generator_injected(tmp_path):
    synth = pytest.importorskip("crm_analysis.data.synth", reason="the teaching-data generator is not available")
    folder = synth.write_dataset(synth.generate(600, seed=11), tmp_path / "teaching")
    data = clean(load(folder))
    defects = data.truth.defects
    assert row_accounting(data)["rows_in"].sum() == sum(len(t) for t in load(folder).tables().values())
    for defect, table, column in [
        ("invalid_phone", "customers", "phone"),
        ("invalid_email", "customers", "email"),
        ("invalid_birth_date", "customers", "birth_date"),
        ("unflagged_negative_amount", "transactions", "status"),
    ]:
        injected = set(defects.loc[defects["defect"] == defect, "source_row"].astype(int))
        found = data.issues[(data.issues["table"] == table) & (data.issues["column"] == column)]
        assert set(found["source_row"]) == injected, defect
    for defect, prefix in [("duplicate_order_line", "exact duplicate"), ("orphan_transaction", "customer_id")]:
        injected = set(defects.loc[defects["defect"] == defect, "source_row"].astype(int))
        q = data.quarantine
        found = q[(q["table"] == "transactions") & q["reason"].str.startswith(prefix)]
        assert set(found["source_row"]) == injected, defect


@given(st.lists(st.one_of(st.none(), st.text(max_size=12)), max_size=30))
def test_vectorised_text_normaliser_equals_the_scalar_one(values):
    got = normalize_texts(pd.Series(values, dtype="object")).tolist()
    expected = [normalize_text(v) for v in values]
    assert [None if pd.isna(g) else g for g in got] == expected


@given(st.lists(st.tuples(st.sampled_from(["a", "b", None]), st.sampled_from([1.0, 2.5, None]),
                          st.sampled_from(["2024-01-01", "2024-01-02", None])), max_size=40))
def test_repeated_line_codes_agree_with_pandas_duplicated(lines):
    frame = pd.DataFrame(lines, columns=["text", "amount", "day"]).astype(
        {"text": "string", "amount": "Float64"}).assign(day=lambda f: pd.to_datetime(f["day"]))
    positions, codes = _repeated_lines(frame)
    repeated = np.zeros(len(frame), dtype=bool)
    repeated[positions] = True
    assert repeated.tolist() == frame.duplicated(keep=False).tolist()
    later = pd.Series(codes).duplicated().to_numpy()
    assert sorted(positions[later].tolist()) == np.flatnonzero(frame.duplicated()).tolist()
