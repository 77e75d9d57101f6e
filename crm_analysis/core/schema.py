"""The canonical CRM data model: tables, columns and their contracts.

Every source (the teaching data, CDNOW, Online Retail, Telco, a folder of the
user's own files) is mapped onto these four tables. Each column is described
once here; ``data/README.md`` documents the same fields for readers, and
:func:`contract` turns them into pandera schemas that the loaders and the
cleaning step enforce.

Row identity: every loaded table is indexed by ``source_row``, the 1-based line
number in the source file counting the header as line 1 (the number a person
sees in an editor or spreadsheet). Cleaning keeps that index, and the quarantine
refers to it, so any rejected row can be found again in the original file.

Examples
--------
>>> [f.name for f in TABLES["exit_survey"]]
['customer_id', 'date', 'reason_category', 'reason_text']
>>> required_columns("transactions")
['customer_id', 'order_date', 'amount']
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import pandas as pd

# pandera imports pyspark.pandas when pyspark (our optional Spark extra) is installed, and that
# warns about pandas 3 on every import; this project never uses pyspark.pandas.
warnings.filterwarnings("ignore", message="PySpark does not yet fully support pandas", category=FutureWarning)
import pandera.pandas as pa  # noqa: E402


@dataclass(frozen=True)
class Field:
    """One column of a canonical table.

    Attributes
    ----------
    name : str
        Column name in the canonical table.
    kind : str
        One of ``string``, ``category``, ``date``, ``float``, ``int``, ``bool``.
    required : bool
        Whether a source must provide the column (after mapping).
    meaning : str
        What the column holds, in plain words.
    example : str
        A typical value.
    allowed : tuple of str, optional
        The permitted values of a ``category`` column.
    """

    name: str
    kind: str
    required: bool
    meaning: str
    example: str
    allowed: tuple[str, ...] | None = None


ACQUISITION_CHANNELS = (
    "store_visit",
    "phone",
    "web_form",
    "referral",
    "trade_show",
    "purchased_list",
    "social_media",
    "other",
)
TRANSACTION_STATUSES = ("completed", "returned", "cancelled")
CUSTOMER_TYPES = ("individual", "business")
GENDERS = ("female", "male", "other")
INTERACTION_KINDS = ("inquiry", "complaint", "visit", "care_call", "feedback", "other")
REASON_CATEGORIES = (
    "price",
    "service",
    "quality",
    "competitor",
    "relocation",
    "no_longer_needed",
    "other",
)

TABLES: dict[str, tuple[Field, ...]] = {
    "customers": (
        Field("customer_id", "string", True, "Unique customer key", "C000123"),
        Field("name", "string", False, "Full name (personal data)", "Zhang Wei"),
        Field("gender", "category", False, "Gender", "female", GENDERS),
        Field("birth_date", "date", False, "Date of birth", "1985-04-12"),
        Field("phone", "string", False, "Phone number (personal data)", "13812345678"),
        Field("email", "string", False, "E-mail address (personal data)", "wei@example.com"),
        Field("city", "string", False, "City", "Shanghai"),
        Field("region", "string", False, "Region the city belongs to", "East"),
        Field("customer_type", "category", False, "Individual or business", "individual", CUSTOMER_TYPES),
        Field("industry", "string", False, "Industry of a business customer", "retail"),
        Field(
            "acquisition_channel",
            "category",
            False,
            "Channel through which the customer information was collected (客户来源渠道)",
            "web_form",
            ACQUISITION_CHANNELS,
        ),
        Field("signup_date", "date", False, "Date the customer was first recorded", "2023-02-01"),
        Field("updated_at", "date", False, "Date the record was last reviewed or updated", "2025-06-30"),
        Field("marketing_consent", "bool", False, "Customer agreed to marketing contact", "true"),
        Field("contract", "string", False, "Contract type (contractual businesses)", "Month-to-month"),
        Field("tenure_months", "float", False, "Months as a customer (contractual)", "24"),
        Field("monthly_charges", "float", False, "Current monthly charge (contractual)", "70.35"),
        Field("total_charges", "float", False, "Total charged to date (contractual)", "1397.48"),
        Field("churned", "bool", False, "Customer has left (explicit churn flag)", "false"),
    ),
    "transactions": (
        Field("order_id", "string", False, "Order or invoice key; generated when the source has none", "O0004521"),
        Field("customer_id", "string", True, "Customer who placed the order", "C000123"),
        Field("order_date", "date", True, "Date (and time, if known) of the order", "2024-03-18"),
        Field("product_category", "string", False, "Product category of the line", "home"),
        Field("quantity", "float", False, "Units on the line (negative for returns)", "2"),
        Field("amount", "float", True, "Line value in the reporting currency (negative for returns)", "59.90"),
        Field("sales_channel", "string", False, "Where the order was placed", "online"),
        Field("status", "category", False, "completed, returned or cancelled", "completed", TRANSACTION_STATUSES),
    ),
    "interactions": (
        Field("interaction_id", "string", False, "Interaction key; generated when absent", "I000981"),
        Field("customer_id", "string", False,
              "Customer concerned; missing when the source does not link contacts to customers "
              "(e.g. a public complaints register)", "C000123"),
        Field("date", "date", True, "Date (and time) the contact came in", "2024-05-02 09:30"),
        Field("kind", "category", True, "Kind of contact", "complaint", INTERACTION_KINDS),
        Field("topic", "string", False, "What the contact was about", "delivery"),
        Field("satisfaction", "float", False, "Satisfaction score 1 (worst) to 5 (best)", "4"),
        Field("resolved", "bool", False, "Whether the matter was resolved", "true"),
        Field("channel", "string", False, "How the contact came in or was made", "phone"),
        Field("responded_at", "date", False, "Date and time of the first response", "2024-05-02 14:10"),
        Field("resolved_at", "date", False, "Date and time the matter was resolved", "2024-05-04 11:00"),
        Field("agent", "string", False, "Who handled it (agent, team, or the company answering)", "team_3"),
        Field("text", "string", False, "Free text of the contact, in any language", "快递一周还没到"),
        Field("timely_response", "bool", False,
              "The source's own verdict that the response met its standard", "true"),
    ),
    "exit_survey": (
        Field("customer_id", "string", True, "Customer who left", "C000123"),
        Field("date", "date", False, "Date of the answer (some exports have none)", "2025-01-15"),
        Field("reason_category", "category", False, "Stated reason category", "price", REASON_CATEGORIES),
        Field("reason_text", "string", False, "Stated reason in the customer's words (any language)", "太贵了"),
    ),
}

TRUTH_TABLES: dict[str, tuple[Field, ...]] = {
    "customers": (
        Field("customer_id", "string", True, "Customer key", "C000123"),
        Field("segment", "string", True, "Latent segment the customer was drawn from", "loyal_high_value"),
        Field("is_churned", "bool", True, "Customer dropped out before the end of the data", "true"),
        Field("churn_date", "date", False, "Date of dropout", "2024-11-02"),
        Field("churn_reason", "category", False, "True reason, in the exit-survey words", "service", REASON_CATEGORIES),
    ),
    "defects": (
        Field("table", "string", True, "Table holding the defective record", "customers"),
        Field("record_id", "string", True, "customer_id or order_id of the record", "C000456"),
        Field("source_row", "int", True, "Row of the record in the table's CSV (header = 1)", "458"),
        Field("defect", "string", True, "Injected defect code", "invalid_phone"),
        Field("column", "string", False, "Affected column", "phone"),
        Field("detail", "string", False, "Extra detail, e.g. the original of a duplicate", "C000012"),
    ),
    "interactions": (
        Field("interaction_id", "string", True, "The inquiry or complaint (interactions.interaction_id)", "I000000042"),
        Field("response_hours", "float", False, "True hours from the start of the contact's day to the first "
              "response", "9.25"),
        Field("resolution_hours", "float", False, "True hours from the start of the contact's day to the "
              "resolution (resolved complaints only)", "41.5"),
        Field("true_topic", "string", False, "Topic the complaint's text was written about (it differs from "
              "the recorded topic for about 10 % of complaints)", "delivery"),
        Field("kept_effect_180d", "float", False, "Complaints: change in the probability of a completed "
              "purchase within 180 days after the complaint caused by it staying unresolved (0 if resolved; "
              "resolution time has no effect)", "-0.31"),
    ),
    "care_plan": (
        Field("customer_id", "string", True, "Customer key", "C000123"),
        Field("plan_tier", "string", True, "ABC tier of net spend before as_of: the contact plan the generator "
              "followed (A every 30 days, B every 90, C every 365)", "A"),
        Field("in_plan", "bool", True, "A completed purchase within 365 days before as_of", "true"),
        Field("on_time_p", "float", True, "Known probability that the tier's last planned contact was on time",
              "0.8"),
        Field("last_planned_contact", "date", False, "Last visit or care call before as_of", "2025-12-02"),
        Field("as_of", "date", True, "The analysis date of this truth", "2025-12-31"),
    ),
}

TABLE_NAMES = tuple(TABLES)
PII_COLUMNS = ("name", "phone", "email")

PANDERA_DTYPES = {
    "string": "string",
    "category": "string",
    "date": "datetime64[ns]",
    "float": "Float64",
    "int": "Int64",
    "bool": "boolean",
}


def fields(table: str) -> tuple[Field, ...]:
    """Return the canonical fields of ``table``.

    Raises
    ------
    KeyError
        If ``table`` is not a canonical table name.

    Examples
    --------
    >>> fields("interactions")[0].name
    'interaction_id'
    """
    if table not in TABLES:
        raise KeyError(f"unknown table {table!r}; canonical tables are {', '.join(TABLES)}")
    return TABLES[table]


def required_columns(table: str) -> list[str]:
    """Names of the columns a source must provide for ``table``.

    Examples
    --------
    >>> required_columns("customers")
    ['customer_id']
    """
    return [f.name for f in fields(table) if f.required]


def column_kinds(table: str) -> dict[str, str]:
    """Map each canonical column of ``table`` to its kind.

    Examples
    --------
    >>> column_kinds("exit_survey")["date"]
    'date'
    """
    return {f.name: f.kind for f in fields(table)}


def contract(table: str, *, stage: str = "clean") -> pa.DataFrameSchema:
    """The pandera contract a canonical table must meet.

    Parameters
    ----------
    table : str
        Canonical table name.
    stage : {"loaded", "clean"}
        ``loaded`` checks that required columns exist and that typed columns
        hold the canonical dtypes (values may still be invalid or missing).
        ``clean`` adds what cleaning guarantees: required values present,
        categories within their allowed set, satisfaction within 1–5.

    Returns
    -------
    pandera.pandas.DataFrameSchema
        Extra columns are allowed (they are kept as attributes).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"customer_id": ["C1"], "date": pd.to_datetime(["2024-01-01"]),
    ...                    "reason_category": ["price"], "reason_text": ["too dear"]})
    >>> df = df.astype({"customer_id": "string", "reason_category": "string", "reason_text": "string"})
    >>> len(contract("exit_survey").validate(df))
    1
    """
    if stage not in ("loaded", "clean"):
        raise ValueError(f"stage must be 'loaded' or 'clean', not {stage!r}")
    strict = stage == "clean"
    columns = {}
    for f in fields(table):
        checks = []
        if strict and f.allowed is not None:
            checks.append(pa.Check.isin(list(f.allowed)))
        if strict and f.name == "satisfaction":
            checks.append(pa.Check.in_range(1, 5))
        columns[f.name] = pa.Column(
            PANDERA_DTYPES[f.kind],
            checks=checks,
            nullable=not (strict and f.required),
            required=f.required,
            coerce=False,
        )
    return pa.DataFrameSchema(columns, strict=False, name=f"{table} ({stage})")


def empty_table(table: str) -> pd.DataFrame:
    """An empty DataFrame with every canonical column of ``table`` and its dtype.

    Examples
    --------
    >>> list(empty_table("exit_survey").dtypes.astype(str))
    ['string', 'datetime64[ns]', 'string', 'string']
    """
    frame = pd.DataFrame({f.name: pd.Series(dtype=PANDERA_DTYPES[f.kind]) for f in fields(table)})
    frame.index.name = "source_row"
    return frame


def markdown_reference() -> str:
    """Render the data model as Markdown tables (the body of ``data/README.md``).

    Examples
    --------
    >>> "| customer_id | text | required |" in markdown_reference()
    True
    """
    kind_words = {"string": "text", "category": "category", "date": "date", "float": "number",
                  "int": "integer", "bool": "true/false"}
    lines: list[str] = []
    for title, tables in (("Canonical tables", TABLES), ("Ground truth (teaching data only)", TRUTH_TABLES)):
        lines.append(f"## {title}\n")
        for table, table_fields in tables.items():
            lines += [f"### `{table}`\n", "| column | type | required | meaning | example |", "|---|---|---|---|---|"]
            for f in table_fields:
                meaning = f.meaning + (f" (one of: {', '.join(f.allowed)})" if f.allowed else "")
                need = "required" if f.required else "optional"
                lines.append(f"| {f.name} | {kind_words[f.kind]} | {need} | {meaning} | `{f.example}` |")
            lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":  # print the reference tables for data/README.md
    print(markdown_reference())
