"""Tests of what keeps chapter 1 fast at a million customers: bounded blocking, re-thresholding,
re-checking staleness alone, and the vectorised order-line checks (against naive references)."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from crm_analysis import quality
from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.errors import CRMDataError

AS_OF = pd.Timestamp("2026-01-01")


def _frame(rows: list[dict]) -> pd.DataFrame:
    frame = pd.DataFrame(rows)
    frame.index = pd.RangeIndex(2, 2 + len(frame), name="source_row")
    for column in frame.columns:
        if frame[column].dtype == object:
            frame[column] = frame[column].astype("string")
    return frame


_RNG = np.random.default_rng(2024)
_PHONES = [f"1{d}" for d in _RNG.integers(3 * 10**9, 10**10 - 1, 200)]  # far apart, unlike 139...01 / 139...02
_MAILS = ["".join(_RNG.choice(list("abcdefghijklmnopqrstuvwxyz"), 8)) + "@example.com" for _ in range(200)]


def _person(i: int, **overrides) -> dict:
    row = {"customer_id": f"C{i:04d}", "name": f"王{chr(0x4E00 + 37 * i)}{chr(0x4E00 + 53 * i)}",
           "phone": _PHONES[i], "email": _MAILS[i],
           "birth_date": pd.Timestamp("1970-01-01") + pd.Timedelta(days=101 * i),
           "signup_date": pd.Timestamp("2024-01-01") + pd.Timedelta(days=i)}
    row.update(overrides)
    return row


# ------------------------------------------------------------------------------- blocking
def _pairs(codes: list[int], window: int, max_block: int = 500) -> set[tuple[int, int]]:
    keys = {"k": np.array(codes, dtype=np.int64)}
    a, b = quality._candidate_pairs(keys, np.arange(len(codes)), window=window, max_block=max_block)
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
        a, _ = quality._candidate_pairs(keys, rng.permutation(n), window=5, max_block=10_000)
        return len(a)

    small, large = count(2_000), count(16_000)
    assert large / small < 8 * 1.2  # eight times the data, about eight times the pairs (all-pairs: 64x)
    assert large <= 16_000 * 5 * 2  # at most `window` partners per record and key


def test_sorted_neighbourhood_still_finds_a_duplicate_inside_a_large_block():
    # 60 namesakes with different birth dates and phones, one of them entered twice (phone one digit off).
    rows = [_person(i, name="刘洋") for i in range(60)]
    rows.append(_person(99, name="刘洋", phone=rows[30]["phone"][:-1] + "9", email=None,
                        birth_date=rows[30]["birth_date"], signup_date=pd.Timestamp("2025-06-01")))
    customers = _frame(rows)
    pairs = quality.find_duplicate_customers(customers, window=2)
    assert pairs[["customer_id_a", "customer_id_b"]].values.tolist() == [["C0030", "C0099"]]
    assert "same birth date" in pairs.loc[0, "reason"]


def test_homophone_with_a_broken_phone_is_found_through_birth_date_and_surname():
    # Only the birth date and the name's first character are shared exactly: the (birth, first char) key.
    original = _person(1, name="付立杰", phone="13454713048", email=None)
    variant = _person(2, name="付立洁", phone="134547130486", email="5916@qq.com",
                      birth_date=original["birth_date"], signup_date=pd.Timestamp("2025-01-01"))
    pairs = quality.find_duplicate_customers(_frame([original, variant]))
    assert pairs[["customer_id_a", "customer_id_b"]].values.tolist() == [["C0001", "C0002"]]


# --------------------------------------------------------------------------- thresholds
@pytest.fixture(scope="module")
def graded():
    """Duplicates of decreasing likeness, so that thresholds separate them."""
    rows = [_person(i) for i in range(1, 9)]
    rows += [
        _person(11, name=rows[0]["name"], phone=rows[0]["phone"], email=rows[0]["email"],
                birth_date=rows[0]["birth_date"]),  # everything equal
        _person(12, name=rows[1]["name"][:2] + "桦", phone=rows[1]["phone"], email=None,
                birth_date=rows[1]["birth_date"]),  # homophone, same phone
        _person(13, name=rows[2]["name"][:2] + "桦", phone=rows[2]["phone"][:-1] + "0", email=None,
                birth_date=rows[2]["birth_date"]),  # homophone and a phone digit off
    ]
    customers = _frame(rows)
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


# ---------------------------------------------------------------------------- staleness
def test_recheck_staleness_equals_a_full_run_with_that_limit():
    rows = [_person(i, updated_at=AS_OF - pd.Timedelta(days=days), phone=phone)
            for i, (days, phone) in enumerate([(100, "13900000001"), (400, "123"), (800, "13900000003"),
                                               (1200, "13900000004")])]
    data = CRMData(customers=_frame(rows))
    base = quality.run_checks(data, as_of=AS_OF)
    quick = quality.recheck_staleness(base, data.customers, 365)
    full = quality.run_checks(data, as_of=AS_OF, stale_after_days=365)

    def key(findings: pd.DataFrame) -> list:
        return sorted(findings.astype(str).itertuples(index=False, name=None))

    assert key(quick.findings) == key(full.findings)
    assert quick.params["stale_after_days"] == 365 and base.params["stale_after_days"] == 730
    assert list(quick.findings.dtypes) == list(base.findings.dtypes)
    assert quick.duplicate_candidates is base.duplicate_candidates  # nothing else was recomputed


def test_recheck_staleness_needs_an_as_of_date():
    checks = quality.QualityChecks(pd.DataFrame(columns=quality.FINDING_COLUMNS),
                                   pd.DataFrame(columns=quality.PAIR_COLUMNS), pd.Series(dtype="string"))
    with pytest.raises(CRMDataError, match="as-of"):
        quality.recheck_staleness(checks, _frame([_person(1)]), 365)


# ----------------------------------------------------------------------- order lines
def _random_lines(seed: int, n: int = 400) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return _frame([{
        "order_id": f"O{int(o)}", "customer_id": f"C{int(c)}" if c else None,
        "order_date": pd.Timestamp("2025-01-01") + pd.Timedelta(days=int(d)),
        "amount": float(a), "quantity": float(q), "status": ["completed", "returned"][int(s)],
    } for o, c, d, a, q, s in zip(rng.integers(0, 40, n), rng.integers(0, 4, n), rng.integers(0, 3, n),
                                  rng.integers(1, 4, n), rng.integers(1, 3, n), rng.integers(0, 2, n),
                                  strict=True)])


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_duplicate_lines_match_pandas_duplicated(seed):
    tx = _random_lines(seed)
    found = quality._duplicate_lines(tx, {"table": "transactions", "id_column": "order_id"})
    expected = tx.index[tx.duplicated(keep="first")].tolist()  # order_id is a real, shared key here
    assert found["source_row"].tolist() == expected and expected
    first = tx.reset_index().groupby(list(tx.columns), dropna=False)["source_row"].transform("first")
    wanted = ("same as row " + first.astype(str)).to_numpy()[tx.duplicated(keep="first").to_numpy()]
    assert found["detail"].tolist() == wanted.tolist()


def test_a_per_row_order_id_is_ignored_but_a_shared_one_is_not():
    lines = [{"order_id": oid, "customer_id": "C1", "order_date": pd.Timestamp("2025-01-01"), "amount": 5.0}
             for oid in ("A", "B", "C")]
    per_row = quality._duplicate_lines(_frame(lines), {"table": "transactions", "id_column": "order_id"})
    assert per_row["source_row"].tolist() == [3, 4]
    shared = _frame([*lines, {**lines[0], "amount": 9.0}])  # order "A" has two lines: a real order key
    assert quality._duplicate_lines(shared, {"table": "transactions", "id_column": "order_id"}).empty


def test_uniqueness_probe_answers_like_is_unique():
    assert quality._is_unique(pd.Series(["a", "b", "c", "a"]), probe=2) is False  # repeat after the probe
    assert quality._is_unique(pd.Series(["a", "a", "c"]), probe=2) is False
    assert quality._is_unique(pd.Series(["a", "b", "c"]), probe=2) is True


# ------------------------------------------------------------------------- normalising
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


# ------------------------------------------------------------------------ channel value
def test_value_per_customer_matches_a_plain_groupby():
    rng = np.random.default_rng(5)
    n = 300
    tx = pd.DataFrame({
        "customer_id": pd.array([f"C{i}" if i else None for i in rng.integers(0, 12, n)], dtype="string"),
        "order_date": pd.Timestamp("2025-01-01") + pd.to_timedelta(rng.integers(0, 6 * 86400, n), "s"),
        "amount": pd.array(np.where(rng.random(n) < 0.1, np.nan, rng.normal(20, 5, n)), dtype="Float64"),
    })
    tx.loc[3, "order_date"] = pd.NaT
    got = quality._value_per_customer(tx).sort_index()
    t = tx.dropna(subset=["customer_id"]).assign(day=lambda f: f["order_date"].dt.normalize())
    days = t.drop_duplicates(["customer_id", "day"]).groupby("customer_id").size()
    revenue = t.groupby("customer_id")["amount"].sum()
    assert got.index.tolist() == sorted(days.index)
    assert got["days"].tolist() == days.sort_index().tolist()
    np.testing.assert_allclose(got["revenue"].to_numpy(), revenue.sort_index().to_numpy(dtype=float))
