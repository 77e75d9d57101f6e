"""Chapters 2-4 run by the runner on an export without the optional ``status`` column (issue 14).

tests/fixtures/no_status_export.csv: 30 customers, 485 lines, ``order_id, customer_id, order_date,
amount`` only (12 negative lines). Every line counts by its sign, so every customer is in every
per-customer table and chapters 2 and 4 run (chapter 3 states that 30 customers are too few to train
a churn model, and still runs).
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from crm_analysis.app import cli

pytestmark = pytest.mark.slow

EXPORT = Path(__file__).parents[1] / "fixtures" / "no_status_export.csv"


@pytest.fixture(scope="module")
def run(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("no_status") / "run"
    code = cli.main(["run", "--data", str(EXPORT), "--out", str(out), "--chapters", "02,03,04", "--quiet"])
    assert code == 0
    return out


def test_every_chapter_ran(run: Path) -> None:
    record = json.loads((run / "run.json").read_text(encoding="utf-8"))
    assert {c["name"]: c["status"] for c in record["chapters"]} == {
        "02_segmentation": "ok", "03_churn_reasons": "ok", "04_customer_value": "ok"}


@pytest.mark.parametrize("table", ["segments", "customer_value"])
def test_every_customer_in_the_per_customer_tables(run: Path, table: str) -> None:
    frame = pd.read_csv(run / "tables" / f"{table}.csv", dtype={"customer_id": str})
    assert len(frame) == 30 and frame["customer_id"].nunique() == 30
    raw = pd.read_csv(EXPORT)
    assert set(frame["customer_id"]) == set(raw["customer_id"])


def test_segment_revenue_is_the_net_of_the_signed_lines(run: Path) -> None:
    segments = pd.read_csv(run / "tables" / "segments.csv", dtype={"customer_id": str}).set_index("customer_id")
    truth = pd.read_csv(EXPORT).groupby("customer_id")["amount"].sum()
    assert (segments["monetary"] - truth.reindex(segments.index)).abs().max() < 0.005
