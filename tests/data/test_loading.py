"""crm_analysis.load: every supported source, read from small files the tests write themselves."""

from __future__ import annotations

import gzip
from pathlib import Path

import pandas as pd
import pytest

from crm_analysis.core import schema
from crm_analysis.core.errors import CRMDataError
from crm_analysis.data import synth
from crm_analysis.data.loading import detect_format, load, normalize_header, parse_dates, snake_case

CUSTOMERS_CSV = (
    "customer_id,name,gender,phone,city,signup_date,vip_level\n"
    "C001,张伟,female,13812345678,上海,2023-02-01,金卡\n"
    "C002,李娜,male,139 1234 5678,北京,2023/3/5,银卡\n"
    "C003,王芳,,,广州,2023年4月9日,\n"
)
TRANSACTIONS_CSV = (
    "order_id,customer_id,order_date,amount,quantity,status\n"
    "O1,C001,2024-01-05,59.90,1,completed\n"
    "O2,C002,2024-01-06,\"1,200.00\",2,completed\n"
    "O3,C003,2024-01-07,-20,1,returned\n"
)


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text.encode(encoding))
    return path


def canonical_folder(root: Path, encoding: str = "utf-8") -> Path:
    write(root / "customers.csv", CUSTOMERS_CSV, encoding)
    write(root / "transactions.csv", TRANSACTIONS_CSV, encoding)
    return root


# --------------------------------------------------------------------------- canonical folders
def test_folder_loads_canonical_tables_indexed_by_file_line(tmp_path):
    data = load(canonical_folder(tmp_path))
    assert data.present() == ["customers", "transactions"]
    customers, tx = data.customers, data.transactions
    assert customers.index.tolist() == [2, 3, 4] and customers.index.name == "source_row"
    assert customers.loc[3, "name"] == "李娜" and customers.loc[4, "city"] == "广州"
    assert customers["signup_date"].dt.strftime("%Y-%m-%d").tolist() == ["2023-02-01", "2023-03-05", "2023-04-09"]
    assert customers.loc[2, "vip_level"] == "金卡"  # extra column kept
    assert tx["amount"].tolist() == [59.9, 1200.0, -20.0]
    assert str(tx["order_date"].dtype) == "datetime64[ns]"
    for table, frame in data.tables().items():
        schema.contract(table, stage="loaded").validate(frame)
        assert list(frame.columns[: len(schema.TABLES[table])]) == [f.name for f in schema.TABLES[table]]
    assert data.source_files["customers"].endswith("customers.csv")
    assert data.issues.empty


def test_gbk_and_bom_copies_load_identically_to_utf8(tmp_path):
    utf8 = load(canonical_folder(tmp_path / "utf8"))
    for encoding in ("gbk", "gb18030", "utf-8-sig"):
        other = load(canonical_folder(tmp_path / encoding, encoding))
        for table in ("customers", "transactions"):
            pd.testing.assert_frame_equal(utf8.tables()[table], other.tables()[table])
    assert (tmp_path / "gbk" / "customers.csv").read_bytes() != (tmp_path / "utf8" / "customers.csv").read_bytes()


def test_chinese_headers_are_mapped_through_the_alias_table(tmp_path):
    write(
        tmp_path / "客户.csv",
        "客户编号,姓名,性别,出生日期,联系电话,邮箱,城市,区域,备注\n"
        "C1,张伟,女,1990-01-02,13812345678,a@b.cn,上海,华东,老客户\n",
    )
    write(
        tmp_path / "订单.csv",
        "订单号,客户ID,订单日期,订单金额,数量,品类,渠道,状态\nO1,C1,2024-02-03,88,2,家居,线上,完成\n",
    )
    data = load(tmp_path)
    assert data.customers.loc[2, ["customer_id", "name", "gender", "phone", "city", "region"]].tolist() == [
        "C1", "张伟", "女", "13812345678", "上海", "华东"
    ]
    assert data.customers.loc[2, "birth_date"] == pd.Timestamp("1990-01-02")
    assert "备注" in data.customers.columns
    tx = data.transactions
    assert tx.loc[2, ["order_id", "customer_id", "product_category", "sales_channel", "status"]].tolist() == [
        "O1", "C1", "家居", "线上", "完成"
    ]
    assert float(tx.loc[2, "amount"]) == 88.0


def test_headers_match_despite_case_spaces_and_hyphens():
    assert normalize_header("Customer ID") == normalize_header("customer-id") == normalize_header("CUSTOMER_ID")
    assert snake_case("Churn Score") == "churn_score" and snake_case("SeniorCitizen") == "senior_citizen"


def test_folder_with_parquet_and_truth(tmp_path):
    pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["A", "B"]}).to_parquet(tmp_path / "customers.parquet")
    write(tmp_path / "truth" / "customers.csv", "customer_id,segment,is_churned,churn_date,churn_reason\n"
          "C1,loyal,true,2024-05-01,price\nC2,new,false,,\n")
    write(tmp_path / "truth" / "defects.csv", "table,record_id,source_row,defect,column,detail\n"
          "customers,C2,3,invalid_phone,phone,\n")
    data = load(tmp_path)
    assert data.customers.index.tolist() == [2, 3]
    assert data.truth is not None
    assert data.truth.customers["is_churned"].tolist() == [True, False]
    assert data.truth.defects.loc[0, "source_row"] == 3


def test_excel_workbook_with_sheets_named_after_tables_keeps_spreadsheet_rows(tmp_path):
    path = tmp_path / "crm.xlsx"
    customers = pd.DataFrame({"customer_id": ["C1", None, "C3"], "phone": [13812345678.0, None, None]})
    with pd.ExcelWriter(path) as writer:
        customers.to_excel(writer, sheet_name="customers", index=False)
        pd.DataFrame({"customer_id": ["C1"], "order_date": ["2024-01-01"], "amount": [5]}).to_excel(
            writer, sheet_name="transactions", index=False
        )
    data = load(path)
    # the blank spreadsheet row 3 is not a record, but row 4 keeps its number
    assert data.customers.index.tolist() == [2, 4]
    assert data.customers.loc[2, "phone"] == "13812345678"  # no spurious ".0"
    assert data.transactions.loc[2, "order_id"] == "L2"  # generated from the line number
    assert "sheet customers" in data.source_files["customers"]


def test_line_numbers_count_multiline_quoted_values_and_blank_lines(tmp_path):
    text = 'customer_id,name,note\nC1,A,"two\nlines"\n\nC2,B,x\n'
    data = load(write(tmp_path / "customers.csv", text))
    assert data.customers.index.tolist() == [2, 5]


# --------------------------------------------------------------------------- real-world formats
RETAIL_HEADER = "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n"
RETAIL_ROWS = (
    "536365,85123A,WHITE HANGING HEART T-LIGHT HOLDER,6,2010-12-01 08:26:00,2.55,17850.0,United Kingdom\n"
    "C536379,D,Discount,-1,2010-12-01 09:41:00,27.50,14527,United Kingdom\n"
    "536414,22139,,56,2010-12-01 11:52:00,0,,United Kingdom\n"
    "536370,22728,ALARM CLOCK BAKELIKE PINK,24,12/1/2010 8:45,3.75,12583,France\n"
)


def check_retail(data) -> None:
    tx = data.transactions
    assert len(tx) == 4 and tx.index.tolist() == [2, 3, 4, 5]
    assert tx["customer_id"].tolist()[:2] == ["17850", "14527"] and pd.isna(tx.loc[4, "customer_id"])
    assert tx["status"].tolist() == ["completed", "cancelled", "completed", "completed"]
    assert tx["amount"].round(2).tolist() == [15.3, -27.5, 0.0, 90.0]
    assert tx.loc[5, ["country", "region"]].tolist() == ["France", "France"]
    assert tx.loc[5, "order_date"] == pd.Timestamp("2010-12-01 08:45")
    assert {"stock_code", "description", "unit_price"} <= set(tx.columns)
    schema.contract("transactions", stage="loaded").validate(tx)


@pytest.mark.parametrize("suffix", ["csv", "csv.gz", "xlsx"])
def test_online_retail_is_detected_from_its_columns(tmp_path, suffix):
    path = tmp_path / f"my_export.{suffix}"
    if suffix == "xlsx":
        frame = pd.read_csv(pd.io.common.StringIO(RETAIL_HEADER + RETAIL_ROWS), dtype=str)
        frame = frame.astype({"Quantity": int, "UnitPrice": float, "CustomerID": float})
        frame.to_excel(path, index=False)
    elif suffix == "csv.gz":
        path.write_bytes(gzip.compress((RETAIL_HEADER + RETAIL_ROWS).encode()))
    else:
        write(path, RETAIL_HEADER + RETAIL_ROWS)
    assert detect_format(path) == "online_retail"
    check_retail(load(path))


def test_online_retail_ii_columns(tmp_path):
    text = (
        "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
        "489434,85048,15CM CHRISTMAS GLASS BALL,12,2009-12-01 07:45:00,6.95,13085.0,United Kingdom\n"
        "C489449,22087,PAPER BUNTING WHITE LACE,-12,2009-12-01 10:33:00,2.95,16321.0,Australia\n"
    )
    path = write(tmp_path / "retail2.csv", text)
    assert detect_format(path) == "online_retail_ii"
    tx = load(path).transactions
    assert tx["customer_id"].tolist() == ["13085", "16321"]
    assert tx["status"].tolist() == ["completed", "cancelled"]
    assert tx["amount"].round(2).tolist() == [83.4, -35.4]


def test_cdnow_master_text_is_detected_and_ids_lose_leading_zeros(tmp_path):
    text = (
        " customer_id  date number_of_cds  dollar_value\r\n"
        " 00001 19970101  1   11.77\r\n 00002 19970112  2   24.00\r\n"
    )
    path = write(tmp_path / "purchases.txt", text)
    assert detect_format(path) == "cdnow"
    tx = load(path).transactions
    assert tx["customer_id"].tolist() == ["1", "2"]
    assert tx["order_date"].tolist() == [pd.Timestamp("1997-01-01"), pd.Timestamp("1997-01-12")]
    assert tx["quantity"].tolist() == [1.0, 2.0] and tx["amount"].tolist() == [11.77, 24.0]
    assert set(tx["product_category"]) == {"music"} and set(tx["status"]) == {"completed"}
    assert tx["order_id"].is_unique


def test_named_cdnow_sources():
    master, sample = load("cdnow"), load("cdnow_sample")
    assert len(master.transactions) == 69_659 and master.transactions["customer_id"].nunique() == 23_570
    assert sample.transactions["customer_id"].nunique() == 2_357
    assert sample.transactions["customer_id"].iloc[0] == "1"  # sample id 0001, as the published summaries use


TELCO_HEADER = (
    "customerID,gender,SeniorCitizen,Partner,Dependents,tenure,PhoneService,MultipleLines,InternetService,"
    "OnlineSecurity,OnlineBackup,DeviceProtection,TechSupport,StreamingTV,StreamingMovies,Contract,"
    "PaperlessBilling,PaymentMethod,MonthlyCharges,TotalCharges,Churn\n"
)
TELCO_ROWS = (
    "1111-AAAAA,Female,0,Yes,No,34,Yes,No,DSL,Yes,No,Yes,No,No,No,One year,No,Mailed check,56.95,1889.5,No\n"
    "2222-BBBBB,Male,1,No,No,0,Yes,No,DSL,No,No,No,No,No,No,Two year,Yes,Bank transfer (automatic),52.55, ,No\n"
    "3333-CCCCC,Male,0,No,No,2,Yes,No,Fiber optic,No,No,No,No,No,No,Month-to-month,Yes,Electronic check,"
    "70.7,151.65,Yes\n"
)


def test_telco_plain_csv(tmp_path):
    path = write(tmp_path / "churn.csv", TELCO_HEADER + TELCO_ROWS)
    assert detect_format(path) == "telco"
    data = load(path)
    c = data.customers
    assert c["customer_id"].tolist() == ["1111-AAAAA", "2222-BBBBB", "3333-CCCCC"]
    assert c["gender"].tolist() == ["female", "male", "male"]
    assert c["churned"].tolist() == [False, False, True]
    assert c["tenure_months"].tolist() == [34.0, 0.0, 2.0]
    assert pd.isna(c.loc[3, "total_charges"]) and data.issues.empty  # blank for a new customer: not an error
    assert c.loc[2, "contract"] == "One year" and c.loc[4, "payment_method"] == "Electronic check"
    assert c["senior_citizen"].tolist() == [False, True, False]
    assert data.exit_survey is None


def telco_extended(with_category: bool) -> pd.DataFrame:
    frame = pd.DataFrame(
        {
            "CustomerID": ["1111-AAAAA", "2222-BBBBB", "3333-CCCCC"],
            "Count": [1, 1, 1],
            "Country": ["United States"] * 3,
            "State": ["California"] * 3,
            "City": ["Los Angeles", "Fresno", "San Diego"],
            "Zip Code": [90003, 93650, 92101],
            "Gender": ["Male", "Female", "Male"],
            "Senior Citizen": ["No", "Yes", "No"],
            "Tenure Months": [2, 45, 8],
            "Contract": ["Month-to-month", "Two year", "Month-to-month"],
            "Monthly Charges": [53.85, 42.3, 99.65],
            "Total Charges": [108.15, 1840.75, 820.5],
            "Churn Label": ["Yes", "No", "Yes"],
            "Churn Value": [1, 0, 1],
            "Churn Score": [86, 27, 92],
            "CLTV": [3239, 5957, 2701],
            "Churn Reason": ["Competitor made better offer", None, "Moved"],
        }
    )
    if with_category:
        frame["Satisfaction Score"] = [1, 4, 2]
        frame["Churn Category"] = ["Competitor", None, "Other"]
    return frame


@pytest.mark.parametrize("with_category", [False, True])
def test_telco_extended_export(tmp_path, with_category):
    path = tmp_path / "telco_customer_churn.xlsx"
    telco_extended(with_category).to_excel(path, index=False)
    assert detect_format(path) == "telco_extended"
    data = load(path)
    c = data.customers
    assert c["region"].tolist() == ["California"] * 3 and c.loc[3, "city"] == "Fresno"
    assert c["churned"].tolist() == [True, False, True]
    assert c["cltv"].tolist() == [3239.0, 5957.0, 2701.0] and c.loc[2, "churn_score"] == 86
    assert c.loc[2, "zip_code"] == "90003"
    survey = data.exit_survey
    assert survey.index.tolist() == [2, 4]  # the churned customers' rows
    assert survey["reason_text"].tolist() == ["Competitor made better offer", "Moved"]
    expected = ["competitor", "other"] if with_category else [None, None]
    assert [None if pd.isna(v) else v for v in survey["reason_category"]] == expected
    if with_category:
        assert c["satisfaction_score"].tolist() == [1.0, 4.0, 2.0]
    schema.contract("exit_survey", stage="loaded").validate(survey)


def test_telco_status_table(tmp_path):
    text = (
        "Status ID,Customer ID,Count,Quarter,Satisfaction Score,Customer Status,Churn Label,Churn Value,"
        "Churn Score,CLTV,Churn Category,Churn Reason\n"
        "SWSORB1252,1111-AAAAA,1,Q3,3,Stayed,No,0,65,2205,,\n"
        "SNAEQA8572,2222-BBBBB,1,Q3,1,Churned,Yes,1,92,4590,Attitude,Attitude of support person\n"
        "LJKQGS6734,3333-CCCCC,1,Q3,2,Churned,Yes,1,84,3640,Dissatisfaction,Product dissatisfaction\n"
        "HSLYBN2617,4444-DDDDD,1,Q3,1,Churned,Yes,1,77,5000,Price,Price too high\n"
    )
    path = write(tmp_path / "status.csv", text)
    assert detect_format(path) == "telco_status"
    data = load(path)
    assert data.customers["churned"].tolist() == [False, True, True, True]
    assert data.customers.loc[2, "customer_status"] == "Stayed"
    assert data.exit_survey["reason_category"].tolist() == ["service", "service", "price"]
    assert data.exit_survey["customer_id"].tolist() == ["2222-BBBBB", "3333-CCCCC", "4444-DDDDD"]


# --------------------------------------------------------------------------- errors and issues
def test_unknown_format_lists_known_formats_and_columns_seen(tmp_path):
    path = write(tmp_path / "mystery.csv", "foo,bar\n1,2\n")
    with pytest.raises(CRMDataError) as err:
        load(path)
    message = str(err.value)
    assert "mystery.csv" in message and "unknown data format" in message
    assert "'foo'" in message and "'bar'" in message
    assert "online_retail" in message and "telco_extended" in message and "cdnow" in message


def test_missing_required_column_names_it_and_the_closest_columns(tmp_path):
    write(tmp_path / "transactions.csv", "order_id,customer_id,order_dt,amount\nO1,C1,2024-01-01,5\n")
    with pytest.raises(CRMDataError) as err:
        load(tmp_path)
    message = str(err.value)
    assert "transactions.csv" in message and "order_date" in message and "'order_dt'" in message


def test_mostly_unparseable_dates_name_file_column_and_rows(tmp_path):
    text = "order_id,customer_id,order_date,amount\nO1,C1,yesterday,5\nO2,C1,soon,6\nO3,C1,2024-01-02,7\n"
    write(tmp_path / "transactions.csv", text)
    with pytest.raises(CRMDataError) as err:
        load(tmp_path)
    message = str(err.value)
    assert "transactions.csv" in message and "'order_date'" in message
    assert "row 2: 'yesterday'" in message and "row 3: 'soon'" in message and "2 of 3" in message


def test_a_few_bad_values_become_missing_and_are_recorded_unless_strict(tmp_path):
    text = (
        "order_id,customer_id,order_date,amount\n"
        "O1,C1,2023-13-45,5\nO2,C1,2024-01-02,six\nO3,C1,2024-01-03,7\nO4,C1,2024-01-04,8\n"
    )
    write(tmp_path / "transactions.csv", text)
    data = load(tmp_path)
    assert len(data.transactions) == 4
    assert pd.isna(data.transactions.loc[2, "order_date"]) and pd.isna(data.transactions.loc[3, "amount"])
    issues = data.issues.set_index(["source_row", "column"])
    assert issues.loc[(2, "order_date"), "problem"] == "'2023-13-45' is not a date"
    assert issues.loc[(3, "amount"), "problem"] == "'six' is not a number"
    assert set(data.issues["action"]) == {"set missing"}
    with pytest.raises(CRMDataError, match=r"transactions.csv.*order_date.*row 2: '2023-13-45'"):
        load(tmp_path, strict=True)


def test_missing_path_is_reported(tmp_path):
    with pytest.raises(FileNotFoundError, match="named sources"):
        load(tmp_path / "nope.csv")


def test_date_parser_accepts_common_spellings():
    values = pd.Series(["2024-03-18", "2024/3/18", "20240318", "2024年3月18日", "2024.03.18", "2024-03-18 14:05:00"])
    parsed = parse_dates(values)
    assert parsed.dt.normalize().eq(pd.Timestamp("2024-03-18")).all()
    assert str(parsed.dtype) == "datetime64[ns]"
    # day-first when the values say so
    assert parse_dates(pd.Series(["25/12/2024", "01/02/2024"])).tolist() == [
        pd.Timestamp("2024-12-25"), pd.Timestamp("2024-02-01")
    ]
    assert parse_dates(pd.Series(["0001-01-01"])).isna().all()  # outside the nanosecond range


def test_parquet_folders_bring_their_truth_like_csv_folders(tmp_path):
    as_csv = load(synth.generate_to_dir(tmp_path / "csv", n_customers=300, seed=7, fmt="csv"))
    as_parquet = load(synth.generate_to_dir(tmp_path / "parquet", n_customers=300, seed=7, fmt="parquet"))
    assert as_parquet.truth is not None
    for name in ("customers", "defects"):
        pd.testing.assert_frame_equal(getattr(as_parquet.truth, name), getattr(as_csv.truth, name))
