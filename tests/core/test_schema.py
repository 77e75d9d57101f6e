"""The data model: contracts and its documentation."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pandera.pandas as pa
import pytest

from crm_analysis.core import schema

ROOT = Path(__file__).resolve().parents[2]


def test_data_readme_documents_every_column_as_the_schema_defines_it():
    readme = (ROOT / "data" / "README.md").read_text(encoding="utf-8")
    assert schema.markdown_reference() in readme


@pytest.mark.parametrize("table", schema.TABLE_NAMES)
def test_empty_tables_meet_both_contracts(table):
    frame = schema.empty_table(table)
    for stage in ("loaded", "clean"):
        schema.contract(table, stage=stage).validate(frame)


def test_clean_contract_rejects_a_category_outside_the_allowed_set():
    frame = schema.empty_table("transactions").astype({"order_id": "string"})
    row = pd.DataFrame(
        {"customer_id": ["C1"], "order_date": pd.to_datetime(["2024-01-01"]).astype("datetime64[ns]"),
         "amount": pd.array([10.0], dtype="Float64"), "status": ["shipped"]}
    ).astype({"customer_id": "string", "status": "string"})
    frame = pd.concat([frame, row], ignore_index=True)
    schema.contract("transactions", stage="loaded").validate(frame)
    with pytest.raises(pa.errors.SchemaError, match="isin"):
        schema.contract("transactions", stage="clean").validate(frame)


def test_loaded_contract_requires_required_columns():
    frame = schema.empty_table("transactions").drop(columns=["amount"])
    with pytest.raises(pa.errors.SchemaError, match="amount"):
        schema.contract("transactions", stage="loaded").validate(frame)


def test_unknown_table_is_named_in_the_error():
    with pytest.raises(KeyError, match="orders"):
        schema.fields("orders")
