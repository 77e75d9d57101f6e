"""Generating the teaching data chunk by chunk: :func:`generate` returns it in memory.
"""

from __future__ import annotations

from dataclasses import fields

import numpy as np
import pandas as pd

from crm_analysis.core.crmdata import CRMData, Truth
from crm_analysis.core.paths import TABLE_FILES
from crm_analysis.core.schema import REASON_CATEGORIES, TABLES
from crm_analysis.data.synth.activity import _exit_survey, _interactions, _Orders, _simulate, _transactions
from crm_analysis.data.synth.care import care_columns, plan_contacts
from crm_analysis.data.synth.defects import (
    _Chunk,
    _Counters,
    _customer_card,
    _defect_rows,
    _duplicates,
    _inject_customer_defects,
    _inject_transaction_defects,
)
from crm_analysis.data.synth.parameters import _CHUNK_SIZE, _ORPHAN_P, CHANNELS, DEFAULT_SEED, PRICE_RISE_DATE, SEGMENTS
from crm_analysis.data.synth.people import _days_to_dates, _draw_people, _ids, _typed


def _chunk(
    rng: np.random.Generator, n: int, start: pd.Timestamp, end_day: int, rise_day: int, counters: _Counters,
    extra: tuple[np.random.Generator, ...] | None = None,
) -> _Chunk:
    """Simulate ``n`` customers (plus a few deleted ones and duplicates) and build all their tables.

    ``extra`` holds the chunk's own streams of the columns added later (the care columns of the
    interactions, the blank statuses of the transactions, the planned contacts), so that every older column and
    row stays as it was.
    """
    extra = extra or (np.random.default_rng([0, 19]), np.random.default_rng([0, 14]), np.random.default_rng([0, 19, 2]))
    n_deleted = int(rng.binomial(n, _ORPHAN_P))
    total = n + n_deleted
    people = _draw_people(rng, total, end_day)
    orders, churn_day, reason = _simulate(rng, people, end_day, rise_day)
    deleted = np.zeros(total, dtype=bool)
    deleted[rng.choice(total, n_deleted, replace=False)] = True
    card = _customer_card(rng, people, start, end_day)
    src, dup = _duplicates(rng, card, people, end_day, deleted)

    # Number every record (people, deleted or not, and duplicates) in order of signup.
    signup = np.concatenate([people.signup, dup["signup_day"].to_numpy()])
    order = np.argsort(signup, kind="stable")
    rank = np.empty_like(order)
    rank[order] = np.arange(order.size)
    numbers = counters.customer + 1 + rank
    counters.customer += order.size
    ids = _ids("C", numbers, 7).astype(object)
    person_ids, dup_ids = ids[:total], ids[total:]

    card["customer_id"] = person_ids
    card["channel_idx"] = people.channel
    card["in_dup"] = np.isin(np.arange(total), src)
    card["number"] = numbers[:total]
    dup["customer_id"] = dup_ids
    dup["channel_idx"] = pd.Series(dup["acquisition_channel"]).map({c: i for i, c in enumerate(CHANNELS)}).to_numpy()
    dup["in_dup"] = True
    dup["number"] = numbers[total:]
    dup["original"] = person_ids[src]
    # Orders numbered by date, then customer.
    by_date = np.lexsort((numbers[orders.cust], orders.day))
    orders = _Orders(*(getattr(orders, f.name)[by_date] for f in fields(_Orders)))
    cust = pd.concat([card[~deleted], dup], ignore_index=True).sort_values("number", kind="stable")
    cust = cust.reset_index(drop=True)
    cust, found = _inject_customer_defects(rng, cust, start, end_day)
    first = counters.rows["customers"] + 2
    row = first + np.arange(len(cust))
    cid = cust["customer_id"].to_numpy(dtype=object)
    is_dup = cust["original"].notna().to_numpy()
    blocks = [_defect_rows("customers", cid[m], row[m], d, c) for m, d, c in found]
    blocks.append(_defect_rows("customers", cid[is_dup], row[is_dup], "duplicate_customer", "customer_id",
                               cust["original"].to_numpy(dtype=object)[is_dup]))  # fmt: skip
    cust_defects = pd.concat(blocks).sort_values(["source_row", "defect", "column"], kind="stable")
    customers = cust.assign(
        signup_date=_days_to_dates(start, cust["signup_day"].to_numpy()),
        updated_at=_days_to_dates(start, cust["updated_day"].to_numpy()),
    )[[f.name for f in TABLES["customers"] if f.name in _CARD_COLUMNS]]
    customers.index = pd.RangeIndex(first, first + len(customers), name="source_row")

    lines = _transactions(rng, people, orders, person_ids, start, end_day, rise_day, counters)
    transactions, tx_defects = _inject_transaction_defects(rng, lines, deleted, counters.rows["transactions"] + 2)
    transactions = transactions[[f.name for f in TABLES["transactions"]]]
    transactions = _blank_statuses(extra[1], transactions, tx_defects)

    churned = ~np.isnan(churn_day) & (churn_day <= end_day)
    inter = _interactions(rng, people, orders, ~deleted, np.where(churned, churn_day, np.nan), end_day, rise_day)
    inter = inter.assign(number=numbers[inter["cust"].to_numpy()])
    inter = inter.sort_values(["day", "number"], kind="stable").reset_index(drop=True)
    interactions = pd.DataFrame(
        {
            "interaction_id": _ids("I", counters.interaction + 1 + np.arange(len(inter)), 9).astype(object),
            "customer_id": person_ids[inter["cust"].to_numpy()],
            "date": _days_to_dates(start, inter["day"].to_numpy()),
            "kind": inter["kind"].to_numpy(dtype=object),
            "topic": inter["topic"].to_numpy(dtype=object),
            "satisfaction": inter["satisfaction"].to_numpy(),
            "resolved": inter["resolved"].to_numpy(dtype=object),
        }
    )
    care, truth_interactions = care_columns(extra[0], interactions.assign(order=inter["order"].to_numpy()),
                                            orders, people, rise_day)
    interactions = pd.concat([interactions, care], axis=1)
    # The contact plan (issue 19): appended after every older row, numbered after them, from its own stream; its
    # truth is as of the day after the period (what the chapters take as the analysis date by default).
    left = _days_to_dates(start, np.where(churned, churn_day, np.nan)[~deleted])
    planned, truth_plan = plan_contacts(extra[2], interactions, lines, person_ids[~deleted],
                                        start + pd.Timedelta(days=end_day + 1), pd.DatetimeIndex(left).to_numpy())
    planned.insert(0, "interaction_id", _ids("I", counters.interaction + len(inter) + 1 + np.arange(len(planned)),
                                             9).astype(object))
    interactions = pd.concat([interactions, planned], ignore_index=True)
    counters.interaction += len(interactions)
    interactions.index = pd.RangeIndex(len(interactions)) + counters.rows["interactions"] + 2

    survey = _exit_survey(rng, churned & ~deleted, reason, churn_day, end_day)
    survey = survey.assign(number=numbers[survey["cust"].to_numpy()]).sort_values(["day", "number"], kind="stable")
    exit_survey = pd.DataFrame(
        {
            "customer_id": person_ids[survey["cust"].to_numpy()],
            "date": _days_to_dates(start, survey["day"].to_numpy()),
            "reason_category": survey["reason_category"].to_numpy(dtype=object),
            "reason_text": survey["reason_text"].to_numpy(dtype=object),
        }
    )
    exit_survey.index = pd.RangeIndex(len(exit_survey)) + counters.rows["exit_survey"] + 2

    keep = np.flatnonzero(~deleted)
    keep = keep[np.argsort(numbers[keep], kind="stable")]
    truth_customers = pd.DataFrame(
        {
            "customer_id": person_ids[keep],
            "segment": np.array(SEGMENTS, dtype=object)[people.seg[keep]],
            "is_churned": churned[keep],
            "churn_date": _days_to_dates(start, np.where(churned, churn_day, np.nan)[keep]),
            "churn_reason": np.where(churned[keep], np.array(REASON_CATEGORIES, dtype=object)[reason[keep]], None),
        }
    )
    tables = {
        "customers": _typed(customers, "customers"),
        "transactions": _typed(transactions, "transactions"),
        "interactions": _typed(interactions, "interactions"),
        "exit_survey": _typed(exit_survey, "exit_survey"),
    }
    for name, table in tables.items():
        table.index.name = "source_row"
        counters.rows[name] += len(table)
    defects = pd.concat([cust_defects, tx_defects], ignore_index=True)
    defects["column"] = defects["column"].replace("", None)
    return _Chunk(tables, _typed(truth_customers, "customers", truth=True), _typed(defects, "defects", truth=True),
                  _typed(truth_interactions, "interactions", truth=True), _typed(truth_plan, "care_plan", truth=True))


def _blank_statuses(rng: np.random.Generator, transactions: pd.DataFrame, defects: pd.DataFrame) -> pd.DataFrame:
    """Leave the status cell blank on :data:`_BLANK_STATUS_P` of the clean completed and returned lines (an
    export that drops it now and then, issue 14): the sign of the amount still tells a purchase from a return.

    Lines with an injected defect and both copies of a line imported twice keep their status, so every
    injected defect stays as it was; cancelled lines keep theirs (the sign cannot tell them).
    """
    status, amount = transactions["status"], transactions["amount"]
    eligible = (((status == "completed") & (amount > 0)) | ((status == "returned") & (amount < 0))).to_numpy(
        dtype=bool, copy=True)
    eligible &= ~transactions.index.isin(defects.loc[defects["table"] == "transactions", "source_row"])
    eligible &= ~transactions.duplicated(keep=False).to_numpy(dtype=bool)
    blank = eligible & (rng.random(len(transactions)) < _BLANK_STATUS_P)
    return transactions.assign(status=status.mask(blank))


#: Share of the clean completed and returned transaction lines left without a status (issue 14).
_BLANK_STATUS_P = 0.025

_CARD_COLUMNS = (
    "customer_id", "name", "gender", "birth_date", "phone", "email", "city", "region", "customer_type",
    "industry", "acquisition_channel", "signup_date", "updated_at", "marketing_consent",
)  # fmt: skip




def _period(start: str, end: str) -> tuple[pd.Timestamp, int, int]:
    """Start timestamp, last day number and price-rise day number of the period."""
    t0, t1 = pd.Timestamp(start).normalize(), pd.Timestamp(end).normalize()
    if t1 <= t0 + pd.Timedelta(days=60):
        raise ValueError(f"end ({end}) must be at least 60 days after start ({start})")
    rise = pd.Timestamp(PRICE_RISE_DATE)
    if not t0 < rise < t1:
        rise = t0 + (t1 - t0) / 2
    return t0, (t1 - t0).days, (rise.normalize() - t0).days


def _chunks(n_customers: int, seed: int, chunk_size: int, start: str, end: str):
    """Yield the chunks of a dataset; chunk ``i`` uses the ``i``-th child of ``SeedSequence(seed)``."""
    if n_customers < 1:
        raise ValueError(f"n_customers must be at least 1, not {n_customers}")
    if chunk_size < 1:
        raise ValueError(f"chunk_size must be at least 1, not {chunk_size}")
    t0, end_day, rise_day = _period(start, end)
    sizes = [min(chunk_size, n_customers - i) for i in range(0, n_customers, chunk_size)]
    counters = _Counters()
    for i, (child, size) in enumerate(zip(np.random.SeedSequence(seed).spawn(len(sizes)), sizes, strict=True)):
        extra = (np.random.default_rng([seed, 19, i]), np.random.default_rng([seed, 14, i]),
                 np.random.default_rng([seed, 19, 2, i]))
        yield _chunk(np.random.default_rng(child), size, t0, end_day, rise_day, counters, extra)


def _source(seed: int) -> str:
    return f"teaching (generated, seed={seed})"


def generate(
    n_customers: int = 5000, *, seed: int = DEFAULT_SEED, start: str = "2023-01-01", end: str = "2025-12-31"
) -> CRMData:
    """Generate the teaching dataset in memory, with its ground truth.

    The result is what reading the files of :func:`generate_to_dir` (same
    arguments) back gives: canonical dtypes, each table indexed by
    ``source_row`` as in the written CSV.

    Parameters
    ----------
    n_customers : int
        Number of real customers (rows of ``truth.customers``). The customer
        table also holds duplicate records; a few deleted customers leave
        orphan transactions.
    seed : int
        Seed of ``numpy.random.SeedSequence``; the same seed gives the same data.
    start, end : str
        First and last day of the period (ISO dates).

    Returns
    -------
    CRMData
        customers, transactions, interactions, exit_survey and ``truth``.

    Raises
    ------
    ValueError
        If ``n_customers`` < 1 or the period is shorter than 60 days.

    Examples
    --------
    >>> data = generate(300, seed=7)
    >>> len(data.truth.customers)
    300
    >>> data.truth.defects.columns.tolist()
    ['table', 'record_id', 'source_row', 'defect', 'column', 'detail']
    """
    chunks = list(_chunks(n_customers, seed, _CHUNK_SIZE, start, end))
    tables = {name: pd.concat([c.tables[name] for c in chunks]) for name in TABLE_FILES}
    truth = Truth(
        customers=pd.concat([c.truth_customers for c in chunks], ignore_index=True),
        defects=pd.concat([c.defects for c in chunks], ignore_index=True),
        interactions=pd.concat([c.truth_interactions for c in chunks], ignore_index=True),
        care_plan=pd.concat([c.truth_care_plan for c in chunks], ignore_index=True),
    )
    return CRMData(**tables, truth=truth, source=_source(seed))
