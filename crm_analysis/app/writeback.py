"""Writing a run's results back into the CRM database (``crm-analysis run --write-back``).

Two tables, created if missing, under a table prefix (default ``crm_``) and optional schema:

- ``<prefix>runs``: run id, as-of date, data hash, parameters (JSON), status, error, started, finished;
- ``<prefix>customer_results``: run id, customer id, RFM scores and segment, ABC tier, cluster, churn
  probability, churn reason, P(alive), CLV, value tier, service level (columns a run did not produce
  stay NULL).

One transaction per run: the run's earlier rows (same run id) are replaced, so re-running is idempotent,
and other runs are kept, so the database holds each customer's history. A failed run writes its
``runs`` row with the failure and no results. No personal data is written: only ids and scores.
PostgreSQL rows go through ``COPY`` (psycopg 3), other databases through ``executemany`` batches.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa

from crm_analysis.core import handoff
from crm_analysis.core.errors import CRMDataError
from crm_analysis.data.sql import (
    MAPPING_ENV,
    PASSWORD_ENV,
    RESULT_COLUMNS,
    is_sql_url,
    make_engine,
    mask_url,
    read_results,
    result_tables,
    split_password,
)

#: Columns that would carry personal data; refused in the results.
PERSONAL = ("name", "phone", "email", "id_number", "birth_date", "address")


def _rows(results: pd.DataFrame, run_id: str) -> list[tuple[Any, ...]]:
    leaked = [c for c in results.columns if c in PERSONAL]
    if leaked:
        raise CRMDataError(f"write-back refuses personal data: column(s) {', '.join(leaked)} (only ids and scores)")
    frame = results.reindex(columns=list(RESULT_COLUMNS)).astype(object)
    frame = frame.where(frame.notna(), None)
    ids = results.index.astype("string")
    return [(run_id, str(c), *values) for c, values in zip(ids, frame.itertuples(index=False, name=None),
                                                           strict=True)]


def _copy_rows(connection: sa.Connection, table: sa.Table, rows: list[tuple[Any, ...]]) -> None:
    """PostgreSQL ``COPY ... FROM STDIN`` through psycopg 3 (the fast path for a million rows)."""
    raw = connection.connection.driver_connection
    name = f'"{table.schema}"."{table.name}"' if table.schema else f'"{table.name}"'
    columns = ", ".join(f'"{c.name}"' for c in table.columns)
    with raw.cursor() as cursor, cursor.copy(f"COPY {name} ({columns}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)


def write_back(
    url: str,
    *,
    run_id: str,
    status: str,
    results: pd.DataFrame | None = None,
    as_of: Any = None,
    data_sha256: str | None = None,
    parameters: Mapping[str, Any] | None = None,
    started: Any = None,
    finished: Any = None,
    error: str | None = None,
    prefix: str = "crm_",
    schema: str | None = None,
    batch_size: int = 50_000,
) -> int:
    """Write one run's row and its customer results in one transaction; returns the result rows written.

    Parameters
    ----------
    url : str
        SQLAlchemy URL of the database (the password is never shown: :func:`~crm_analysis.data.sql.mask_url`).
    run_id : str
        The run's id; its earlier rows are replaced (idempotent).
    status : {"ok", "failed"}
        A failed run writes its ``runs`` row (with ``error``) and no results.
    results : pandas.DataFrame, optional
        Indexed by customer id, with any of :data:`RESULT_COLUMNS` (others NULL). Personal-data
        columns (:data:`PERSONAL`) raise.
    as_of, data_sha256, parameters, started, finished, error
        What ``run.json`` records of the run.
    prefix, schema : str
        Table prefix and database schema (PostgreSQL; created if missing).
    batch_size : int
        Rows per ``executemany`` batch (databases other than PostgreSQL).

    Returns
    -------
    int
        Result rows written (0 for a failed run).

    Raises
    ------
    CRMDataError
        Unknown status, personal data in ``results``, or a database error (URL masked).

    Examples
    --------
    >>> import tempfile, os
    >>> url = "sqlite:///" + os.path.join(tempfile.mkdtemp(), "crm.db")
    >>> res = pd.DataFrame({"rfm_segment": ["champions"], "clv": [120.5]}, index=pd.Index(["C1"], name="customer_id"))
    >>> write_back(url, run_id="r1", status="ok", results=res, as_of="2025-12-31")
    1
    >>> write_back(url, run_id="r1", status="ok", results=res)  # the same run again: replaced, not doubled
    1
    >>> read_results(url)[["run_id", "customer_id", "rfm_segment", "clv"]].values.tolist()
    [['r1', 'C1', 'champions', 120.5]]
    """
    if status not in ("ok", "failed"):
        raise CRMDataError(f"write-back status must be 'ok' or 'failed', not {status!r}")
    rows = _rows(results, run_id) if status == "ok" and results is not None else []
    runs, table = result_tables(prefix, schema)
    engine = make_engine(url)
    try:
        with engine.begin() as connection:
            if schema and engine.dialect.name == "postgresql":
                connection.execute(sa.text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            runs.metadata.create_all(connection)
            connection.execute(table.delete().where(table.c.run_id == run_id))
            connection.execute(runs.delete().where(runs.c.run_id == run_id))
            connection.execute(runs.insert().values(
                run_id=run_id, as_of=pd.Timestamp(as_of).date() if as_of is not None else None,
                data_sha256=data_sha256, parameters=json.dumps(dict(parameters or {}), default=str, sort_keys=True),
                status=status, error=error, started=pd.Timestamp(started).to_pydatetime() if started else None,
                finished=pd.Timestamp(finished).to_pydatetime() if finished else None))
            if rows and engine.dialect.name == "postgresql":
                _copy_rows(connection, table, rows)
            else:
                names = [c.name for c in table.columns]
                for start in range(0, len(rows), batch_size):
                    connection.execute(table.insert(), [dict(zip(names, r, strict=True))
                                                        for r in rows[start:start + batch_size]])
    except (sa.exc.SQLAlchemyError, engine.dialect.loaded_dbapi.Error) as failure:  # COPY raises the driver's
        reason = str(getattr(failure, "orig", None) or failure).splitlines()[0]
        raise CRMDataError(f"{mask_url(url)}: write-back of run {run_id!r} failed, nothing written ({reason})") \
            from None
    finally:
        engine.dispose()
    return len(rows)


def database_source(source: str, mapping: str | Path | None = None) -> str:
    """For ``crm-analysis run --data <url>``: the URL without its password, the password and the mapping file
    passed to the chapters through the environment (:data:`~crm_analysis.data.sql.PASSWORD_ENV`,
    :data:`~crm_analysis.data.sql.MAPPING_ENV`), so no notebook parameter, ``run.json`` or log holds them.
    Any other source is returned as it is.

    Examples
    --------
    >>> database_source("teaching")
    'teaching'
    >>> database_source("postgresql+psycopg://ana:s3cret@db/crm"), os.environ.pop(PASSWORD_ENV)
    ('postgresql+psycopg://ana@db/crm', 's3cret')
    """
    if not is_sql_url(source):
        return source
    url, password = split_password(source)
    if password is not None:
        os.environ[PASSWORD_ENV] = password
    if mapping is not None:
        os.environ[MAPPING_ENV] = str(Path(mapping).expanduser().resolve())
    return url


def _rfm_digits(segments: pd.DataFrame) -> pd.DataFrame:
    """``r_score``, ``f_score``, ``m_score`` from chapter 2's three-digit ``rfm_score`` (``"545"``)."""
    score = segments["rfm_score"].astype("string") if "rfm_score" in segments else None
    if score is None:
        return segments
    digits = score.str.extract(r"^([1-9])([1-9])([1-9])$")
    out = segments.copy()
    for i, name in enumerate(("r_score", "f_score", "m_score")):
        out[name] = pd.to_numeric(digits[i]).astype("Int64")
    return out


def _churn_reasons(scores: pd.DataFrame) -> pd.DataFrame:
    """``churn_reason`` and ``churn_reason_source`` from chapter 3's scores: a lost customer's reason category as
    stated in the exit survey or inferred (``reason_source``), an active customer's first reason code (``code``)."""
    out = scores.copy()
    if "inferred_reason" not in out or "reason_source" not in out:
        return out
    lost = out["inferred_reason"].notna()
    first_code = out["reason_1"].astype("string") if "reason_1" in out else pd.Series(pd.NA, index=out.index,
                                                                                     dtype="string")
    out["churn_reason"] = out["inferred_reason"].astype("string").where(lost, first_code)
    source = out["reason_source"].astype("string").where(lost, "code")
    out["churn_reason_source"] = source.where(out["churn_reason"].notna())
    return out


def run_results(run_dir: str | Path, source: str) -> pd.DataFrame | None:
    """The per-customer results the chapters of a run handed on, joined on customer id; None when no chapter
    published any.

    From the hand-off (:mod:`crm_analysis.core.handoff`): chapter 2's ``segments`` (``rfm_segment``, ``abc_tier``,
    ``cluster``; ``r_score``, ``f_score``, ``m_score`` are the digits of its ``rfm_score``), chapter 3's
    ``churn_scores`` (``churn_probability``; ``churn_reason`` is a lost customer's reason category with
    ``churn_reason_source`` ``stated`` (exit survey) or ``inferred``, an active customer's first reason code with
    source ``code``) and chapter 4's ``customer_value`` (``clv``, ``p_alive``, ``value_tier``, ``service_level``).
    Columns of a chapter that did not run stay missing (NULL in the database).

    Parameters
    ----------
    run_dir : str or Path
        The run folder.
    source : str
        The run's data source (the hand-off refuses artefacts of another source).

    Returns
    -------
    pandas.DataFrame or None
        Indexed by customer id, the :data:`RESULT_COLUMNS` present.

    Examples
    --------
    >>> import tempfile
    >>> run = tempfile.mkdtemp()
    >>> run_results(run, "teaching") is None
    True
    >>> seg = pd.DataFrame({"rfm_segment": ["champions"], "abc_tier": ["A"], "cluster": [2], "cluster_name": ["big"],
    ...                     "rfm_score": ["545"]}, index=pd.Index(["C1"], name="customer_id"))
    >>> _ = handoff.publish(seg, "segments", run, source="teaching")
    >>> run_results(run, "teaching")[["r_score", "f_score", "m_score", "rfm_segment"]].values.tolist()
    [[5, 4, 5, 'champions']]
    """
    fixes = {"segments": _rfm_digits, "churn_scores": _churn_reasons}
    parts = [fixes.get(name, lambda frame: frame)(fetched.frame)
             for name in ("segments", "churn_scores", "customer_value")
             if (fetched := handoff.fetch(name, run_dir, source=source)).available]
    if not parts:
        return None
    joined = pd.concat(parts, axis=1, join="outer")
    return joined[[c for c in RESULT_COLUMNS if c in joined.columns]]


def _effective_as_of(record: Mapping[str, Any], run_dir: Path) -> Any:
    """The run's as-of date: ``--as-of``, else the date the chapters used (``summary.json``)."""
    if record.get("as_of"):
        return record["as_of"]
    try:
        return json.loads((run_dir / "summary.json").read_text(encoding="utf-8")).get("as_of")
    except (OSError, ValueError):
        return None


def write_back_run(url: str, run_json: str | Path, *, prefix: str = "crm_", schema: str | None = None) -> int:
    """Write a finished run (its ``run.json`` and hand-off results) back into the database at ``url``.

    The run id is the run folder's name; a run with a failed chapter writes only its ``runs`` row
    (status ``failed``, the failed chapters as the error).

    Returns
    -------
    int
        Result rows written.
    """
    record = json.loads(Path(run_json).read_text(encoding="utf-8"))
    run_dir = Path(run_json).parent
    failed = record.get("failed") or record.get("not_run")
    results = run_results(run_dir, f"database {mask_url(url)}")
    parameters = {k: v for k, v in record.get("parameters", {}).items() if k not in ("output_dir",)}
    return write_back(
        url, run_id=run_dir.name, status="failed" if failed or not record.get("ok") else "ok", results=results,
        as_of=_effective_as_of(record, run_dir), data_sha256=record.get("data_sha256"), parameters=parameters,
        started=record.get("started"), finished=record.get("finished"),
        error=f"chapter(s) failed or not run: {', '.join(failed)}" if failed else None, prefix=prefix, schema=schema,
    )


__all__ = ["PERSONAL", "RESULT_COLUMNS", "database_source", "read_results", "result_tables", "run_results",
           "write_back", "write_back_run"]
