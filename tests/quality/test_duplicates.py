"""Tests of crm_analysis.quality.duplicates: fuzzy matching, bounded blocking (what keeps chapter 1 fast
at a million customers), re-thresholding, name normalising and the masked examples."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from crm_analysis import quality
from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.errors import CRMDataError
from crm_analysis.quality.duplicates import _candidate_pairs

AS_OF = pd.Timestamp("2026-01-01")


def test_fuzzy_duplicates_found_with_homophone_and_phone_variant(customer, run, flagged):
    original = customer(1, name="魏华", phone="157 3602 7422", email="wei.yvb@126.com",
                        birth_date=pd.Timestamp("2003-02-18"), signup_date=pd.Timestamp("2023-01-20"))
    variant = customer(2, name="魏桦", phone="+8615736027422", email="Wei.yvb@126.com",
                       birth_date=pd.Timestamp("2003-02-18"), signup_date=pd.Timestamp("2023-10-15"),
                       city="广州", region="South")
    typo = customer(3, name="钱君", phone="175-5652-9605", email="qianibf@163.com",
                    birth_date=pd.Timestamp("1994-08-25"), signup_date=pd.Timestamp("2023-11-01"))
    typo_original = customer(4, name="钱军", phone="17556529604", email="QIANIBF@163.COM",
                             birth_date=pd.Timestamp("1994-08-25"), signup_date=pd.Timestamp("2023-03-10"))
    _, checks = run([variant, original, typo, typo_original])
    pairs = checks.duplicate_pairs
    found = set(zip(pairs["customer_id_a"], pairs["customer_id_b"], strict=True))
    # "a" is the earlier record, "b" the later one to merge away, whatever the file order.
    assert found == {("C0001", "C0002"), ("C0004", "C0003")}
    assert flagged(checks, "duplicate_customer") == [2, 4]
    assert pairs["reason"].str.contains("same birth date").all()
    assert pairs["score"].between(0.7, 1).all()


def test_family_sharing_a_phone_and_namesakes_are_not_duplicates(customer, run):
    rows = [
        customer(1, name="张伟", phone="13812345678", email="zw@qq.com", birth_date=pd.Timestamp("1960-01-01")),
        customer(2, name="张敏", phone="13812345678", email="zm@qq.com", birth_date=pd.Timestamp("1990-07-07")),
        customer(3, name="李娜", phone="13900000001", email="ln1@qq.com", birth_date=pd.Timestamp("1980-01-01")),
        customer(4, name="李娜", phone="13700000002", email="ln2@163.com", birth_date=pd.Timestamp("1992-03-03")),
    ]
    _, checks = run(rows)
    assert checks.duplicate_pairs.empty


def test_blocks_larger_than_max_block_are_not_compared(frame, customer):
    rows = [customer(i, name="刘洋", phone="13800000000", email=None, birth_date=None) for i in range(5)]
    customers = frame(rows)
    assert len(quality.find_duplicate_customers(customers)) == 10  # every pair of the five
    assert quality.find_duplicate_customers(customers, max_block=3).empty


def test_duplicate_detection_needs_names(frame):
    with pytest.raises(CRMDataError, match="name"):
        quality.find_duplicate_customers(frame([{"customer_id": "C1"}]))


def _pairs(codes: list[int], window: int, max_block: int = 500) -> set[tuple[int, int]]:
    keys = {"k": np.array(codes, dtype=np.int64)}
    a, b = _candidate_pairs(keys, np.arange(len(codes)), window=window, max_block=max_block)
    assert (a < b).all()
    return set(zip(a.tolist(), b.tolist(), strict=True))


def test_small_blocks_are_compared_completely_and_missing_keys_never_block():
    # Block 7 has three records (all 3 pairs), block 9 two; -1 (missing) is not a block.
    assert _pairs([7, -1, 9, 7, -1, 7, 9], window=5) == {(0, 3), (0, 5), (3, 5), (2, 6)}


def test_large_blocks_give_each_record_at_most_window_partners():
    pairs = _pairs([1] * 50, window=3)
    assert len(pairs) == 49 + 48 + 47  # neighbours 1, 2 and 3 places on
    partners = pd.Series([x for p in pairs for x in p]).value_counts()
    assert partners.max() <= 2 * 3  # three after and three before
    assert _pairs([1] * 50, window=3, max_block=40) == set()  # a placeholder value is skipped


def test_candidate_pairs_grow_linearly_when_blocks_grow_with_the_data():
    # Like birth dates: a fixed number of values, so blocks grow with n and all-pairs would be quadratic.
    rng = np.random.default_rng(7)

    def count(n: int) -> int:
        keys = {"birth": rng.integers(0, 50, n), "name": rng.integers(0, n // 3, n)}
        a, _ = _candidate_pairs(keys, rng.permutation(n), window=5, max_block=10_000)
        return len(a)

    small, large = count(2_000), count(16_000)
    assert large / small < 8 * 1.2  # eight times the data, about eight times the pairs (all-pairs: 64x)
    assert large <= 16_000 * 5 * 2  # at most `window` partners per record and key


def test_sorted_neighbourhood_still_finds_a_duplicate_inside_a_large_block(frame, person):
    # 60 namesakes with different birth dates and phones, one of them entered twice (phone one digit off).
    rows = [person(i, name="刘洋") for i in range(60)]
    rows.append(person(99, name="刘洋", phone=rows[30]["phone"][:-1] + "9", email=None,
                       birth_date=rows[30]["birth_date"], signup_date=pd.Timestamp("2025-06-01")))
    customers = frame(rows)
    pairs = quality.find_duplicate_customers(customers, window=2)
    assert pairs[["customer_id_a", "customer_id_b"]].values.tolist() == [["C0030", "C0099"]]
    assert "same birth date" in pairs.loc[0, "reason"]


def test_homophone_with_a_broken_phone_is_found_through_birth_date_and_surname(frame, person):
    # Only the birth date and the name's first character are shared exactly: the (birth, first char) key.
    original = person(1, name="付立杰", phone="13454713048", email=None)
    variant = person(2, name="付立洁", phone="134547130486", email="5916@qq.com",
                     birth_date=original["birth_date"], signup_date=pd.Timestamp("2025-01-01"))
    pairs = quality.find_duplicate_customers(frame([original, variant]))
    assert pairs[["customer_id_a", "customer_id_b"]].values.tolist() == [["C0001", "C0002"]]


@pytest.fixture(scope="module")
def graded(frame, person):
    """Duplicates of decreasing likeness, so that thresholds separate them."""
    rows = [person(i) for i in range(1, 9)]
    rows += [
        person(11, name=rows[0]["name"], phone=rows[0]["phone"], email=rows[0]["email"],
               birth_date=rows[0]["birth_date"]),  # everything equal
        person(12, name=rows[1]["name"][:2] + "桦", phone=rows[1]["phone"], email=None,
               birth_date=rows[1]["birth_date"]),  # homophone, same phone
        person(13, name=rows[2]["name"][:2] + "桦", phone=rows[2]["phone"][:-1] + "0", email=None,
               birth_date=rows[2]["birth_date"]),  # homophone and a phone digit off
    ]
    customers = frame(rows)
    return customers, quality.run_checks(CRMData(customers=customers), as_of=AS_OF)


def test_rethresholding_candidates_matches_a_full_search_at_each_threshold(graded):
    customers, checks = graded
    thresholds = (0.5, 0.7, 0.8, 0.9, 0.99)
    table = quality.duplicates_at_thresholds(checks.duplicate_candidates, thresholds)
    full = [len(quality.find_duplicate_customers(customers, threshold=t)) for t in thresholds]
    assert table["pairs"].tolist() == full
    assert full[0] > full[-1] > 0  # the grades really are separated
    assert (table["records"] <= table["pairs"]).all()


def test_rethresholding_scores_against_the_truth(graded):
    _, checks = graded
    truth = pd.DataFrame({"table": "customers", "record_id": ["C0011", "C0012", "C0013"],
                          "source_row": [10, 11, 12], "defect": "duplicate_customer", "column": "customer_id",
                          "detail": ["C0001", "C0002", "C0003"]})
    table = quality.duplicates_at_thresholds(checks.duplicate_candidates, [0.5, 0.99], truth).set_index("threshold")
    assert table.loc[0.5, ["precision", "recall"]].tolist() == [1.0, 1.0]
    assert table.loc[0.99, "recall"] == pytest.approx(1 / 3, abs=1e-3)
    with pytest.raises(CRMDataError, match="duplicate_candidates"):
        quality.duplicates_at_thresholds(checks.duplicate_pairs.drop(columns="score"), [0.7])


def test_run_checks_keeps_the_candidates_and_reports_pairs_above_the_threshold(graded):
    _, checks = graded
    above = checks.duplicate_candidates[checks.duplicate_candidates["score"] >= 0.7]
    assert len(checks.duplicate_pairs) == len(above)
    assert checks.duplicate_pairs["score"].tolist() == sorted(above["score"].round(3), reverse=True)


NAMES = ["Wei  Zhang", "zhang-wei", "张伟", "张\u3000伟", "O'Neil_x", " Élodie  DURAND ", "李·娜", "a.b.c",
         "Ünal, Ayşe", "王 小 明", "", "...", "Åsa-Öberg", "Nguyễn Văn An"]


def _reference_name(name: str) -> str:
    """The original scalar rule: case-fold, punctuation to spaces, sorted words."""
    return " ".join(sorted(re.sub(r"[^\w\s]", " ", name.lower()).split()))


def test_vectorised_name_normalising_matches_the_scalar_rule():
    out = quality.normalise_name(pd.Series([*NAMES, None], dtype="string"))
    assert out.iloc[:-1].tolist() == [_reference_name(n) for n in NAMES]
    assert pd.isna(out.iloc[-1])
    python_storage = quality.normalise_name(pd.Series(NAMES, dtype=pd.StringDtype("python")))
    assert python_storage.tolist() == out.iloc[:-1].tolist()


def test_duplicate_examples_are_masked(customer, run):
    rows = [customer(1, name="魏华"), customer(2, name="魏桦", phone="138 0000 0001",
                                               signup_date=pd.Timestamp("2024-05-01"))]
    rows[1]["birth_date"] = rows[0]["birth_date"]
    rows[1]["email"] = rows[0]["email"].upper()
    data, checks = run(rows)
    examples = quality.duplicate_examples(data.customers, checks)
    assert len(examples) == 1
    assert "13800000001" not in examples.to_csv() and "user1@example.com" not in examples.to_csv().lower()
