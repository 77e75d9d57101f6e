"""Known real-world formats (CDNOW, UCI Online Retail, IBM Telco, CFPB complaints): detection and conversion.

A single file is recognised from its columns (:func:`detect_format`, :data:`KNOWN_FORMATS`) and
converted to canonical tables; a file with canonical columns is read as that table.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd

from crm_analysis.core import schema
from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.errors import CRMDataError
from crm_analysis.data.loading.aliases import TABLE_ALIASES, _match_columns, normalize_header, snake_case
from crm_analysis.data.loading.columns import _canonical_table, _finish, _Log, _result, _typed
from crm_analysis.data.loading.text import _read_file
from crm_analysis.data.parsers import as_text

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
    "cfpb_complaints": "CFPB consumer-complaint export, 18 columns (Date received, Product, Issue, Consumer "
    "complaint narrative, Company, Date sent to company, Timely response?, Complaint ID, ...)",
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
    "cfpb_complaints": {"datereceived", "product", "issue", "complaintid", "timelyresponse?"},
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
    if log.dayfirst is None:  # UCI's export writes InvoiceDate month first (12/1/2010 8:26)
        log.dayfirst, log.dayfirst_how = False, "detected"
    invoice = as_text(frame[col.get("invoiceno", col.get("invoice"))])
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


#: CFPB ``Company response to consumer`` -> resolved: closed answers are resolved, an untimely one is not,
#: "In progress" is not known yet.
CFPB_RESOLVED = {"untimely response": False, "in progress": None}


def _from_cfpb(frame: pd.DataFrame, file: str, log: _Log) -> dict[str, pd.DataFrame]:
    """The CFPB complaint register -> interactions: one complaint per row, with no link to a customer.

    The company complained about is the ``agent`` (the side that answers); ``Timely response?`` is kept as
    ``timely_response``, the register's own verdict on the response standard; the product is the ``topic``
    and the narrative the ``text``. Every other column is kept (snake_case), the ZIP code dropped.
    """
    col = {normalize_header(c): c for c in frame.columns}
    if log.dayfirst is None:  # the export writes dates year first or month first (2020/3/18, 03/18/2020)
        log.dayfirst, log.dayfirst_how = False, "detected"

    def yes_no(key: str) -> pd.Series:
        if key not in col:
            return pd.Series(pd.NA, index=frame.index, dtype="boolean")
        text = as_text(frame[col[key]]).str.strip().str.lower()
        return text.map({"yes": True, "no": False}).astype("boolean")

    response = as_text(frame[col["companyresponsetoconsumer"]]).str.strip() if "companyresponsetoconsumer" in col \
        else pd.Series(pd.NA, index=frame.index, dtype="string")
    lowered = response.str.lower()
    resolved = lowered.map(lambda v: CFPB_RESOLVED.get(v, True) if isinstance(v, str) and v else None)
    renames = {"interaction_id": "complaintid", "date": "datereceived", "topic": "product",
               "text": "consumercomplaintnarrative", "agent": "company", "channel": "submittedvia"}
    out = pd.DataFrame({name: frame[col[key]] for name, key in renames.items() if key in col}, index=frame.index)
    out["customer_id"] = pd.Series(pd.NA, index=frame.index, dtype="string")
    out["kind"] = "complaint"
    out["resolved"] = resolved.astype("boolean")
    out["timely_response"] = yes_no("timelyresponse?")
    out["consumer_disputed"] = yes_no("consumerdisputed?")
    used = {col[k] for k in renames.values() if k in col} | {col.get("timelyresponse?"), col.get("consumerdisputed?")}
    for source in frame.columns:
        if source not in used and normalize_header(source) != "zipcode":
            out[snake_case(source).rstrip("_")] = frame[source]
        elif normalize_header(source) == "zipcode" and log.current is not None:
            log.current.not_used.append((f"column {source!r}",
                                         "a consumer's postal code: personal data no chapter uses"))
    if "datesenttocompany" in col:
        out = out.drop(columns=[snake_case(col["datesenttocompany"]).rstrip("_")], errors="ignore")
        out["sent_to_company"] = frame[col["datesenttocompany"]]
    sources = {name: col[key] for name, key in renames.items() if key in col}
    kinds = {"sent_to_company": "date", "consumer_disputed": "bool"}
    return {"interactions": _finish(out, "interactions", file, log, sources=sources,
                                    extra_kinds={k: v for k, v in kinds.items() if k in out})}


def _load_file(path: Path, log: _Log) -> CRMData:
    frame = _read_file(path, log)
    fmt = _format_of(frame, path)
    file = str(path)
    if fmt in ("cdnow", "cdnow_sample"):
        tables = _from_cdnow(frame, file, log, sample=fmt == "cdnow_sample")
    elif fmt.startswith("online_retail"):
        tables = _from_online_retail(frame, file, log)
    elif fmt.startswith("telco"):
        tables = _from_telco(frame, file, log)
    elif fmt == "cfpb_complaints":
        tables = _from_cfpb(frame, file, log)
    else:
        table = fmt.split(":", 1)[1]
        tables = {table: _canonical_table(frame, table, file, log)}
    label = KNOWN_FORMATS.get(fmt, KNOWN_FORMATS["canonical"]).split(" (")[0]
    return _result(log, **tables, source=f"{label}: {path.name}", source_files=dict.fromkeys(tables, file))
