"""Read a data source into the canonical tables (the *loaded* stage).

``load(source)`` accepts

- ``"teaching"``: the embedded teaching data (``data/teaching/``, or the generator if absent);
- ``"cdnow"`` / ``"cdnow_sample"``: the CDNOW master file or its 1/10 sample;
- a folder of canonical files ``customers.*``, ``transactions.*``, ``interactions.*``,
  ``exit_survey.*`` (CSV, CSV.gz, Parquet or ``.xlsx``) with an optional ``truth/`` folder;
- an Excel workbook whose sheets are named after the tables;
- one file in a known real-world format, recognised from its columns (see :data:`KNOWN_FORMATS`).

Nothing is dropped silently: every data line becomes a row indexed by ``source_row`` (the line
number in the file, header = 1; the spreadsheet row for Excel). A value that cannot be parsed
becomes missing and is listed in ``data.issues`` (or raises with ``strict=True``); a column that is
*mostly* unparseable raises :class:`~crm_analysis.core.errors.CRMDataError`, because that means a wrong
format or a wrong column mapping rather than a few bad cells.

Column names are matched after normalising case, spaces, underscores and hyphens, through the alias
table :data:`ALIASES` (which includes common Chinese CRM headers such as 客户编号, 手机, 订单日期,
金额). Source columns the model does not name are kept as extra columns with snake_case names.

Examples
--------
>>> normalize_header(" Customer-ID ")
'customerid'
>>> snake_case("SeniorCitizen"), snake_case("Zip Code")
('senior_citizen', 'zip_code')
>>> mask_value("phone", "13812345678"), mask_value("email", "zhang@example.com")
('138****5678', 'z***@example.com')
"""

from __future__ import annotations

import difflib
import gzip
import io
import re
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from crm_analysis.core import paths, schema
from crm_analysis.core.arrow_text import as_arrow
from crm_analysis.core.crmdata import CRMData, Truth
from crm_analysis.core.errors import CRMDataError

# Cells holding one of these (after trimming) are missing values, not data.
MISSING_TOKENS = ("", "NA", "N/A", "n/a", "NULL", "null", "None", "NaN", "nan", "#N/A")

# A column is "mostly unparseable" (a mapping or format error, not dirty cells) above this share.
MOSTLY_BAD_SHARE = 0.5

_ID_ALIASES = [
    "customerid",
    "custid",
    "clientid",
    "customerno",
    "客户编号",
    "客户id",
    "客户号",
    "会员编号",
    "会员id",
]

#: Alias table: for each table, canonical column -> accepted header spellings, in priority order.
#: Headers are compared after :func:`normalize_header`; the canonical name itself always matches first.
ALIASES: dict[str, dict[str, list[str]]] = {
    "customers": {
        "customer_id": _ID_ALIASES,
        "name": ["fullname", "customername", "姓名", "客户名称", "客户姓名", "名称"],
        "gender": ["sex", "性别"],
        "birth_date": ["birthdate", "dateofbirth", "dob", "birthday", "出生日期", "生日"],
        "phone": [
            "mobile",
            "mobilephone",
            "phonenumber",
            "telephone",
            "tel",
            "手机",
            "手机号",
            "手机号码",
            "电话",
            "联系电话",
        ],
        "email": ["emailaddress", "mail", "邮箱", "电子邮件", "电子邮箱"],
        "city": ["城市", "所在城市"],
        "region": ["地区", "区域", "大区", "所属区域"],
        "customer_type": ["type", "客户类型", "客户类别"],
        "industry": ["行业", "所属行业"],
        "acquisition_channel": [
            "leadsource",
            "source",
            "channel",
            "客户来源",
            "来源渠道",
            "获客渠道",
            "来源",
        ],
        "signup_date": [
            "registrationdate",
            "registerdate",
            "createdat",
            "createdate",
            "joindate",
            "注册日期",
            "注册时间",
            "建档日期",
            "创建日期",
            "开户日期",
        ],
        "updated_at": ["updatedate", "lastupdated", "modifiedat", "更新日期", "更新时间", "最后更新"],
        "marketing_consent": ["consent", "optin", "marketingoptin", "是否同意营销", "同意营销", "营销许可"],
        "contract": ["contracttype", "合同类型", "合约类型"],
        "tenure_months": ["tenure", "在网时长", "在网月数"],
        "monthly_charges": ["monthlycharge", "月费", "月消费"],
        "total_charges": ["totalcharge", "累计消费", "总费用"],
        "churned": ["churn", "是否流失", "流失"],
    },
    "transactions": {
        "order_id": ["orderno", "ordernumber", "invoiceno", "invoice", "订单号", "订单编号", "单号"],
        "customer_id": _ID_ALIASES,
        "order_date": [
            "date",
            "orderdatetime",
            "purchasedate",
            "transactiondate",
            "invoicedate",
            "下单日期",
            "订单日期",
            "下单时间",
            "交易日期",
            "购买日期",
        ],
        "product_category": ["category", "品类", "商品类别", "商品类目", "产品类别", "类别"],
        "quantity": ["qty", "数量", "购买数量"],
        "amount": [
            "value",
            "total",
            "sales",
            "revenue",
            "金额",
            "订单金额",
            "交易金额",
            "实付金额",
            "销售额",
        ],
        "sales_channel": ["channel", "渠道", "销售渠道", "下单渠道"],
        "status": ["orderstatus", "状态", "订单状态"],
    },
    "interactions": {
        "interaction_id": ["contactid", "ticketid", "互动编号", "记录编号", "工单号"],
        "customer_id": _ID_ALIASES,
        "date": ["contactdate", "interactiondate", "日期", "联系日期", "互动日期"],
        "kind": ["type", "interactiontype", "contacttype", "类型", "互动类型", "联系类型"],
        "topic": ["subject", "主题", "事由"],
        "satisfaction": ["satisfactionscore", "csat", "rating", "满意度", "满意度评分", "评分"],
        "resolved": ["isresolved", "是否解决", "已解决"],
    },
    "exit_survey": {
        "customer_id": _ID_ALIASES,
        "date": ["surveydate", "日期", "调查日期"],
        "reason_category": ["churncategory", "原因类别", "流失原因类别"],
        "reason_text": ["reason", "churnreason", "原因", "流失原因", "离开原因"],
    },
}

#: File stems / sheet names accepted for each table (after :func:`normalize_header`).
TABLE_ALIASES: dict[str, list[str]] = {
    "customers": ["customers", "customer", "客户", "客户表", "客户信息"],
    "transactions": ["transactions", "transaction", "orders", "订单", "交易", "订单表", "交易记录"],
    "interactions": ["interactions", "interaction", "contacts", "互动", "联系记录", "服务记录"],
    "exit_survey": ["exitsurvey", "流失调查", "退出调查", "流失原因"],
}

#: Real-world formats recognised from their columns.
KNOWN_FORMATS: dict[str, str] = {
    "cdnow": "CDNOW master text (customer_id date number_of_cds dollar_value, whitespace-separated)",
    "cdnow_sample": "CDNOW 1/10 sample text (no header: master_id sample_id date cds dollars)",
    "online_retail": "UCI Online Retail (InvoiceNo, StockCode, Description, Quantity, InvoiceDate, "
    "UnitPrice, CustomerID, Country)",
    "online_retail_ii": "UCI Online Retail II (Invoice, StockCode, Description, Quantity, InvoiceDate, "
    "Price, Customer ID, Country)",
    "telco": "IBM Telco churn, 21 columns (customerID, gender, ..., TotalCharges, Churn)",
    "telco_extended": "IBM Telco churn extended export (CustomerID, City, State, ..., Churn Value, CLTV, "
    "Churn Reason)",
    "telco_status": "IBM Telco status table (Customer ID, Satisfaction Score, Customer Status, Churn Value, "
    "Churn Category, Churn Reason)",
    "canonical": "one canonical table (customers, transactions, interactions or exit_survey columns)",
}

#: Telco ``Churn Category`` -> canonical ``reason_category``. Text-only reasons are left blank for
#: the churn chapter to classify.
CHURN_CATEGORY_MAP = {
    "competitor": "competitor",
    "price": "price",
    "attitude": "service",
    "dissatisfaction": "service",
    "other": "other",
}

_TRUE = {"true", "t", "yes", "y", "1", "1.0", "是", "对", "真"}
_FALSE = {"false", "f", "no", "n", "0", "0.0", "否", "不是", "假"}
_TEXT_SUFFIXES = (".csv", ".txt", ".tsv", ".dat", ".csv.gz", ".txt.gz", ".tsv.gz")


# --------------------------------------------------------------------------- small helpers
def normalize_header(name: object) -> str:
    """Normalise a column header for matching: NFKC, lower case, no spaces, underscores or hyphens.

    Parameters
    ----------
    name : object
        A header as read from a file.

    Returns
    -------
    str
        The comparison key.

    Examples
    --------
    >>> normalize_header("Customer_ID"), normalize_header("客户 编号")
    ('customerid', '客户编号')
    """
    text = unicodedata.normalize("NFKC", str(name)).strip().lower()
    return re.sub(r"[\s_\-]+", "", text)


def snake_case(name: object) -> str:
    """Name an extra column in snake_case (``"Churn Score"`` -> ``"churn_score"``).

    Parameters
    ----------
    name : object
        The source header.

    Returns
    -------
    str
        Lower-case words joined by underscores; non-Latin letters are kept.

    Examples
    --------
    >>> snake_case("customerID"), snake_case("StreamingTV"), snake_case("Lat Long")
    ('customer_id', 'streaming_tv', 'lat_long')
    """
    text = unicodedata.normalize("NFKC", str(name)).strip()
    text = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text)
    text = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", text)
    text = re.sub(r"[^\w]+", "_", text.lower())
    return text.strip("_") or "column"


def mask_value(column: str, value: object) -> str:
    """Show ``value`` safely: personal data (name, phone, e-mail) is masked.

    Parameters
    ----------
    column : str
        Canonical column the value belongs to.
    value : object
        The raw value.

    Returns
    -------
    str
        The value as text (at most 40 characters), masked when ``column`` holds personal data.

    Examples
    --------
    >>> mask_value("name", "张伟"), mask_value("phone", "12"), mask_value("city", "上海")
    ('张*', '**', '上海')
    """
    text = str(value)
    if column == "phone":
        text = text[:3] + "****" + text[-4:] if len(text) >= 8 else "*" * max(len(text), 2)
    elif column == "email":
        local, at, domain = text.partition("@")
        text = (local[:1] + "***" + at + domain) if at else text[:1] + "***"
    elif column == "name":
        text = text[:1] + "*" * max(len(text) - 1, 1)
    return text if len(text) <= 40 else text[:37] + "..."


def _examples(column: str, rows: pd.Index, values: Iterable[object], limit: int = 3) -> str:
    pairs = list(zip(rows, values, strict=False))[:limit]
    return ", ".join(f"row {r}: {mask_value(column, v)!r}" for r, v in pairs)


@dataclass
class _Log:
    """Collects value-level problems found while loading (the ``issues`` table)."""

    strict: bool
    parts: list[pd.DataFrame] = field(default_factory=list)

    def add(self, table: str, file: str, column: str, rows: pd.Index, values: pd.Series, what: str) -> None:
        if len(rows) == 0:
            return
        if self.strict:
            raise CRMDataError(
                f"{file}: column {column!r} has {len(rows):,} value(s) that are not {what} "
                f"({_examples(column, rows, values)}); strict=True rejects any unparseable value"
            )
        shown = [mask_value(column, v) for v in values]
        self.parts.append(
            pd.DataFrame(
                {
                    "table": table,
                    "source_row": np.asarray(rows, dtype="int64"),
                    "column": column,
                    "problem": [f"{s!r} is not {what}" for s in shown],
                    "action": "set missing",
                }
            )
        )

    def frame(self) -> pd.DataFrame:
        columns = ["table", "source_row", "column", "problem", "action"]
        if not self.parts:
            return pd.DataFrame(
                {c: pd.Series(dtype="int64" if c == "source_row" else "string") for c in columns}
            )
        out = pd.concat(self.parts, ignore_index=True)
        return out.astype({c: "string" for c in columns if c != "source_row"})


# --------------------------------------------------------------------------- value parsing
def _nfkc(values: pd.Series) -> pd.Series:
    return values.astype("string").str.normalize("NFKC").str.strip()


def _blank(values: pd.Series) -> pd.Series:
    """True where a raw value is missing or only whitespace."""
    missing = values.isna()
    if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
        # Arrow's kernels: pandas' isin on Arrow strings goes through Python objects.
        text = pc.utf8_trim_whitespace(as_arrow(values))
        token = pc.fill_null(pc.is_in(text, value_set=pa.array(MISSING_TOKENS)), True)
        missing = missing | token.to_numpy(zero_copy_only=False)
    return missing.astype(bool)


def _as_text(values: pd.Series) -> pd.Series:
    """Values as pandas strings; numbers from spreadsheets lose a spurious ``.0``."""
    if values.dtype == object:

        def one(v: object) -> object:
            if isinstance(v, float) and v.is_integer():
                return str(int(v))
            if isinstance(v, pd.Timestamp) or hasattr(v, "isoformat"):
                return v.isoformat(sep=" ") if hasattr(v, "hour") else v.isoformat()
            return v if v is None or isinstance(v, str) else str(v)

        uniques = pd.unique(values.dropna())
        values = values.map(dict(zip(uniques, map(one, uniques), strict=True)))
    elif pd.api.types.is_float_dtype(values.dtype):
        floats = values.astype("Float64")
        whole = (floats.round() == floats).fillna(False)
        text = floats.astype("string")
        text[whole] = floats[whole].astype("Int64").astype("string")
        return text
    return values.astype("string")


def parse_dates(values: pd.Series) -> pd.Series:
    """Parse dates written in the usual ways; unparseable values become ``NaT``.

    Accepts ISO (``2024-03-18``, ``2024-03-18 08:26:00``), compact ``20240318``, slashes or dots
    (``2024/3/18``), Chinese ``2024年3月18日`` and day-month-year or month-day-year with the year
    last (the order that parses more of the column wins; a tie means month first, as in the US
    exports). Dates outside 1677–2262 (the range of nanosecond timestamps) are unparseable.

    Parameters
    ----------
    values : pandas.Series
        Raw values (strings, datetimes or a datetime column).

    Returns
    -------
    pandas.Series
        ``datetime64[ns]`` with the same index.

    Examples
    --------
    >>> parse_dates(pd.Series(["2024/3/18", "20240318", "2024年3月18日", "18/03/2024", "x"])).dt.day.tolist()
    [18.0, 18.0, 18.0, 18.0, nan]
    """
    if pd.api.types.is_datetime64_any_dtype(values.dtype):
        return (
            values.dt.tz_localize(None).astype("datetime64[ns]")
            if values.dt.tz
            else values.astype("datetime64[ns]")
        )
    uniques = pd.Series(pd.unique(values.dropna()), dtype=object)
    parsed = pd.Series(pd.NaT, index=uniques.index, dtype="datetime64[us]")
    is_stamp = uniques.map(lambda v: hasattr(v, "year") and hasattr(v, "month"))
    if is_stamp.any():
        parsed[is_stamp] = pd.to_datetime(uniques[is_stamp].map(lambda v: pd.Timestamp(v).tz_localize(None)))
    text = _nfkc(uniques.where(~is_stamp).astype("string"))
    text = text.str.replace(r"[/.年月]", "-", regex=True).str.replace("日", "", regex=False)
    text = text.str.replace(r"\s+", " ", regex=True)
    todo = parsed.isna() & text.notna()
    parsed[todo] = pd.to_datetime(text[todo], format="ISO8601", errors="coerce")
    todo = parsed.isna() & text.str.match(r"^\d{1,2}-\d{1,2}-\d{4}").fillna(False)
    if todo.any():
        trials = {}
        for order in ("%m-%d-%Y", "%d-%m-%Y"):
            got = pd.Series(pd.NaT, index=text[todo].index, dtype="datetime64[us]")
            for suffix in ("", " %H:%M", " %H:%M:%S"):
                gap = got.isna()
                got[gap] = pd.to_datetime(text[todo][gap], format=order + suffix, errors="coerce")
            trials[order] = got
        best = max(trials, key=lambda k: (trials[k].notna().sum(), k == "%m-%d-%Y"))
        parsed[todo] = trials[best]
    in_range = (parsed >= pd.Timestamp("1677-09-22")) & (parsed <= pd.Timestamp("2262-04-11"))
    parsed = parsed.where(in_range).astype("datetime64[ns]")
    lookup = dict(zip(uniques, parsed, strict=True))
    return values.map(lookup).astype("datetime64[ns]")


_NUMBER_JUNK = re.compile(r"[,\s¥$£€￥]|元|RMB|CNY|USD|GBP", re.IGNORECASE)


def parse_numbers(values: pd.Series) -> pd.Series:
    """Parse numbers; thousands separators, currency signs and full-width digits are accepted.

    Parameters
    ----------
    values : pandas.Series
        Raw values.

    Returns
    -------
    pandas.Series
        ``Float64``; unparseable values are missing.

    Examples
    --------
    >>> parse_numbers(pd.Series(["1,234.5", "¥12", "３", "abc", None])).tolist()
    [1234.5, 12.0, 3.0, <NA>, <NA>]
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        values = values.astype("Float64")
    if pd.api.types.is_numeric_dtype(values.dtype):
        return values.astype("Float64")
    out = pd.to_numeric(values.where(~_blank(values)), errors="coerce").astype("Float64")
    retry = out.isna() & ~_blank(values)
    if retry.any():
        cleaned = _nfkc(values[retry]).str.replace(_NUMBER_JUNK, "", regex=True)
        out[retry] = pd.to_numeric(cleaned, errors="coerce").astype("Float64")
    return out


def parse_bools(values: pd.Series) -> pd.Series:
    """Parse yes/no values (``Yes``/``No``, ``true``/``false``, ``1``/``0``, ``是``/``否``, ``Y``/``N``).

    Parameters
    ----------
    values : pandas.Series
        Raw values.

    Returns
    -------
    pandas.Series
        ``boolean``; anything else is missing.

    Examples
    --------
    >>> parse_bools(pd.Series(["Yes", "否", "1", "maybe"])).tolist()
    [True, False, True, <NA>]
    """
    if pd.api.types.is_bool_dtype(values.dtype):
        return values.astype("boolean")
    text = _nfkc(_as_text(values)).str.lower()
    out = pd.Series(pd.NA, index=values.index, dtype="boolean")
    out[text.isin(_TRUE).fillna(False)] = True
    out[text.isin(_FALSE).fillna(False)] = False
    return out


_PARSERS: dict[str, tuple[Callable[[pd.Series], pd.Series], str]] = {
    "date": (parse_dates, "a date"),
    "float": (parse_numbers, "a number"),
    "int": (parse_numbers, "a number"),
    "bool": (parse_bools, "yes/no"),
}


def _typed(
    values: pd.Series, kind: str, *, table: str, column: str, file: str, source: str, log: _Log
) -> pd.Series:
    """Convert one column to its canonical dtype, logging unparseable cells."""
    blank = _blank(values)
    if kind in ("string", "category"):
        text = _as_text(values)
        text[blank] = pd.NA
        if column in ("customer_id", "order_id", "interaction_id"):
            # Only values with a dot can be spreadsheet numbers ("1001.0"); the regex runs on those.
            dotted = pc.fill_null(pc.match_substring(as_arrow(text), "."), False).to_numpy(zero_copy_only=False)
            if dotted.any():
                text[dotted] = text[dotted].str.replace(r"^(\d+)\.0+$", r"\1", regex=True)
        return text
    parser, what = _PARSERS[kind]
    out = parser(values)
    out = out.where(~blank)
    bad = out.isna() & ~blank
    n_bad, n_filled = int(bad.sum()), int((~blank).sum())
    if n_bad and n_bad > MOSTLY_BAD_SHARE * n_filled:
        raise CRMDataError(
            f"{file}: column {column!r} (from {source!r}) of {table}: {n_bad:,} of {n_filled:,} values "
            f"are not {what} ({_examples(column, values.index[bad], values[bad])}). Wrong format or wrong column "
            "mapping? Rename the column or fix its values."
        )
    log.add(table, file, column, values.index[bad], values[bad], what)
    if kind == "int":
        out = out.round().astype("Int64")
    return out


# --------------------------------------------------------------------------- reading files
def _decode(raw: bytes, file: str) -> str:
    """Pick the encoding: UTF-8 (BOM or not) strictly, then GB18030 (superset of GBK), then latin-1."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            raw.decode(encoding)
            return encoding
        except UnicodeDecodeError:
            continue
    return "latin-1"


def _line_numbers(frame: pd.DataFrame, first: int) -> np.ndarray:
    """File line of each record, allowing for quoted values that span several lines."""
    extra = np.zeros(len(frame), dtype="int64")
    for column in frame.columns:
        values = frame[column]
        if values.dtype == object or isinstance(values.dtype, pd.StringDtype):
            extra += values.astype("string").str.count("\n").fillna(0).to_numpy(dtype="int64")
    return first + np.arange(len(frame)) + np.concatenate([[0], np.cumsum(extra)[:-1]])


def _read_text(path: Path) -> pd.DataFrame:
    """Read a delimited text file as strings, indexed by its file line numbers."""
    raw = path.read_bytes()
    if raw[:2] == b"\x1f\x8b":
        raw = gzip.decompress(raw)
    encoding = _decode(raw, str(path))
    first_line = raw[:65536].decode(encoding, errors="ignore").lstrip("\ufeff").split("\n", 1)[0]
    counts = {sep: first_line.count(sep) for sep in (",", "\t", ";", "|")}
    sep = max(counts, key=lambda k: counts[k]) if max(counts.values()) else r"\s+"
    tokens = first_line.split() if sep == r"\s+" else first_line.split(sep)
    headerless = bool(tokens) and all(re.fullmatch(r"[-+]?\d+(\.\d+)?", t.strip()) for t in tokens)
    frame = pd.read_csv(
        io.BytesIO(raw),
        sep=sep,
        encoding=encoding,
        dtype=str,
        keep_default_na=False,
        na_values=list(MISSING_TOKENS),
        skip_blank_lines=False,
        header=None if headerless else 0,
    )
    if headerless:
        frame.columns = [f"column_{i + 1}" for i in range(frame.shape[1])]
    frame.index = pd.Index(_line_numbers(frame, 1 if headerless else 2), name="source_row")
    return frame.loc[~frame.isna().all(axis=1)]  # blank lines are not records


def _sheet_frame(rows: list[tuple[object, ...]]) -> pd.DataFrame:
    """A worksheet's rows (row 1 = header) as a frame indexed by spreadsheet row."""
    if not rows:
        return pd.DataFrame()
    header = [h if h is not None else f"column_{i + 1}" for i, h in enumerate(rows[0])]
    width = len(header)
    body = [tuple(r[:width]) + (None,) * (width - len(r)) for r in rows[1:]]
    frame = pd.DataFrame(body, columns=[str(h).strip() for h in header], dtype=object)
    frame.index = pd.Index(np.arange(2, len(body) + 2), name="source_row")
    frame = frame.map(lambda v: None if isinstance(v, str) and not v.strip() else v)
    return frame.loc[~frame.isna().all(axis=1)]


def _read_excel(path: Path) -> dict[str, pd.DataFrame]:
    """Every sheet of a workbook; openpyxl gives true spreadsheet row numbers."""
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True, data_only=True)
    try:
        return {ws.title: _sheet_frame(list(ws.iter_rows(values_only=True))) for ws in book.worksheets}
    finally:
        book.close()


def _read_file(path: Path) -> pd.DataFrame:
    """One table from a CSV / text / Parquet / Excel (first sheet) file."""
    name = path.name.lower()
    if name.endswith((".xlsx", ".xlsm")):
        return next(iter(_read_excel(path).values()))
    if name.endswith(".parquet"):
        frame = pd.read_parquet(path)
        frame.index = pd.Index(np.arange(2, len(frame) + 2), name="source_row")
        return frame
    if name.endswith(_TEXT_SUFFIXES) or name.endswith(".gz"):
        return _read_text(path)
    raise CRMDataError(
        f"{path}: unsupported file type; use CSV (.csv, .csv.gz, .txt), Parquet or Excel (.xlsx)"
    )


# --------------------------------------------------------------------------- mapping and typing
def _match_columns(columns: Iterable[str], table: str) -> dict[str, str]:
    """Source column -> canonical name for ``table``; the best-ranked alias wins, others stay extras."""
    keys = {c: normalize_header(c) for c in columns}
    chosen: dict[str, str] = {}
    for canonical, aliases in ALIASES[table].items():
        ranked = [normalize_header(canonical), *[normalize_header(a) for a in aliases]]
        hits = [(ranked.index(k), c) for c, k in keys.items() if k in ranked and c not in chosen]
        if hits:
            chosen[min(hits)[1]] = canonical
    return chosen


def _finish(
    frame: pd.DataFrame,
    table: str,
    file: str,
    log: _Log,
    *,
    sources: dict[str, str] | None = None,
    extra_kinds: dict[str, str] | None = None,
) -> pd.DataFrame:
    """Type the canonical columns, add absent ones, snake_case extras, validate the loaded contract."""
    sources = sources or {}
    kinds = schema.column_kinds(table)
    missing = [c for c in schema.required_columns(table) if c not in frame.columns]
    if missing:
        seen = [str(c) for c in sources.values()] or [str(c) for c in frame.columns]
        hints = "; ".join(
            f"{m}: closest columns {difflib.get_close_matches(m, seen, n=3, cutoff=0.3) or 'none'}"
            for m in missing
        )
        raise CRMDataError(
            f"{file}: {table} needs column(s) {', '.join(missing)} but none of the columns {seen} matches "
            f"({hints}). Rename the column or add an alias."
        )
    out = {}
    for column, kind in kinds.items():
        if column in frame.columns:
            out[column] = _typed(
                frame[column],
                kind,
                table=table,
                column=column,
                file=file,
                source=sources.get(column, column),
                log=log,
            )
        else:
            out[column] = pd.Series(pd.NA, index=frame.index, dtype=schema._PANDERA_DTYPES[kind])
    if table == "transactions" and "order_id" not in frame.columns:
        out["order_id"] = pd.Series("L" + frame.index.astype(str), index=frame.index, dtype="string")
    if table == "interactions" and "interaction_id" not in frame.columns:
        out["interaction_id"] = pd.Series("L" + frame.index.astype(str), index=frame.index, dtype="string")
    for column in frame.columns:
        if column in kinds:
            continue
        kind = (extra_kinds or {}).get(column, "string")
        out[column] = _typed(
            frame[column],
            kind,
            table=table,
            column=column,
            file=file,
            source=sources.get(column, column),
            log=log,
        )
    result = pd.DataFrame(out, index=frame.index)
    result.index = result.index.astype("int64").rename("source_row")
    return schema.contract(table, stage="loaded").validate(result)


def _rename(frame: pd.DataFrame, table: str) -> tuple[pd.DataFrame, dict[str, str]]:
    """Canonical names via the alias table; extras in snake_case (made unique)."""
    chosen = _match_columns(frame.columns, table)
    names, used = {}, set(chosen.values())
    for column in frame.columns:
        if column in chosen:
            names[column] = chosen[column]
            continue
        base = snake_case(column)
        name, i = base, 2
        while name in used or name in schema.column_kinds(table):
            name, i = f"{base}_{i}", i + 1
        names[column] = name
        used.add(name)
    renamed = frame.set_axis([names[c] for c in frame.columns], axis=1)
    return renamed, {v: str(k) for k, v in names.items()}


def _canonical_table(frame: pd.DataFrame, table: str, file: str, log: _Log) -> pd.DataFrame:
    renamed, sources = _rename(frame, table)
    return _finish(renamed, table, file, log, sources=sources)


# --------------------------------------------------------------------------- known formats
def _keys(frame: pd.DataFrame) -> set[str]:
    return {normalize_header(c) for c in frame.columns}


_SIGNATURES: dict[str, set[str]] = {
    "cdnow": {"customerid", "date", "numberofcds", "dollarvalue"},
    "online_retail": {"invoiceno", "stockcode", "quantity", "invoicedate", "unitprice", "customerid"},
    "online_retail_ii": {"invoice", "stockcode", "quantity", "invoicedate", "price", "customerid"},
    "telco_status": {"customerid", "customerstatus", "churnvalue"},
    "telco_extended": {"customerid", "tenuremonths", "churnvalue", "monthlycharges"},
    "telco": {"customerid", "tenure", "contract", "monthlycharges", "totalcharges", "churn"},
}


def _headerless_format(frame: pd.DataFrame) -> str | None:
    if not all(str(c).startswith("column_") for c in frame.columns) or frame.empty:
        return None
    first = frame.iloc[0].astype(str).tolist()
    if frame.shape[1] == 5 and re.fullmatch(r"\d{8}", first[2]):
        return "cdnow_sample"
    if frame.shape[1] == 4 and re.fullmatch(r"\d{8}", first[1]):
        return "cdnow"
    return None


def _detect(frame: pd.DataFrame) -> str | None:
    headerless = _headerless_format(frame)
    if headerless:
        return headerless
    keys = _keys(frame)
    for name, signature in _SIGNATURES.items():
        if signature <= keys:
            return name
    return None


def _canonical_guess(frame: pd.DataFrame, stem: str) -> str | None:
    """The canonical table a single file holds: from its name, else from its required columns."""
    for table, names in TABLE_ALIASES.items():
        if normalize_header(stem) in names:
            return table
    for table in ("transactions", "interactions", "customers"):
        if set(schema.required_columns(table)) <= set(_match_columns(frame.columns, table).values()):
            return table
    return None


def detect_format(path: str | Path) -> str:
    """Name the format of one data file from its columns (see :data:`KNOWN_FORMATS`).

    Parameters
    ----------
    path : str or pathlib.Path
        A CSV / text / Parquet / Excel file.

    Returns
    -------
    str
        A key of :data:`KNOWN_FORMATS`, or ``"canonical:<table>"`` for a canonical table.

    Raises
    ------
    CRMDataError
        If the columns match no known format (the message lists the formats and the columns seen).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "x.txt"
    >>> _ = p.write_text(" 00004 0001 19970101  2   29.33\\n")
    >>> detect_format(p)
    'cdnow_sample'
    """
    path = Path(path)
    return _format_of(_read_file(path), path)


def _format_of(frame: pd.DataFrame, path: Path) -> str:
    found = _detect(frame)
    if found:
        return found
    table = _canonical_guess(frame, path.name.split(".")[0])
    if table:
        return f"canonical:{table}"
    known = "\n".join(f"  - {k}: {v}" for k, v in KNOWN_FORMATS.items())
    raise CRMDataError(
        f"{path}: unknown data format. Columns seen: {[str(c) for c in frame.columns]}.\n"
        f"Known formats:\n{known}\n"
        "For your own data, name the columns as in data/README.md (or a listed alias) or use a folder of "
        "customers / transactions / interactions / exit_survey files."
    )


def _pick(frame: pd.DataFrame, *keys: str) -> str | None:
    """The source column whose normalised header is the first of ``keys`` present."""
    lookup = {normalize_header(c): c for c in frame.columns}
    return next((lookup[k] for k in keys if k in lookup), None)


def _from_cdnow(frame: pd.DataFrame, file: str, log: _Log, *, sample: bool) -> dict[str, pd.DataFrame]:
    if sample:
        frame = frame.set_axis(["master_id", "customer_id", "date", "cds", "dollars"], axis=1)
    elif _headerless_format(frame) == "cdnow":
        frame = frame.set_axis(["customer_id", "date", "cds", "dollars"], axis=1)
    cols = {normalize_header(c): c for c in frame.columns}
    ids = frame[cols["customerid"]].astype("string").str.strip().str.lstrip("0").replace("", "0")
    out = pd.DataFrame(
        {
            "customer_id": ids,
            "order_date": frame[cols["date"]],
            "quantity": frame[cols.get("numberofcds", cols.get("cds"))],
            "amount": frame[cols.get("dollarvalue", cols.get("dollars"))],
            "product_category": "music",
            "status": "completed",
        },
        index=frame.index,
    )
    if sample:
        out["master_id"] = frame["master_id"].astype("string").str.lstrip("0")
    return {"transactions": _finish(out, "transactions", file, log)}


def _from_online_retail(frame: pd.DataFrame, file: str, log: _Log) -> dict[str, pd.DataFrame]:
    col = {normalize_header(c): c for c in frame.columns}
    invoice = _as_text(frame[col.get("invoiceno", col.get("invoice"))])
    price_col = col.get("unitprice", col.get("price"))
    price = _typed(
        frame[price_col],
        "float",
        table="transactions",
        column="unit_price",
        file=file,
        source=price_col,
        log=log,
    )
    quantity = _typed(
        frame[col["quantity"]],
        "float",
        table="transactions",
        column="quantity",
        file=file,
        source=col["quantity"],
        log=log,
    )
    out = pd.DataFrame(
        {
            "order_id": invoice,
            "customer_id": frame[col["customerid"]],
            "order_date": frame[col["invoicedate"]],
            "quantity": quantity,
            "amount": (quantity * price).round(4),
            "status": np.where(
                invoice.str.upper().str.startswith("C").fillna(False), "cancelled", "completed"
            ),
        },
        index=frame.index,
    )
    out["stock_code"] = frame[col["stockcode"]]
    if "description" in col:
        out["description"] = frame[col["description"]]
    out["unit_price"] = price
    if "country" in col:
        out["country"] = frame[col["country"]]
        out["region"] = frame[col["country"]]
    sources = {
        "order_id": col.get("invoiceno", col.get("invoice")),
        "customer_id": col["customerid"],
        "order_date": col["invoicedate"],
    }
    return {
        "transactions": _finish(
            out, "transactions", file, log, sources=sources, extra_kinds={"unit_price": "float"}
        )
    }


_TELCO_NUMERIC = ("satisfaction_score", "churn_score", "cltv", "latitude", "longitude", "count", "population")


def _from_telco(frame: pd.DataFrame, file: str, log: _Log) -> dict[str, pd.DataFrame]:
    """Any of the three Telco layouts -> customers (+ exit_survey when churn reasons are present)."""
    col = {normalize_header(c): c for c in frame.columns}
    renames = {
        col["customerid"]: "customer_id",
        _pick(frame, "tenuremonths", "tenure"): "tenure_months",
        _pick(frame, "state"): "region",
        _pick(frame, "city"): "city",
        _pick(frame, "gender"): "gender",
        _pick(frame, "contract"): "contract",
        _pick(frame, "monthlycharges", "monthlycharge"): "monthly_charges",
        _pick(frame, "totalcharges"): "total_charges",
    }
    renames.pop(None, None)
    churn_src = _pick(frame, "churnvalue", "churn")
    reason_src, category_src = _pick(frame, "churnreason"), _pick(frame, "churncategory")
    customers = frame.drop(columns=[c for c in (churn_src, reason_src, category_src) if c])
    customers = customers.rename(columns=renames)
    customers = customers.rename(
        columns={c: snake_case(c) for c in customers.columns if c not in renames.values()}
    )
    if "gender" in customers:
        customers["gender"] = customers["gender"].astype("string").str.strip().str.lower()
    if churn_src:
        customers["churned"] = frame[churn_src]
    sources = {v: k for k, v in renames.items()} | ({"churned": churn_src} if churn_src else {})
    kinds = {c: "float" for c in _TELCO_NUMERIC if c in customers} | (
        {"senior_citizen": "bool"} if "senior_citizen" in customers else {}
    )
    tables = {"customers": _finish(customers, "customers", file, log, sources=sources, extra_kinds=kinds)}
    if reason_src or category_src:
        churned = tables["customers"]["churned"].fillna(False).astype(bool)
        category = (
            frame[category_src].astype("string").str.strip().str.lower().map(CHURN_CATEGORY_MAP)
            if category_src
            else pd.Series(pd.NA, index=frame.index)
        )
        survey = pd.DataFrame(
            {
                "customer_id": frame[col["customerid"]],
                "reason_category": category.astype("string"),
                "reason_text": frame[reason_src] if reason_src else pd.NA,
            },
            index=frame.index,
        ).loc[churned.to_numpy()]
        tables["exit_survey"] = _finish(survey, "exit_survey", file, log)
    return tables


def _load_file(path: Path, log: _Log) -> CRMData:
    frame = _read_file(path)
    fmt = _format_of(frame, path)
    file = str(path)
    if fmt in ("cdnow", "cdnow_sample"):
        tables = _from_cdnow(frame, file, log, sample=fmt == "cdnow_sample")
    elif fmt.startswith("online_retail"):
        tables = _from_online_retail(frame, file, log)
    elif fmt.startswith("telco"):
        tables = _from_telco(frame, file, log)
    else:
        table = fmt.split(":", 1)[1]
        tables = {table: _canonical_table(frame, table, file, log)}
    label = KNOWN_FORMATS.get(fmt, KNOWN_FORMATS["canonical"]).split(" (")[0]
    return CRMData(
        **tables, source=f"{label}: {path.name}", source_files=dict.fromkeys(tables, file), issues=log.frame()
    )


# --------------------------------------------------------------------------- folders and workbooks
def _table_of(stem: str) -> str | None:
    key = normalize_header(stem)
    return next((t for t, names in TABLE_ALIASES.items() if key in names), None)


def _table_file(folder: Path, table: str) -> Path | None:
    for candidate in sorted(folder.iterdir()):
        if candidate.is_file() and _table_of(candidate.name.split(".")[0]) == table:
            if candidate.name.lower().endswith((*_TEXT_SUFFIXES, ".gz", ".parquet", ".xlsx")):
                return candidate
    return None


def _truth_file(truth_dir: Path, csv_name: str) -> Path | None:
    """The truth file as CSV, or as Parquet (what ``crm-analysis generate --format parquet`` writes)."""
    for candidate in (truth_dir / csv_name, (truth_dir / csv_name).with_suffix(".parquet")):
        if candidate.exists():
            return candidate
    return None


def _typed_truth(raw: pd.DataFrame, name: str) -> pd.DataFrame:
    """Truth columns in their schema kinds (Parquet arrives typed, CSV as text)."""
    typed = {}
    for f in schema.TRUTH_TABLES[name]:
        values = raw[f.name] if f.name in raw else pd.Series(pd.NA, index=raw.index, dtype=object)
        text = values.dtype == object or isinstance(values.dtype, pd.StringDtype)
        if f.kind == "date":
            typed[f.name] = parse_dates(values) if text else pd.to_datetime(values).astype("datetime64[ns]")
        elif f.kind == "bool":
            typed[f.name] = parse_bools(values) if text else values.astype("boolean")
        elif f.kind == "int":
            typed[f.name] = (parse_numbers(values) if text else values).astype("Int64")
        else:
            typed[f.name] = values.astype("string")
    extras = {c: raw[c].astype("string") for c in raw.columns if c not in typed}
    return pd.DataFrame(typed | extras)


def _read_truth(folder: Path) -> Truth | None:
    truth_dir = folder / paths.TRUTH_SUBDIR
    files = {name: _truth_file(truth_dir, csv_name) for name, csv_name in paths.TRUTH_FILES.items()}
    if any(file is None for file in files.values()):
        return None
    frames = {}
    for name, file in files.items():
        if file.suffix == ".parquet":
            raw = pd.read_parquet(file)
        else:
            raw = pd.read_csv(file, dtype=str, keep_default_na=False, na_values=[""], encoding="utf-8-sig")
        frames[name] = _typed_truth(raw, name)
    return Truth(customers=frames["customers"], defects=frames["defects"])


def _load_folder(folder: Path, log: _Log, label: str | None = None) -> CRMData:
    tables, files = {}, {}
    for table in schema.TABLE_NAMES:
        file = _table_file(folder, table)
        if file is None:
            continue
        tables[table] = _canonical_table(_read_file(file), table, str(file), log)
        files[table] = str(file)
    if "customers" not in tables and "transactions" not in tables:
        found = sorted(p.name for p in folder.iterdir())
        raise CRMDataError(
            f"{folder}: no customers or transactions file found (files seen: {found}); a folder source needs "
            "customers.csv and/or transactions.csv (or .parquet / .xlsx), see data/README.md"
        )
    return CRMData(
        **tables,
        truth=_read_truth(folder),
        source=label or f"folder {folder}",
        source_files=files,
        issues=log.frame(),
    )


def _load_workbook(path: Path, sheets: dict[str, pd.DataFrame], log: _Log) -> CRMData:
    tables, files = {}, {}
    for sheet, frame in sheets.items():
        table = _table_of(sheet)
        if table and table not in tables:
            where = f"{path} [sheet {sheet}]"
            tables[table], files[table] = _canonical_table(frame, table, where, log), where
    return CRMData(**tables, source=f"workbook {path.name}", source_files=files, issues=log.frame())


def _load_teaching(log: _Log) -> CRMData:
    folder = paths.TEACHING_DIR
    if (folder / paths.TABLE_FILES["customers"]).exists():
        return _load_folder(folder, log, label="teaching data (data/teaching)")
    from crm_analysis import synth  # lazily: the generator is only needed when the folder is absent

    data = synth.generate()
    if not isinstance(data, CRMData):
        raise CRMDataError(
            "data/teaching/ is missing and crm_analysis.data.synth.generate() did not return CRMData"
        )
    return data


def load(source: str | Path, *, strict: bool = False) -> CRMData:
    """Read a data source into canonical tables, validated against the *loaded* contracts.

    Parameters
    ----------
    source : str or pathlib.Path
        ``"teaching"``, ``"cdnow"``, ``"cdnow_sample"``, a folder of canonical files, an Excel
        workbook with sheets named after the tables, or one file in a known format
        (:data:`KNOWN_FORMATS`, recognised from its columns).
    strict : bool, default False
        If True, any unparseable value in a typed column raises; otherwise it becomes missing
        and is listed in ``data.issues`` (table, source_row, column, problem, action).

    Returns
    -------
    CRMData
        Tables indexed by ``source_row``; ``issues`` lists the values set missing (personal data masked).

    Raises
    ------
    CRMDataError
        Unknown format, missing required column, a mostly unparseable column, or (``strict``) any
        unparseable value. Messages name the file, the column and example rows.
    FileNotFoundError
        If ``source`` is neither a named source nor an existing path.

    Examples
    --------
    >>> data = load("cdnow_sample")
    >>> len(data.transactions), data.transactions["customer_id"].nunique()
    (6919, 2357)
    >>> row = data.transactions.loc[1]  # first line of the headerless file
    >>> row["customer_id"], float(row["quantity"]), float(row["amount"])
    ('1', 2.0, 29.33)
    """
    log = _Log(strict=strict)
    if isinstance(source, str) and source == "teaching":
        return _load_teaching(log)
    if isinstance(source, str) and source in ("cdnow", "cdnow_sample"):
        path = paths.CDNOW_DIR / ("CDNOW_master.txt" if source == "cdnow" else "CDNOW_sample.txt")
        frame = _read_file(path)
        tables = _from_cdnow(frame, str(path), log, sample=source == "cdnow_sample")
        return CRMData(
            **tables,
            source=KNOWN_FORMATS[source].split(" (")[0],
            source_files={"transactions": str(path)},
            issues=log.frame(),
        )
    path = Path(source)
    if not path.exists():
        raise FileNotFoundError(
            f"{source!s}: no such file or folder; named sources are 'teaching', 'cdnow', 'cdnow_sample'"
        )
    if path.is_dir():
        return _load_folder(path, log)
    if path.name.lower().endswith((".xlsx", ".xlsm")):
        sheets = _read_excel(path)
        if any(_table_of(s) for s in sheets):
            return _load_workbook(path, sheets, log)
    return _load_file(path, log)


__all__ = [
    "ALIASES",
    "CHURN_CATEGORY_MAP",
    "KNOWN_FORMATS",
    "detect_format",
    "load",
    "mask_value",
    "normalize_header",
    "parse_bools",
    "parse_dates",
    "parse_numbers",
    "snake_case",
]
