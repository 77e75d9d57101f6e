"""Issue 13: every guess the loader makes is detected, recorded in the load report, or refused.

The fixtures in ``tests/fixtures/loading/`` are the inputs users bring (European exports, Big5 and
UTF-16 files, hand-edited CSVs); each test also writes variants of its own.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from crm_analysis.app.report import resolve_as_of
from crm_analysis.app.runner import prepare_data
from crm_analysis.core import handoff
from crm_analysis.core.errors import CRMDataError
from crm_analysis.data.cleaning import clean, row_accounting
from crm_analysis.data.loading import load

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "loading"


def setting(data, name: str) -> tuple[str, str]:
    """(value, how) of one setting of the only file read."""
    (entry,) = data.load_report.files
    return entry.settings[name]


def write(path: Path, text: str | bytes) -> Path:
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


# --------------------------------------------------------------------------- 1. decimal marks
def test_decimal_comma_export_reads_every_cell_right_and_records_the_mark():
    data = load(FIXTURES / "decimal_comma.csv")
    assert data.transactions["amount"].tolist() == [12.5, 1234.56, 12.5, 1234.56, 1234.56, -12.5]
    assert setting(data, "separator") == (";", "detected")
    assert setting(data, "decimal mark (amount)") == (",", "detected")
    assert data.issues.empty


def test_decimal_point_with_currency_and_accounting_negative(tmp_path):
    path = write(tmp_path / "t.csv", 'order_id,customer_id,order_date,amount\nO1,C1,2024-03-01,"$1,234.00"\n'
                 "O2,C1,2024-03-02,(12.50)\nO3,C1,2024-03-03,£7\n")
    data = load(path)
    assert data.transactions["amount"].tolist() == [1234.0, -12.5, 7.0]
    assert setting(data, "decimal mark (amount)") == (".", "detected")


def test_a_cell_against_the_columns_decimal_mark_is_not_read_per_cell(tmp_path):
    path = write(tmp_path / "t.csv", "order_id;customer_id;order_date;amount\nO1;C1;2024-03-01;12,50\n"
                 "O2;C1;2024-03-02;3,10\nO3;C1;2024-03-03;1,234.56\n")
    data = load(path)
    assert data.transactions["amount"].tolist()[:2] == [12.5, 3.1] and pd.isna(data.transactions.loc[4, "amount"])
    assert data.issues.set_index("source_row").loc[4, "problem"] == "'1,234.56' is not a number"
    cleaned = clean(data)
    assert cleaned.quarantine.set_index("source_row").loc[4, "reason"] == "amount '1,234.56' is not a number"


def test_only_ambiguous_groupings_are_a_guess_that_strict_refuses(tmp_path):
    path = write(tmp_path / "t.csv", "order_id;customer_id;order_date;amount\n"
                 "O1;C1;2024-03-01;1.234\nO2;C1;2024-03-02;5\n")
    data = load(path)
    assert data.transactions["amount"].tolist() == [1234.0, 5.0]
    assert setting(data, "decimal mark (amount)") == (",", "guessed")
    with pytest.raises(CRMDataError, match=r"t\.csv: decimal mark \(amount\) guessed as ','"):
        load(path, strict=True)
    assert load(path, decimal=".").transactions["amount"].tolist() == [1.234, 5.0]
    assert setting(load(path, decimal="."), "decimal mark (amount)") == (".", "given")


# --------------------------------------------------------------------------- 2. day/month order
def test_ambiguous_dates_use_the_documented_default_and_say_so():
    path = FIXTURES / "ambiguous_dates.csv"
    data = load(path)
    days = data.transactions["order_date"].dt.strftime("%Y-%m-%d")
    assert days.tolist() == [f"2010-12-{d:02d}" for d in range(1, 10)]  # one week, not nine months
    assert setting(data, "date order (order_date)") == ("day first", "guessed")
    with pytest.raises(CRMDataError, match="date order \\(order_date\\) guessed as 'day first'"):
        load(path, strict=True)
    given = load(path, dayfirst=False)
    assert given.transactions["order_date"].dt.month.tolist() == list(range(1, 10))
    assert setting(given, "date order (order_date)") == ("month first", "given")


@pytest.mark.parametrize(("values", "order"), [(["13/12/2010", "01/12/2010"], "day first"),
                                               (["12/31/2010", "01/12/2011"], "month first")])
def test_one_proving_value_decides_the_order_of_the_whole_column(tmp_path, values, order):
    lines = "".join(f"O{i},C1,{v},5\n" for i, v in enumerate(values))
    data = load(write(tmp_path / "t.csv", "order_id,customer_id,order_date,amount\n" + lines), strict=True)
    assert setting(data, "date order (order_date)") == (order, "detected")
    expected = "12-01" if order == "day first" else "01-12"
    assert data.transactions["order_date"].dt.strftime("%m-%d").tolist()[1] == expected


# --------------------------------------------------------------------------- 3. encodings
def test_big5_is_detected_not_garbled_as_gb18030():
    data = load(FIXTURES / "big5.csv")
    assert data.customers["name"].tolist() == ["陳大文", "林美玲", "張偉"]
    assert data.customers["city"].tolist() == ["臺北", "高雄", "台中"]
    assert setting(data, "encoding")[0] == "big5"


def test_utf16_with_bom_is_read():
    data = load(FIXTURES / "utf16.csv")
    assert data.customers["name"].tolist() == ["张伟", "李娜"]
    assert setting(data, "encoding") == ("utf-16", "detected")


def test_a_few_bad_bytes_are_reported_by_line_not_decoded_as_latin1():
    with pytest.raises(CRMDataError, match=r"bad_bytes\.csv: UTF-8 except .* line\(s\) 3\b"):
        load(FIXTURES / "bad_bytes.csv")


def test_undecidable_bytes_are_refused(tmp_path):
    path = write(tmp_path / "customers.csv", b"customer_id,name\nC1," + bytes(range(128, 160)) * 3 + b"\n")
    with pytest.raises(CRMDataError, match=r"customers\.csv: .*encoding"):
        load(path)


# --------------------------------------------------------------------------- 5. raw parser errors
@pytest.mark.parametrize(("name", "pattern"), [
    ("empty.csv", r"empty\.csv: the file is empty"),
    ("unclosed_quote.csv", r"unclosed_quote\.csv: line 2: .*quote"),
    ("extra_field.csv", r"extra_field\.csv: the header \(line 1\) has 3 fields but line\(s\) 3 has \[4\]"),
    ("title_line.csv", r"title_line\.csv: line 1 .*title above the header on line 2"),
])
def test_malformed_files_raise_naming_file_and_line(name, pattern):
    with pytest.raises(CRMDataError, match=pattern) as err:
        load(FIXTURES / name)
    assert "1381234" not in str(err.value)


def test_trailing_delimiter_is_dropped_with_a_note_and_columns_do_not_shift():
    data = load(FIXTURES / "trailing_delimiter.csv")
    assert data.customers["customer_id"].tolist() == ["C1", "C2"]
    assert data.customers["name"].tolist() == ["Zhang Wei", "Li Na"]
    assert any("extra separator" in n for n in data.load_report.files[0].notes)


def test_extra_field_on_a_late_line_is_found(tmp_path):
    rows = "".join(f"C{i},N{i},X\n" for i in range(50)) + "C50,N,X,Y\n"
    with pytest.raises(CRMDataError, match=r"line\(s\) 52 has \[4\]"):
        load(write(tmp_path / "customers.csv", "customer_id,name,city\n" + rows))


# --------------------------------------------------------------------------- 6. non-finite numbers
def test_non_finite_and_absurd_numbers_are_quarantined_with_the_value():
    data = load(FIXTURES / "non_finite.csv")
    assert data.transactions["amount"].isna().tolist()[:4] == [True] * 4
    reasons = clean(data).quarantine.set_index("source_row")["reason"]
    assert reasons.loc[2] == "amount '1e309' is not a number" and reasons.loc[3] == "amount 'inf' is not a number"
    assert reasons.loc[4] == "missing amount" and reasons.loc[5] == "amount '1e300' is not a number"


# --------------------------------------------------------------------------- 7. physical lines
def test_blank_only_lines_are_counted_and_quarantined():
    data = load(FIXTURES / "blank_lines.csv")
    assert data.transactions.index.tolist() == [2, 5, 9]
    assert data.rows_in == {"transactions": 8} and data.load_report.files[0].lines_read == 8
    cleaned = clean(data)
    accounting = row_accounting(cleaned).iloc[0]
    assert (accounting["rows_in"], accounting["rows_clean"], accounting["rows_quarantined"]) == (8, 3, 5)
    blank = cleaned.quarantine.set_index("source_row")["reason"]
    assert blank.loc[[3, 4, 6, 7, 8]].eq("blank line (only empty or missing-value cells)").all()


# --------------------------------------------------------------------------- 8. ambiguous choices
def test_two_files_for_one_table_is_an_error_naming_both(tmp_path):
    write(tmp_path / "customers.csv", "customer_id\nC1\n")
    pd.DataFrame({"customer_id": ["C1"]}).to_parquet(tmp_path / "customers.parquet")
    with pytest.raises(CRMDataError, match=r"customers\.csv, customers\.parquet"):
        load(tmp_path)


def test_duplicate_header_columns_are_an_error_naming_both():
    with pytest.raises(CRMDataError, match=r"columns 3 and 4 of the header are both named 'phone'"):
        load(FIXTURES / "duplicate_columns.csv")


def test_files_not_used_are_listed_with_the_reason(tmp_path):
    write(tmp_path / "customers.csv", "customer_id\nC1\n")
    write(tmp_path / "notes.txt", "hello\n")
    data = load(tmp_path)
    assert data.load_report.not_used == [(str(tmp_path / "notes.txt"),
                                          "not a table of the canonical model (customers, transactions, "
                                          "interactions, exit_survey)")]


# --------------------------------------------------------------------------- the report
def test_teaching_and_cdnow_need_no_guess_and_load_strictly():
    for source in ("teaching", "cdnow_sample"):
        data = load(source, strict=True)
        assert data.load_report.guesses() == []
        assert sum(f.lines_read for f in data.load_report.files) == sum(data.rows_in.values())
    report = load("teaching").load_report.frame()
    # The teaching transactions leave a few status cells blank (issue 14): inferred from the sign, not guessed.
    assert set(report.loc[report["setting"] != "status", "how"]) == {"detected"}
    assert report.loc[report["setting"] == "status", "how"].tolist() == ["inferred"]
    assert (report.loc[report["setting"] == "encoding", "value"] == "utf-8").all()


def test_run_json_and_the_chapters_get_the_load_report(tmp_path):
    record = prepare_data("cdnow_sample", tmp_path)
    assert json.loads(json.dumps(record))["load_report"]["files"][0]["settings"]["separator"] == {
        "value": "whitespace", "how": "detected"}
    counts = {k: record["load_report"]["files"][0][k] for k in ("lines_read", "rows_clean", "rows_quarantined")}
    assert counts == {"lines_read": 6_919, "rows_clean": 6_919, "rows_quarantined": 0}  # run.json, per file
    kept_loaded, kept_clean = handoff.load_data(tmp_path, "cdnow_sample")
    assert kept_loaded.load_report == load("cdnow_sample").load_report
    assert kept_clean.load_report == clean(load("cdnow_sample")).load_report
    (entry,) = kept_clean.load_report.files
    assert (entry.table, entry.lines_read, entry.rows_clean, entry.rows_quarantined) == (
        "transactions", 6_919, 6_919, 0)


# --------------------------------------------------------------------------- 4. time zones
STAMPS = ["2024-03-01T23:30:00+08:00", "2024-03-01T15:30:00Z", "2024-03-01T10:30:00-05:00", "2024-03-02T00:10:00+08:00"]


def test_mixed_offsets_give_the_same_days_from_csv_and_parquet(tmp_path):
    csv_file = FIXTURES / "time_zones.csv"
    instants = pd.to_datetime(pd.Series(STAMPS), format="ISO8601", utc=True)
    frame = pd.DataFrame({"order_id": [f"O{i}" for i in range(4)], "customer_id": "C1",
                          "order_date": instants.dt.tz_convert("America/New_York"), "amount": 5.0})
    frame.to_parquet(tmp_path / "transactions.parquet")
    days = {}
    for name, path in (("csv", csv_file), ("parquet", tmp_path / "transactions.parquet")):
        data = load(path, time_zone="Asia/Shanghai")
        days[name] = data.transactions["order_date"].dt.strftime("%Y-%m-%d %H:%M").tolist()
        assert setting(data, "time zone (order_date)") == ("Asia/Shanghai", "given")
    assert days["csv"] == days["parquet"] == ["2024-03-01 23:30"] * 3 + ["2024-03-02 00:10"]
    guessed = load(csv_file)
    assert setting(guessed, "time zone (order_date)") == ("+08:00", "guessed")
    assert guessed.transactions["order_date"].dt.day.tolist() == [1, 1, 1, 2]
    with pytest.raises(CRMDataError, match="time zone"):
        load(csv_file, strict=True)


def test_one_shared_offset_is_the_datas_own_local_time(tmp_path):
    lines = "O1,C1,2024-03-01T23:30:00+08:00,5\nO2,C1,2024-03-02T00:10:00+0800,5\n"
    data = load(write(tmp_path / "t.csv", "order_id,customer_id,order_date,amount\n" + lines), strict=True)
    assert setting(data, "time zone (order_date)") == ("+08:00", "detected")
    assert data.transactions["order_date"].dt.strftime("%d %H:%M").tolist() == ["01 23:30", "02 00:10"]


# --------------------------------------------------------------------------- 9. far dates, as-of
def test_a_far_future_order_is_quarantined_and_does_not_move_the_as_of():
    data = load(FIXTURES / "far_future.csv")
    cleaned = clean(data)
    reasons = cleaned.quarantine.set_index("source_row")["reason"]
    assert reasons.loc[3] == "order_date '2099-12-31' is not a plausible date (it is after the day of loading)"
    assert reasons.loc[5] == "order_date '1824-03-05' is not a plausible date (it is before 1900)"
    assert cleaned.transactions["order_date"].max() == pd.Timestamp("2024-03-06")
    assert resolve_as_of(cleaned) == pd.Timestamp("2024-03-07")  # the as-of the chapters state, not 2100
    with pytest.raises(CRMDataError, match="2099-12-31"):
        load(FIXTURES / "far_future.csv", strict=True)


def test_excel_serial_numbers_in_a_date_column_are_named_as_such(tmp_path):
    lines = "".join(f"O{i},C1,2024-03-0{i},5\n" for i in range(1, 6)) + "O9,C1,45352,5\n"
    data = load(write(tmp_path / "t.csv", "order_id,customer_id,order_date,amount\n" + lines))
    assert data.issues.set_index("source_row").loc[7, "problem"] == (
        "'45352' is not a date (an Excel serial date? format the column as a date in Excel)")


# --------------------------------------------------------------------------- 10. invisible characters
@pytest.mark.parametrize("mark", ["\u200b", "\u200f", "\ufeff", "\u2060"])
def test_invisible_characters_in_ids_do_not_split_a_customer(tmp_path, mark):
    write(tmp_path / "customers.csv", f"customer_id,name\nC0000002,Li Na\nC0000003{mark},Wang\n")
    write(tmp_path / "transactions.csv", (FIXTURES / "invisible_ids.csv").read_bytes())
    assert clean(load(tmp_path)).transactions["customer_id"].tolist() == ["C0000002", "C0000003"]
    write(tmp_path / "transactions.csv", "order_id,customer_id,order_date,amount\n"
          f"O1,C0000002{mark},2024-03-01,5\nO{mark}2,{mark}C0000003,2024-03-02,6\n")
    cleaned = clean(load(tmp_path))
    assert cleaned.quarantine.empty
    assert cleaned.transactions["customer_id"].tolist() == ["C0000002", "C0000003"]
    assert cleaned.transactions["order_id"].tolist() == ["O1", "O2"]


# --------------------------------------------------------------------------- more variants
def test_blank_rows_inside_a_sheet_are_counted_trailing_ones_only_noted(tmp_path):
    frame = pd.DataFrame({"customer_id": ["C1", None, "NULL", "C2"], "name": ["A", None, "#N/A", "B"]})
    path = tmp_path / "customers.xlsx"
    frame.to_excel(path, index=False)
    data = load(path)
    assert data.customers.index.tolist() == [2, 5] and data.rows_in == {"customers": 4}
    assert data.quarantine["source_row"].tolist() == [3, 4]


def test_negative_infinity_and_overflow_in_an_optional_column_are_logged(tmp_path):
    lines = "O1,C1,2024-03-01,5,-inf\nO2,C1,2024-03-02,6,2\nO3,C1,2024-03-03,7,3\nO4,C1,2024-03-04,8,1E999\n"
    data = load(write(tmp_path / "t.csv", "order_id,customer_id,order_date,amount,quantity\n" + lines))
    assert data.transactions["quantity"].isna().tolist() == [True, False, False, True]
    assert data.issues.set_index("source_row").loc[[2, 5], "problem"].tolist() == [
        "'-inf' is not a number", "'1E999' is not a number"]


def test_two_sheets_for_one_table_is_an_error_naming_both(tmp_path):
    path = tmp_path / "book.xlsx"
    with pd.ExcelWriter(path) as writer:
        pd.DataFrame({"customer_id": ["C1"]}).to_excel(writer, sheet_name="customers", index=False)
        pd.DataFrame({"customer_id": ["C2"]}).to_excel(writer, sheet_name="Customers ", index=False)
    with pytest.raises(CRMDataError, match=r"sheets 'customers' and 'Customers ' both hold the customers table"):
        load(path)


def test_a_given_date_format_is_used_for_every_value_and_recorded():
    path = FIXTURES / "ambiguous_dates.csv"
    data = load(path, date_format="%m-%d-%Y %H:%M", strict=True)
    assert data.transactions["order_date"].dt.month.tolist() == list(range(1, 10))
    assert setting(data, "date format (order_date)") == ("%m-%d-%Y %H:%M", "given")


def test_a_windows_european_export_is_decoded_and_its_euros_read(tmp_path):
    text = "customer_id;name;city;monthly_charges\nC1;Jürgen Müller;Köln;12,50 €\nC2;José Núñez;Málaga;1.234,56 €\n"
    data = load(write(tmp_path / "customers.csv", text.encode("cp1252")))
    assert data.customers["name"].tolist() == ["Jürgen Müller", "José Núñez"]
    assert data.customers["monthly_charges"].tolist() == [12.5, 1234.56]
    assert setting(data, "encoding") == ("cp1252", "guessed")  # cp1250 reads the same bytes as well


# --------------------------------------------------------------------------- per file: lines, clean, quarantined
def test_every_file_accounts_for_its_lines_after_cleaning(tmp_path):
    write(tmp_path / "customers.csv", "customer_id,name\nC1,A\n,\nC1,B\nC2,C\n\n")
    write(tmp_path / "transactions.csv", "order_id,customer_id,order_date,amount\nO1,C1,2024-03-01,5\n"
          "O2,C9,2024-03-02,6\nNULL,N/A,,\nO3,C2,2099-12-31,7\n")
    loaded = load(tmp_path)
    before = loaded.load_report.files_frame().set_index("table")
    assert before.loc["customers", ["lines_read", "rows_quarantined"]].tolist() == [4, 1]  # the blank line 3
    assert before["rows_clean"].isna().all()
    cleaned = clean(loaded)
    after = cleaned.load_report.files_frame().set_index("table")
    # customers: blank line 3, C1 again on line 4; transactions: orphan C9, blank line, 2099-12-31
    assert after.loc["customers", ["lines_read", "rows_clean", "rows_quarantined"]].tolist() == [4, 2, 2]
    assert after.loc["transactions", ["lines_read", "rows_clean", "rows_quarantined"]].tolist() == [4, 1, 3]
    assert (after["lines_read"] == after["rows_clean"] + after["rows_quarantined"]).all()
    assert json.loads(json.dumps(cleaned.load_report.to_dict()))["files"][1]["rows_clean"] == 1
    assert loaded.load_report.files[1].rows_clean is None  # cleaning works on a copy of the report


@pytest.mark.parametrize(("header", "lines", "expected"), [
    ("order_id,customer_id,order_date,amount", ["O1,C1,2024-03-01,5", "O2,C1,2024-03-02,-5"],
     "missing on 2 of 2 lines (no status column): purchases and returns inferred from the sign"),
    ("order_id,customer_id,order_date,amount,status", ["O1,C1,2024-03-01,5,", "O2,C1,2024-03-02,5,completed",
                                                       "O3,C1,2024-03-03,-5,  "],
     "missing on 2 of 3 lines (blank status cells): purchases and returns inferred from the sign"),
])
def test_a_missing_status_is_recorded_as_inferred_with_the_count(tmp_path, header, lines, expected):
    data = load(write(tmp_path / "t.csv", "\n".join([header, *lines]) + "\n"), strict=True)  # not a guess
    assert setting(data, "status") == (expected, "inferred")


def test_a_complete_status_column_records_nothing(tmp_path):
    data = load(write(tmp_path / "t.csv", "order_id,customer_id,order_date,amount,status\n"
                      "O1,C1,2024-03-01,5,completed\n"))
    assert "status" not in data.load_report.files[0].settings


# --------------------------------------------------------------------------- more variants of each kind
@pytest.mark.parametrize(("text", "pattern"), [
    (b"  \r\n\n", r"t\.csv: the file is empty"),  # whitespace only
    (b"\xef\xbb\xbf", r"t\.csv: the file is empty"),  # a BOM and nothing else
    (b'customer_id;name\nC1;A\nC2;"B\nC3;C\n', r"t\.csv: line 3: .*quote"),  # unclosed on a later line
    ("客户名单 2024\n客户编号;姓名;手机\nC1;张伟;13812345678\n".encode(), r"t\.csv: line 1 .*title above the header"),
    (b"customer_id\tname\nC1\tA\tx\tx\nC2\tB\n", r"line\(s\) 2 has \[4\]"),  # tab-separated, two fields too many
])
def test_malformed_variants_raise_naming_file_and_line(tmp_path, text, pattern):
    with pytest.raises(CRMDataError, match=pattern) as err:
        load(write(tmp_path / "t.csv", text))
    assert "13812345678" not in str(err.value)


def test_trailing_semicolons_with_a_blank_line_are_dropped_and_counted(tmp_path):
    data = load(write(tmp_path / "customers.csv", "customer_id;name;city\nC1;Zhang;Beijing;\n;;;\nC2;Li;Shanghai;\n"))
    assert data.customers[["customer_id", "name", "city"]].values.tolist() == [["C1", "Zhang", "Beijing"],
                                                                             ["C2", "Li", "Shanghai"]]
    assert data.rows_in == {"customers": 3} and data.quarantine["source_row"].tolist() == [3]


@pytest.mark.parametrize("header", ["customer_id,Phone,phone ", "customer_id,手机,手机号"])
def test_two_columns_equally_close_to_one_canonical_column_are_an_error(tmp_path, header):
    ranks = header.split(",")[1:]
    path = write(tmp_path / "customers.csv", f"{header}\nC1,13812345678,13900000000\n")
    if header.endswith("手机号"):  # 手机 and 手机号 are both aliases of phone, at different ranks
        data = load(path)
        assert data.load_report.files[0].not_used[0][0] in {f"column {r!r} as phone" for r in ranks}
        return
    with pytest.raises(CRMDataError, match=r"columns 'Phone' and 'phone ' could both be phone") as err:
        load(path)
    assert "13812345678" not in str(err.value)


def test_a_second_name_for_a_column_is_listed_as_not_used(tmp_path):
    data = load(write(tmp_path / "customers.csv", "customer_id,Phone,手机\nC1,13812345678,13900000000\n"))
    assert data.customers["phone"].tolist() == ["13812345678"]
    assert data.load_report.files[0].not_used == [
        ("column '手机' as phone", "'Phone' is the closer name for phone; '手机' is kept as an extra column")]
    assert "column '手机' as phone" in " ".join(data.load_report.files_frame()["file"])


def test_far_dates_in_other_tables_and_the_as_of_from_clean_dates(tmp_path):
    write(tmp_path / "customers.csv", "customer_id,signup_date\nC1,2023-05-01\nC2,2209-01-01\nC3,1850-01-01\n")
    write(tmp_path / "interactions.csv", "customer_id,date,kind\nC1,2024-02-01,complaint\nC1,2101-01-01,inquiry\n")
    write(tmp_path / "transactions.csv", "order_id,customer_id,order_date,amount\nO1,C1,2024-01-31,5\n")
    cleaned = clean(load(tmp_path))
    problems = cleaned.issues.set_index(["table", "source_row"])["problem"]
    assert problems.loc[("customers", 3)] == "'2209-01-01' is not a plausible date (it is after the day of loading)"
    assert problems.loc[("customers", 4)] == "'1850-01-01' is not a plausible date (it is before 1900)"
    assert cleaned.quarantine.set_index(["table", "source_row"]).loc[("interactions", 3), "reason"] == (
        "date '2101-01-01' is not a plausible date (it is after the day of loading)")
    assert resolve_as_of(cleaned) == pd.Timestamp("2024-02-01")  # the day after the last order: 2209 does not count
