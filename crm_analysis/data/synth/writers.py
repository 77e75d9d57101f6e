"""Writing the teaching data to a folder (CSV or Parquet) or a SQLite database, chunk by chunk for any size.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
from tqdm.auto import tqdm

from crm_analysis.core.crmdata import CRMData
from crm_analysis.core.paths import TABLE_FILES, TRUTH_FILES, TRUTH_SUBDIR
from crm_analysis.core.schema import TABLES, TRUTH_TABLES
from crm_analysis.data.synth.generator import _chunks
from crm_analysis.data.synth.parameters import _CHUNK_SIZE, DEFAULT_SEED


def _date_text(column: pd.Series) -> pd.Series:
    """ISO dates as text, with the time to the minute when the column has times of day (``responded_at``)."""
    timed = (column.dropna() != column.dropna().dt.normalize()).any()
    return column.dt.strftime("%Y-%m-%d %H:%M" if timed else "%Y-%m-%d")


class _Sink:
    """Appends table chunks to CSV or Parquet files, or to the tables of one SQLite database."""

    def __init__(self, out_dir: str | Path, fmt: str) -> None:
        if fmt not in ("csv", "parquet", "sqlite"):
            raise ValueError(f"fmt must be 'csv', 'parquet' or 'sqlite', not {fmt!r}")
        self.dir = Path(out_dir)
        self.fmt = fmt
        self.started: set[str] = set()
        self.writers: dict[str, object] = {}
        self.db: sqlite3.Connection | None = None
        if fmt == "sqlite":
            # One database file: the canonical tables (with their source_row) and truth_customers, truth_defects.
            self.dir.parent.mkdir(parents=True, exist_ok=True)
            self.dir.unlink(missing_ok=True)
            self.db = sqlite3.connect(self.dir)
            return
        (self.dir / TRUTH_SUBDIR).mkdir(parents=True, exist_ok=True)

    def path(self, key: str) -> Path:
        kind, name = key.split("/")
        rel = TABLE_FILES[name] if kind == "tables" else f"{TRUTH_SUBDIR}/{TRUTH_FILES[name]}"
        return self.dir / (rel if self.fmt == "csv" else rel.removesuffix(".csv") + ".parquet")

    def write(self, key: str, frame: pd.DataFrame) -> None:
        if self.db is not None:
            kind, name = key.split("/")
            # ISO dates as text, as in the CSV files (SQLite has no date type).
            text = frame.apply(lambda c: _date_text(c) if pd.api.types.is_datetime64_any_dtype(c) else c)
            text.to_sql(name if kind == "tables" else f"truth_{name}", self.db, if_exists="append",
                        index=kind == "tables", index_label="source_row")
            self.started.add(key)
            return
        path = self.path(key)
        if self.fmt == "csv":
            mode = "a" if key in self.started else "w"
            timed = [c for c in frame.columns if pd.api.types.is_datetime64_any_dtype(frame[c])
                     and (frame[c].dropna() != frame[c].dropna().dt.normalize()).any()]
            frame = frame.assign(**{c: _date_text(frame[c]) for c in timed})
            with open(path, mode, encoding="utf-8", newline="") as handle:
                frame.to_csv(handle, header=mode == "w", index=False, date_format="%Y-%m-%d", lineterminator="\n")
        else:
            spec = TRUTH_TABLES if key.startswith("truth") else TABLES
            # Dates in microseconds: Spark cannot read nanosecond Parquet timestamps.
            arrow = {"string": pa.string(), "category": pa.string(), "date": pa.timestamp("us"),
                     "float": pa.float64(), "int": pa.int64(), "bool": pa.bool_()}  # fmt: skip
            kinds = {f.name: f.kind for f in spec[key.split("/")[1]]}
            schema = pa.schema([(c, arrow[kinds[c]]) for c in frame.columns])
            if key not in self.writers:
                self.writers[key] = pq.ParquetWriter(path, schema)
            self.writers[key].write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False))
        self.started.add(key)

    def write_data(self, tables: dict[str, pd.DataFrame], truth_customers, defects, truth_interactions=None,
                   truth_care_plan=None) -> None:
        for name, table in tables.items():
            self.write(f"tables/{name}", table)
        self.write("truth/customers", truth_customers)
        self.write("truth/defects", defects)
        if truth_interactions is not None:
            self.write("truth/interactions", truth_interactions)
        if truth_care_plan is not None:
            self.write("truth/care_plan", truth_care_plan)

    def close(self) -> None:
        for writer in self.writers.values():
            writer.close()
        if self.db is not None:
            keys = {"customers": ["customer_id"], "transactions": ["customer_id", "order_date", "order_id"],
                    "interactions": ["customer_id", "date"], "exit_survey": ["customer_id"],
                    "truth_customers": ["customer_id"]}
            present = {r[0] for r in self.db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            for table, columns in keys.items():
                for column in columns if table in present else []:
                    self.db.execute(f"CREATE INDEX IF NOT EXISTS ix_{table}_{column} ON {table} ({column})")
            self.db.commit()
            self.db.close()
            self.db = None


def write_dataset(data: CRMData, out_dir: str | Path, *, fmt: str = "csv") -> Path:
    """Write a generated dataset as a canonical folder with its truth.

    Parameters
    ----------
    data : CRMData
        A dataset from :func:`generate` (the four tables and ``truth``).
    out_dir : str or Path
        Folder to write; created if needed. Files are named as in
        :data:`crm_analysis.core.paths.TABLE_FILES` and, under ``truth/``,
        :data:`crm_analysis.core.paths.TRUTH_FILES`.
    fmt : {"csv", "parquet", "sqlite"}
        CSV (UTF-8, ISO dates, no index column) or Parquet (same names, ``.parquet``); ``"sqlite"``
        writes one SQLite database file ``out_dir`` with the canonical tables (and their ``source_row``),
        ``truth_customers`` and ``truth_defects``, indexed on the keys.

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    ValueError
        If ``fmt`` is unknown or ``data`` has no truth.

    Examples
    --------
    >>> import tempfile
    >>> from crm_analysis.data.synth import generate
    >>> out = write_dataset(generate(100, seed=3), tempfile.mkdtemp())
    >>> sorted(p.name for p in out.glob("*.csv"))
    ['customers.csv', 'exit_survey.csv', 'interactions.csv', 'transactions.csv']
    """
    if data.truth is None:
        raise ValueError("write_dataset needs a generated dataset with truth (data.truth is None)")
    sink = _Sink(out_dir, fmt)
    try:
        sink.write_data(data.tables(), data.truth.customers, data.truth.defects, data.truth.interactions,
                        data.truth.care_plan)
    finally:
        sink.close()
    return Path(out_dir)


def generate_to_dir(
    out_dir: str | Path,
    *,
    n_customers: int = 5000,
    seed: int = DEFAULT_SEED,
    fmt: str = "csv",
    chunk_size: int = _CHUNK_SIZE,
    start: str = "2023-01-01",
    end: str = "2025-12-31",
    progress: bool = False,
) -> Path:
    """Generate a dataset chunk by chunk straight into files, with bounded memory.

    Customers are simulated in chunks of ``chunk_size``; chunk ``i`` draws from
    the ``i``-th child of ``numpy.random.SeedSequence(seed)``. Ids and source
    rows keep counting across chunks. With the default ``chunk_size`` the files
    equal ``write_dataset(generate(n_customers, seed=seed), out_dir)``. The
    committed teaching data is ``generate_to_dir(paths.TEACHING_DIR)``.

    Parameters
    ----------
    out_dir : str or Path
        Folder to write (created if needed; files in it are replaced).
    n_customers, seed, start, end
        As in :func:`generate`.
    fmt : {"csv", "parquet", "sqlite"}
        Output format (``"sqlite"``: ``out_dir`` is the database file, see :func:`write_dataset`).
    chunk_size : int
        Customers per chunk (memory grows with it).
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    Path
        ``out_dir``.

    Raises
    ------
    ValueError
        For a bad ``fmt``, ``n_customers``, ``chunk_size`` or period.

    Examples
    --------
    >>> import tempfile
    >>> out = generate_to_dir(tempfile.mkdtemp(), n_customers=120, chunk_size=50, seed=5)
    >>> (out / "truth" / "customers.csv").read_text(encoding="utf-8").count("\\n")
    121
    """
    sink = _Sink(out_dir, fmt)
    chunks = _chunks(n_customers, seed, chunk_size, start, end)
    bar = None
    if progress:
        bar = tqdm(total=n_customers, unit="customers", desc="generating")
    try:
        for chunk in chunks:
            sink.write_data(chunk.tables, chunk.truth_customers, chunk.defects, chunk.truth_interactions,
                            chunk.truth_care_plan)
            if bar is not None:
                bar.update(len(chunk.truth_customers))
    finally:
        sink.close()
        if bar is not None:
            bar.close()
    return Path(out_dir)
