"""Tests of crm_analysis.quality.customer_checks: each check of the customer card on tiny hand-built tables."""

from __future__ import annotations

import pandas as pd

AS_OF = pd.Timestamp("2026-01-01")


def test_phone_formats_are_normalised_and_only_broken_numbers_flagged(customer, run, flagged):
    phones = ["13812345678", "138 1234 5679", "138-1234-5670", "+86 138 1234 5671", "+8613812345672",
              "1381234567", "138123456789", "13812O45678", "03812345678"]
    _, checks = run([customer(i, phone=p) for i, p in enumerate(phones)])
    assert flagged(checks, "invalid_phone") == [7, 8, 9, 10]


def test_email_check_flags_the_four_kinds_of_breakage(customer, run, flagged):
    emails = ["a.b@qq.com", "ab@mail.example.com.cn", "abqq.com", "ab@qq..com", "a b@qq.com", "ab@"]
    _, checks = run([customer(i, email=e) for i, e in enumerate(emails)])
    assert flagged(checks, "invalid_email") == [4, 5, 6, 7]


def test_birth_dates_in_the_future_before_1900_or_too_young_at_signup(customer, run, flagged):
    births = ["1990-05-01", "2027-03-01", "1875-01-01", "2015-01-01", "2006-06-01"]
    rows = [customer(i, birth_date=pd.Timestamp(b), signup_date=pd.Timestamp("2024-01-01"))
            for i, b in enumerate(births)]
    _, checks = run(rows)
    # 2015 is 9 at signup; 2006-06 is 17 at signup, which is plausible.
    assert flagged(checks, "invalid_birth_date") == [3, 4, 5]


def test_missing_values_respect_fields_that_do_not_apply(customer, run):
    rows = [
        customer(0),  # individual without industry: fine
        customer(1, customer_type="business", industry=None),  # business without industry: missing
        customer(2, phone="   "),  # whitespace only counts as empty
        customer(3, customer_type="business", industry="retail", city=None),
    ]
    _, checks = run(rows)
    missing = checks.findings[checks.findings["check"] == "missing_value"]
    assert sorted(zip(missing["source_row"], missing["column"], strict=True)) == [
        (3, "industry"), (4, "phone"), (5, "city")]


def test_field_never_collected_is_a_note_not_a_finding_per_record(customer, run):
    rows = [customer(i, gender=None) for i in range(3)]
    _, checks = run(rows)
    assert "missing_value" not in set(checks.findings["check"])
    assert any("gender" in note for note in checks.notes)


def test_stale_records_use_the_parameter_against_as_of(customer, run, flagged):
    rows = [customer(0, updated_at=AS_OF - pd.Timedelta(days=730)),
            customer(1, updated_at=AS_OF - pd.Timedelta(days=731))]
    _, checks = run(rows)
    assert flagged(checks, "stale_record") == [3]
    _, stricter = run(rows, stale_after_days=365)
    assert flagged(stricter, "stale_record") == [2, 3]


def test_city_region_map_is_learned_by_majority(customer, run, flagged):
    rows = [customer(i, city="上海", region="East") for i in range(4)]
    rows += [customer(4, city=" 上海", region="North")]  # minority region, city with a stray space
    rows += [customer(5, city="兰州", region="Northwest"), customer(6, city="兰州", region="West")]  # tie
    _, checks = run(rows)
    assert flagged(checks, "city_region_mismatch") == [6]
    assert checks.city_regions["上海"] == "East"
    assert "兰州" not in checks.city_regions.index
