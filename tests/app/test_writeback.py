"""Write-back of run results into the CRM database (crm_analysis.app.writeback), on SQLite and PostgreSQL."""

from __future__ import annotations

import pandas as pd
import pytest
import sqlalchemy as sa

from crm_analysis.app.writeback import read_results, write_back
from crm_analysis.core.errors import CRMDataError


def _results(seed: int, n: int = 300) -> pd.DataFrame:
    rng = pd.Series(range(n)).sample(frac=1, random_state=seed).to_numpy()
    return pd.DataFrame({
        "rfm_segment": pd.Series(["champions", "at risk", "lost"])[rng % 3].to_numpy(),
        "abc_tier": pd.Series(["A", "B", "C"])[(rng // 3) % 3].to_numpy(),
        "cluster": rng % 4, "churn_probability": rng / n, "clv": rng * 1.5,
        "p_alive": pd.array([None if i % 7 == 0 else 1 - i / n for i in rng], dtype="Float64"),
    }, index=pd.Index([f"C{i:05d}" for i in range(n)], name="customer_id"))


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'crm.db'}"
    url = request.getfixturevalue("postgresql_url")
    engine = sa.create_engine(url)
    with engine.begin() as connection:  # a fresh schema per test
        connection.execute(sa.text("DROP TABLE IF EXISTS crm_customer_results, crm_runs"))
    return url


def test_two_runs_a_failed_third_and_an_idempotent_rerun(database: str) -> None:
    first, second = _results(1), _results(2)
    assert write_back(database, run_id="2025-11-30", status="ok", results=first, as_of="2025-11-30",
                      started="2025-12-01 02:00", finished="2025-12-01 02:10", parameters={"lang": "zh"}) == 300
    assert write_back(database, run_id="2025-12-31", status="ok", results=second, as_of="2025-12-31",
                      started="2026-01-01 02:00", finished="2026-01-01 02:10") == 300
    assert write_back(database, run_id="2026-01-31", status="failed", results=second, error="chapter 03 failed",
                      started="2026-02-01 02:00", finished="2026-02-01 02:01") == 0
    # re-running the second run replaces its rows
    write_back(database, run_id="2025-12-31", status="ok", results=second.iloc[:100], finished="2026-01-01 03:00")
    got = read_results(database)
    assert got.groupby("run_id").size().to_dict() == {"2025-11-30": 300, "2025-12-31": 100}
    back = got[got["run_id"] == "2025-11-30"].set_index("customer_id")
    assert back["rfm_segment"].tolist() == first["rfm_segment"].tolist()
    assert back["clv"].tolist() == pytest.approx(first["clv"].tolist())
    assert back["p_alive"].isna().sum() == first["p_alive"].isna().sum() > 0
    with sa.create_engine(database).connect() as connection:
        runs = pd.read_sql_query("SELECT run_id, status, error, parameters FROM crm_runs ORDER BY run_id", connection)
    assert runs["status"].tolist() == ["ok", "ok", "failed"]
    assert runs["error"].tolist()[2] == "chapter 03 failed" and runs["parameters"][0] == '{"lang": "zh"}'
    assert read_results(database, status="failed").empty  # the failed run left no results


def test_a_failing_write_leaves_nothing_and_hides_the_password(database: str) -> None:
    doubled = pd.concat([_results(3, 10), _results(3, 10)])  # duplicate customer ids: the insert fails
    write_back(database, run_id="r1", status="ok", results=_results(4, 10))
    with pytest.raises(CRMDataError, match="write-back of run 'r1' failed, nothing written") as error:
        write_back(database, run_id="r1", status="ok", results=doubled, error=None)
    assert "Tr0ub4dor" not in str(error.value)
    assert len(read_results(database)) == 10  # the earlier rows of r1 are still there: one transaction


def test_personal_data_is_refused(tmp_path) -> None:
    leaking = _results(5, 3).assign(phone="13812345678")
    with pytest.raises(CRMDataError, match=r"refuses personal data: column\(s\) phone"):
        write_back(f"sqlite:///{tmp_path / 'x.db'}", run_id="r", status="ok", results=leaking)
