"""The records to fix (需要修正的记录), one row each, personal data masked."""

from __future__ import annotations

import pandas as pd

from crm_analysis.core.crmdata import CRMData
from crm_analysis.data.privacy import mask_pii
from crm_analysis.quality.findings import QualityChecks, _dimension_of


def fix_list(data: CRMData, checks: QualityChecks, *, show_pii: bool = False) -> pd.DataFrame:
    """The records to fix (需要修正的记录), one row each, with every reason; personal data masked.

    Parameters
    ----------
    data : CRMData
        The tables as collected (``chapter.loaded``): the fix list names their rows.
    checks : QualityChecks
        Result of :func:`~crm_analysis.quality.run_checks` on ``data``.
    show_pii : bool, default False
        Show raw names, phones and e-mails (only for the data owner).

    Returns
    -------
    pandas.DataFrame
        table, source_row, record_id, problems (number), checks, reasons, and for customers
        name, phone, email (masked unless ``show_pii``); most problems first. Cancelled orders
        are information, not errors, and are left out.

    Examples
    --------
    >>> from crm_analysis.quality import run_checks
    >>> c = pd.DataFrame({"customer_id": ["C1"], "name": ["Li Na"], "phone": ["12345"]},
    ...                  index=pd.Index([2], name="source_row"))
    >>> fix_list(CRMData(customers=c), run_checks(CRMData(customers=c), as_of="2025-01-01"))[
    ...     ["record_id", "checks", "name", "phone"]]
      record_id         checks   name  phone
    0        C1  invalid_phone  L* N*  ***45
    """
    found = checks.findings[_dimension_of(checks.findings) != "information"]
    columns = ["table", "source_row", "record_id", "problems", "checks", "reasons"]
    if found.empty:
        return pd.DataFrame(columns=[*columns, "name", "phone", "email"])
    # String sums instead of per-group Python joins: Online Retail has 140,000 records to fix.
    keys = ["table", "source_row"]
    found = found.assign(reason=found["check"] + ": " + found["detail"].fillna("") + "; ")
    grouped = found.groupby(keys, sort=False)
    out = grouped.agg(record_id=("record_id", "first"), problems=("check", "size"),
                      reasons=("reason", "sum"))
    names = found.drop_duplicates([*keys, "check"]).assign(check=lambda f: f["check"] + ", ")
    out["checks"] = names.groupby(keys, sort=False)["check"].sum().str[:-2]
    out["reasons"] = out["reasons"].str[:-2]
    out = out.reset_index()[columns]
    if data.customers is not None:
        pii = [c for c in ("name", "phone", "email") if c in data.customers]
        contact = data.customers[pii].astype("string")
        is_customer = out["table"] == "customers"
        for column in pii:
            out[column] = pd.Series(pd.NA, index=out.index, dtype="string")
            out.loc[is_customer, column] = contact[column].reindex(out.loc[is_customer, "source_row"]).to_numpy()
    out = mask_pii(out, show_pii=show_pii)
    return out.sort_values(["problems", "table", "source_row"], ascending=[False, True, True]).reset_index(drop=True)
