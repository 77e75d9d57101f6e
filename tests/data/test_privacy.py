"""Tests for crm_analysis.data.privacy: masking, pseudonyms, and the leak finder."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from crm_analysis.data import privacy as _privacy
from crm_analysis.data.privacy import (
    find_raw_pii,
    mask_email,
    mask_name,
    mask_phone,
    mask_pii,
    mask_value,
    pseudonymise,
)


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("13812345678", "138****5678"),
        ("+86 138 1234 5678", "138****5678"),
        ("0086-138-1234-5678", "138****5678"),
        ("(138) 1234-5678", "138****5678"),
        ("6552 9988", "******88"),  # landline without area code: only the last 2 digits stay
        ("12345", "***45"),
        ("12", "**"),
        ("unknown", "***"),
        ("", "***"),
    ],
)
def test_mask_phone_examples(raw: str, masked: str) -> None:
    assert mask_phone(raw) == masked


def test_mask_phone_series_keeps_index_and_na() -> None:
    phones = pd.Series(["13812345678", None, "139-0000-1111"], index=[7, 8, 9])
    out = mask_phone(phones)
    assert out.index.tolist() == [7, 8, 9]
    assert out.iloc[0] == "138****5678"
    assert out.isna().tolist() == [False, True, False]
    assert out.iloc[2] == "139****1111"


def test_mask_phone_handles_numbers_read_as_floats() -> None:
    # Excel and read_csv turn a phone column with gaps into floats.
    out = mask_phone(pd.Series([13812345678.0, np.nan]))
    assert out.iloc[0] == "138****5678"
    assert pd.isna(out.iloc[1])


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("zhang.wei@example.com", "z***@example.com"),
        ("  li@qq.com ", "l***@qq.com"),
        ("王芳@例子.中国", "王***@例子.中国"),
        ("no-at-sign.com", "***"),
        ("two@@example.com", "***"),
        ("missing@tld", "***"),
        ("spaces in@example.com", "***"),
    ],
)
def test_mask_email_examples(raw: str, masked: str) -> None:
    assert mask_email(raw) == masked


def test_mask_email_na_stays_na() -> None:
    out = mask_email(pd.Series([None, "a@b.cn"], dtype="string"))
    assert pd.isna(out.iloc[0]) and out.iloc[1] == "a***@b.cn"
    assert pd.isna(mask_email(None))


@pytest.mark.parametrize(
    ("raw", "masked"),
    [
        ("张伟", "张*"),
        ("欧阳娜娜", "欧***"),
        ("Zhang Wei", "Z*** W**"),
        ("Li Na", "L* N*"),
        ("Bartholomew", "B***"),  # at most three stars: the mask hides a name's length
        ("李", "李"),
        (" 王芳 ", "王*"),
    ],
)
def test_mask_name_examples(raw: str, masked: str) -> None:
    assert mask_name(raw) == masked


def test_mask_name_series_with_na() -> None:
    out = mask_name(pd.Series(["张伟", pd.NA], dtype="string"))
    assert out.iloc[0] == "张*" and pd.isna(out.iloc[1])


def test_pseudonymise_is_stable_per_key_and_differs_across_keys() -> None:
    values = pd.Series(["13812345678", "13900001111", "13812345678", None], index=[2, 3, 4, 5])
    first = pseudonymise(values, key="k1")
    again = pseudonymise(values.copy(), key="k1")
    other = pseudonymise(values, key="k2")
    pd.testing.assert_series_equal(first, again)
    assert first.index.tolist() == [2, 3, 4, 5]
    assert first.iloc[0] == first.iloc[2] != first.iloc[1]
    assert pd.isna(first.iloc[3])
    assert (first.iloc[:3] != other.iloc[:3]).all()
    assert first.iloc[:3].str.fullmatch(r"c_[0-9a-f]{8}").all()
    assert "13812345678" not in "".join(first.dropna())


def test_pseudonymise_rejects_empty_key() -> None:
    with pytest.raises(ValueError, match="key"):
        pseudonymise(["x"], key="")


def _customers() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "customer_id": ["C1", "C2"],
            "name": ["张伟", "Zhang Wei"],
            "phone": ["13812345678", None],
            "email": ["zhang.wei@example.com", "bad-address"],
            "amount": [12.5, 3.0],
        },
        index=pd.Index([2, 3], name="source_row"),
    )


def test_mask_pii_masks_only_pii_columns() -> None:
    df = _customers()
    out = mask_pii(df)
    assert out["name"].tolist() == ["张*", "Z*** W**"]
    assert out["phone"].iloc[0] == "138****5678" and pd.isna(out["phone"].iloc[1])
    assert out["email"].tolist() == ["z***@example.com", "***"]
    pd.testing.assert_series_equal(out["customer_id"], df["customer_id"])
    pd.testing.assert_series_equal(out["amount"], df["amount"])
    pd.testing.assert_index_equal(out.index, df.index)
    assert df["phone"].iloc[0] == "13812345678"  # the input frame is not modified


def test_mask_pii_show_pii_returns_frame_unchanged() -> None:
    df = _customers()
    assert mask_pii(df, show_pii=True) is df


def test_mask_pii_hash_method_and_custom_columns() -> None:
    df = _customers().assign(mobile_b=["13812345678", "13812345678"])
    hashed = mask_pii(df, method="hash", key="secret", columns=["phone", "mobile_b"])
    assert hashed["phone"].iloc[0] == hashed["mobile_b"].iloc[0] == hashed["mobile_b"].iloc[1]
    assert hashed["name"].tolist() == df["name"].tolist()  # not listed, so untouched
    masked = mask_pii(df, columns=["mobile_b", "not_there"])
    assert masked["mobile_b"].tolist() == ["138****5678", "138****5678"]


def test_mask_pii_rejects_bad_method_and_missing_key() -> None:
    with pytest.raises(ValueError, match="method"):
        mask_pii(_customers(), method="blur")
    with pytest.raises(ValueError, match="key"):
        mask_pii(_customers(), method="hash")


def test_find_raw_pii_finds_planted_values_only() -> None:
    phones = ["138-1234-5678", "+86 139 0000 1111", "13700002222", None, "12"]
    emails = ["zhang.wei@example.com", "Li.Na@Example.com", "absent@example.com", None]
    text = (
        "<table><tr><td>138****5678</td><td>13812345678</td></tr>"  # digit form of the first phone
        "<tr><td>13900001111</td><td>li.na@example.com</td>"  # country code dropped; e-mail in lower case
        "<td>z***@example.com</td><td>order 12 of 2024</td></tr></table>"
    )
    assert find_raw_pii(text, phones, emails) == ["138-1234-5678", "+86 139 0000 1111", "Li.Na@Example.com"]


def test_find_raw_pii_on_masked_output_finds_nothing() -> None:
    df = _customers()
    page = mask_pii(df).to_html()
    assert find_raw_pii(page, df["phone"], df["email"]) == []
    raw_page = df.to_html()
    assert find_raw_pii(raw_page, df["phone"], df["email"]) == ["13812345678", "zhang.wei@example.com", "bad-address"]


def test_find_raw_pii_decodes_html_entities() -> None:
    assert find_raw_pii("mail: wu&#64;example.com", [], ["wu@example.com"]) == ["wu@example.com"]


def test_personal_data_in_messages_is_masked_by_the_report_rules():
    # mask_value is what loading and cleaning use in issues and errors: the same rules as mask_pii.
    assert mask_value("phone", "13812345678") == "138****5678"
    assert mask_value("email", "zhang.wei@example.com") == "z***@example.com"
    assert mask_value("name", "张伟") == "张*"
    assert mask_value("amount", "12.5") == "12.5"
    # The stricter rules of the reports: a non-mobile number keeps only its last two digits, a
    # malformed e-mail shows nothing, a name does not reveal its length.
    assert mask_value("phone", "6552 9988") == "******88"
    assert mask_value("email", "zhang.wei-at-example.com") == "***"
    assert mask_value("name", "Alexander Smith") == "A*** S***"
    assert mask_value("city", "x" * 50) == "x" * 37 + "..."


# ------------------------------------------------ personal data by shape, in any column (issue 17)


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        ("13812345678", "138****5678"),
        ("会员 13812345678 已注册", "会员 138****5678 已注册"),
        ("+86 138-1234-5678,", "138****5678,"),
        ("0086 13812345678", "138****5678"),
        ("wei.zhang@example.com.cn)", "w***@example.com.cn)"),
        ("ID 11010519900307123X", "ID ****************3X"),
        ("call +44 20 7946 0958 now", "call **********58 now"),
        # not personal data: order numbers, amounts, dates, short ids, digits inside words or image data
        ("order 202401011234567", "order 202401011234567"),
        ("amount 1381234567.50", "amount 1381234567.50"),
        ("2024-01-31 C000123 17850", "2024-01-31 C000123 17850"),
        ("iVBORw0KGgoAAA13812345678AAAA", "iVBORw0KGgoAAA13812345678AAAA"),
    ],
)
def test_mask_text_finds_personal_data_by_its_shape(text: str, masked: str) -> None:
    assert _privacy.mask_text(text) == masked
    assert _privacy.mask_text(text, show_pii=True) == text


def test_mask_frame_pseudonymises_phone_keys_stably_and_masks_other_columns() -> None:
    frame = pd.DataFrame({"customer_id": ["13812345678", "13900001111", "13812345678"],
                          "remark": ["ok", "mail li@example.com", None], "n_orders": [1, 2, 3]})
    one, two = _privacy.mask_frame(frame, key="k1"), _privacy.mask_frame(frame, key="k1")
    assert one["customer_id"].tolist() == two["customer_id"].tolist()  # stable: tables stay joinable
    assert one["customer_id"][0] == one["customer_id"][2] != one["customer_id"][1]
    assert _privacy.mask_frame(frame, key="k2")["customer_id"][0] != one["customer_id"][0]  # keyed
    assert one["remark"].tolist()[:2] == ["ok", "mail l***@example.com"] and pd.isna(one["remark"][2])
    assert one["n_orders"].tolist() == [1, 2, 3]
    by_index = _privacy.mask_frame(frame.set_index("customer_id"), key="k1")
    assert by_index.index.tolist() == one["customer_id"].tolist()
    plain = pd.DataFrame({"customer_id": ["C1", "C2"], "x": [1, 2]})
    assert _privacy.mask_frame(plain, key="k1") is plain  # nothing to mask: untouched
    assert _privacy.mask_frame(frame, show_pii=True) is frame


def test_pseudonym_key_comes_from_the_environment_or_a_private_file(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv(_privacy.PSEUDONYM_KEY_ENV, "from-env")
    assert _privacy.pseudonym_key() == "from-env"
    monkeypatch.delenv(_privacy.PSEUDONYM_KEY_ENV)
    monkeypatch.setattr(_privacy, "PSEUDONYM_KEY_FILE", tmp_path / "key")
    first = _privacy.pseudonym_key()
    assert len(first) == 64 and _privacy.pseudonym_key() == first
    assert (tmp_path / "key").stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("cell", ['=HYPERLINK("http://example.invalid","click")', "+1", "-2+3", "@SUM(A1)",
                                  "\t=1", "\r=1"])
def test_defuse_formulas_prefixes_every_formula_start(cell: str) -> None:
    frame = pd.DataFrame({"customer_id": [cell, "C1"], "amount": [-1.5, 2.0]}).set_index(pd.Index([cell, "x"]))
    frame.columns = [cell, "amount"]
    out = _privacy.defuse_formulas(frame)
    assert out.iloc[0, 0] == "'" + cell and out.iloc[1, 0] == "C1"
    assert out.columns[0] == "'" + cell and out.index[0] == "'" + cell
    assert out["amount"].tolist() == [-1.5, 2.0]


def test_the_pseudonym_mapping_undoes_exactly_the_pseudonyms_of_the_tables() -> None:
    ids = ["13812345678", "C7", "13900001111", "13812345678", None]
    mapping = _privacy.pseudonym_map(ids, key="k")
    masked = _privacy.mask_frame(pd.DataFrame({"customer_id": ids[:3]}), key="k")
    # every key of a phone-keyed table is replaced (joins keep working), and the mapping has each once
    assert dict(zip(mapping["customer_id"], mapping["pseudonym"], strict=True)) == dict(
        zip(ids[:3], masked["customer_id"], strict=True))
    assert _privacy.pseudonym_map(["C1", "C2"], key="k").empty  # nothing to undo: keys kept as they are


@pytest.mark.parametrize(("env", "given", "expected"), [(None, None, False), ("1", None, True), ("0", None, False),
                                                        ("yes", None, False), ("1", False, False), (None, True, True)])
def test_show_pii_follows_the_runs_setting_unless_given(env: str | None, given: bool | None, expected: bool,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    if env is None:
        monkeypatch.delenv(_privacy.SHOW_PII_ENV, raising=False)
    else:
        monkeypatch.setenv(_privacy.SHOW_PII_ENV, env)
    assert _privacy.show_pii_setting(given) is expected
