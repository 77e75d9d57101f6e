"""Chapter 3 on the real files in ../shared/data (Telco samples, Online Retail); skipped when absent.

These read the shared folder only here, in tests; the project never reads it at run time.
"""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pandas as pd
import pytest

papermill = pytest.importorskip("papermill")
ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "03_churn_reasons.ipynb"

SHARED = ROOT.parent / "shared" / "data"
SOURCES = {
    "telco_plain": SHARED / "samples" / "telco_churn_sample.csv",
    "telco_extended": SHARED / "samples" / "telco_churn_extended_sample.xlsx",
    "telco_status": SHARED / "samples" / "telco_churn_status_sample.csv",
    "online_retail": SHARED / "uci-online-retail" / "online_retail.csv.gz",
}

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SHARED.is_dir(), reason="../shared/data is not present next to the project"),
]


def execute(out_dir: Path, **parameters) -> nbformat.NotebookNode:
    """Run the chapter into ``out_dir`` (the kernel imports this checkout even when not installed)."""
    env_path = os.environ.get("PYTHONPATH", "")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env_path) if p)
    try:
        papermill.execute_notebook(
            str(NOTEBOOK), str(out_dir / NOTEBOOK.name), cwd=str(NOTEBOOK.parent),
            parameters={"output_dir": str(out_dir), **parameters}, kernel_name="python3", progress_bar=False,
        )
    finally:
        os.environ["PYTHONPATH"] = env_path
    return nbformat.read(out_dir / NOTEBOOK.name, as_version=4)


@pytest.mark.parametrize("name", list(SOURCES))
def test_chapter_completes_on_real_file(name, tmp_path):
    source = SOURCES[name]
    if not source.exists():
        pytest.skip(f"{source} is absent")
    nb = execute(tmp_path, data_source=str(source), price_rise_date=None)
    notes = " ".join(o.get("data", {}).get("text/markdown", "") for c in nb.cells if c.cell_type == "code"
                     for o in c.outputs)
    tables = tmp_path / "tables"
    if name.startswith("telco"):
        assert "No revenue bridge" in notes  # contractual snapshot: visible note
        reasons = pd.read_csv(tables / "churn_reasons.csv")
        assert reasons["customers"].sum() > 30
        if name != "telco_plain":  # these carry stated reasons
            assert "stated" in set(reasons["source"])
    else:
        bridge = pd.read_csv(tables / "revenue_bridge.csv").set_index("component")["amount"]
        assert round(bridge.iloc[:-1].sum() - bridge["end"], 2) == 0
        assert "cannot be checked" in notes  # no truth, no survey
        metrics = pd.read_csv(tables / "churn_model_metrics.csv")
        assert (metrics["roc_auc"] > 0.6).all()
