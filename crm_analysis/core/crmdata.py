"""`CRMData`: the canonical tables of one data source, carried through the chapters."""

from __future__ import annotations

from dataclasses import dataclass, field, fields, replace

import pandas as pd

from crm_analysis.core.schema import TABLE_NAMES


@dataclass
class Truth:
    """Ground truth that only generated (teaching) data has.

    Attributes
    ----------
    customers : pandas.DataFrame
        customer_id, segment, is_churned, churn_date, churn_reason.
    defects : pandas.DataFrame
        table, record_id, source_row, defect, column, detail.
    """

    customers: pd.DataFrame
    defects: pd.DataFrame


@dataclass
class CRMData:
    """The canonical tables of one source.

    Tables a source does not have are ``None``. After :func:`crm_analysis.clean`,
    ``quarantine`` lists every rejected row (table, source_row, reason) and
    ``issues`` every field value that cleaning changed or blanked.

    Attributes
    ----------
    customers, transactions, interactions, exit_survey : pandas.DataFrame or None
        Canonical tables, indexed by ``source_row``.
    truth : Truth or None
        Ground truth for generated data; ``None`` for real data.
    source : str
        Human-readable description of where the data came from.
    source_files : dict
        Table name to the file it was read from (for error messages and reports).
    quarantine : pandas.DataFrame or None
        Rows rejected by cleaning, with a readable reason (None before cleaning).
    issues : pandas.DataFrame or None
        Field-level fixes made by cleaning (None before cleaning).
    rows_in : dict
        Rows read per table, before cleaning.

    Examples
    --------
    >>> import pandas as pd
    >>> data = CRMData(transactions=pd.DataFrame({"customer_id": ["C1"]}))
    >>> data.present()
    ['transactions']
    """

    customers: pd.DataFrame | None = None
    transactions: pd.DataFrame | None = None
    interactions: pd.DataFrame | None = None
    exit_survey: pd.DataFrame | None = None
    truth: Truth | None = None
    source: str = ""
    source_files: dict[str, str] = field(default_factory=dict)
    quarantine: pd.DataFrame | None = None
    issues: pd.DataFrame | None = None
    rows_in: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.customers is None and self.transactions is None:
            raise ValueError("CRMData needs at least a customers or a transactions table")
        if not self.rows_in:
            self.rows_in = {name: len(t) for name, t in self.tables().items()}

    def tables(self) -> dict[str, pd.DataFrame]:
        """The tables present, by canonical name."""
        return {name: getattr(self, name) for name in TABLE_NAMES if getattr(self, name) is not None}

    def present(self) -> list[str]:
        """Names of the tables present, in canonical order."""
        return list(self.tables())

    def with_tables(self, **tables: pd.DataFrame | None) -> CRMData:
        """A copy with some tables (or other attributes) replaced."""
        return replace(self, **tables)

    def __repr__(self) -> str:
        parts = [f"{name}={len(t):,} rows" for name, t in self.tables().items()]
        extra = " +truth" if self.truth is not None else ""
        cleaned = f", quarantined={len(self.quarantine):,}" if self.quarantine is not None else ""
        return f"CRMData({self.source!r}: {', '.join(parts)}{extra}{cleaned})"


__all__ = ["CRMData", "Truth", "fields"]
