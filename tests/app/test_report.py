"""crm_analysis.app.report: what every chapter starts from."""

from __future__ import annotations

import pandas as pd

from crm_analysis.app import report
from crm_analysis.core import handoff, i18n
from crm_analysis.data import privacy
from crm_analysis.data.cleaning import clean


def test_prepare_keeps_the_loaded_tables_only_when_asked():
    kept = report.prepare("teaching")
    lean = report.prepare("teaching", keep_loaded=False)
    assert lean.loaded is None
    assert kept.loaded is not None and len(kept.loaded.transactions) >= len(kept.clean.transactions)
    pd.testing.assert_frame_equal(lean.clean.transactions, kept.clean.transactions)
    assert lean.as_of == kept.as_of == report.resolve_as_of(kept.clean)


def test_prepare_reads_the_tables_kept_for_the_run_and_loads_itself_otherwise(tmp_path, teaching_data):
    alone = report.prepare("teaching", run_dir=tmp_path)
    assert not alone.shared
    # What the runner keeps: marked so that reading it back is visible in the result.
    kept_clean = clean(teaching_data)
    kept_clean.source = "kept by the runner"
    handoff.save_data(tmp_path, "teaching", teaching_data, kept_clean)
    shared = report.prepare("teaching", run_dir=tmp_path)
    assert shared.shared and shared.clean.source == "kept by the runner"
    pd.testing.assert_frame_equal(shared.clean.transactions, alone.clean.transactions)
    pd.testing.assert_frame_equal(shared.loaded.customers, alone.loaded.customers)
    assert shared.as_of == alone.as_of
    lean = report.prepare("teaching", keep_loaded=False, run_dir=tmp_path)
    assert lean.shared and lean.loaded is None
    other = report.prepare("cdnow_sample", run_dir=tmp_path)  # kept tables of another source are not used
    assert not other.shared and other.clean.customers is None


def test_the_data_note_is_in_the_catalogue():
    assert i18n._(report.SHARED_DATA_NOTE, "zh") != report.SHARED_DATA_NOTE
    assert i18n._(report.OWN_DATA_NOTE, "zh") != report.OWN_DATA_NOTE


def test_save_table_follows_the_runs_show_pii_unless_told(tmp_path, monkeypatch):
    """`-p show_pii True` reaches the saved tables through the one setting the runner gives its kernels."""
    monkeypatch.setenv(privacy.PSEUDONYM_KEY_ENV, "k")
    frame = pd.DataFrame({"customer_id": ["13812345678"], "note": ["mail li@example.com"]})

    def saved(env, **kwargs):
        monkeypatch.setenv(privacy.SHOW_PII_ENV, env)
        return pd.read_csv(report.save_table(frame, "t", tmp_path, **kwargs), dtype=str).iloc[0].tolist()

    assert saved("1") == ["13812345678", "mail li@example.com"]
    assert saved("0") == [privacy.pseudonym_map(["13812345678"], key="k")["pseudonym"][0], "mail l***@example.com"]
    assert saved("1", show_pii=False)[0].startswith("c_") and saved("0", show_pii=True)[0] == "13812345678"
