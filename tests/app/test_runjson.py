"""crm_analysis.app.runjson: the run record (data hash, versions, run.json)."""

from __future__ import annotations

import json
from pathlib import Path

from crm_analysis.app.runjson import ChapterResult, RunResult, hash_data, write_run_json


def test_hash_data_of_a_folder_depends_on_names_and_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes(b"1\n")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.csv").write_bytes(b"2\n")
    (tmp_path / ".hidden").write_bytes(b"ignored")
    first = hash_data(tmp_path)
    (tmp_path / ".hidden").write_bytes(b"still ignored")
    assert hash_data(tmp_path) == first
    (tmp_path / "sub" / "b.csv").write_bytes(b"3\n")
    assert hash_data(tmp_path) != first
    (tmp_path / "sub" / "b.csv").write_bytes(b"2\n")
    assert hash_data(tmp_path) == first
    (tmp_path / "a.csv").rename(tmp_path / "c.csv")
    assert hash_data(tmp_path) != first


def test_run_json_lists_chapters_with_paths_relative_to_the_run(tmp_path: Path) -> None:
    chapter = ChapterResult("01_a", Path("/nb/01_a.ipynb"), tmp_path / "01_a.ipynb", html=tmp_path / "01_a.html",
                            status="failed", seconds=1.23456, error="ValueError: x")
    result = RunResult(out_dir=tmp_path, chapters=[chapter])
    record = json.loads(write_run_json(result, {"ok": False}).read_text(encoding="utf-8"))
    assert result.failed == [chapter] and result.run_json == tmp_path / "run.json"
    assert record["chapters"] == [{"name": "01_a", "notebook": "01_a.ipynb", "html": "01_a.html",
                                   "source": "/nb/01_a.ipynb", "status": "failed", "seconds": 1.235,
                                   "error": "ValueError: x", "traceback": None}]
