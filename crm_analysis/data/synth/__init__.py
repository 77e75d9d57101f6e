"""Generate the teaching dataset: a simulated CRM with known ground truth.

The embedded default dataset of the workbook (``data/teaching/``) is made here,
so that every method of the later chapters (data-quality checks, duplicate
detection, clustering, churn-reason inference, customer-value models) can be
scored against the truth that produced the data.

The generative story
--------------------
*Customers and segments.* ``n_customers`` people sign up between ``start`` and
``end`` (half of them in the first third of the period). Each belongs to one of
five latent segments (:data:`SEGMENTS`): ``loyal_high_value``, ``regular``,
``bargain_hunter``, ``one_off`` and ``business`` (business accounts with an
``industry`` and large orders; a few ``regular`` customers are small businesses
too). Segments differ in purchase rate, spend, dropout probability, product
category mix, return and complaint rates, price sensitivity, acquisition and
sales channel (:data:`SEGMENT_PARAMETERS`). Individual parameters are drawn
from segment-level distributions (gamma for purchase rate and spend, beta for
dropout, return and complaint probabilities, Dirichlet for the category mix),
so the segments overlap as real ones do.

*Buy till you die.* The first order follows signup within days. While a
customer is alive, orders arrive as a Poisson process (exponential gaps with the
customer's own rate). After each order the customer may drop out, through
competing causes that are checked in this order of precedence:

1. ``service``: the order led to a complaint that was not resolved
   (dropout probability 0.55);
2. ``quality``: the order was returned (0.30);
3. ``price``: the customer is price sensitive and the order came after the
   price rise of :data:`PRICE_RISE_DATE` (amounts are 15 % higher from then on)
   (0.15 per order);
4. a background cause with the customer's own base probability ``p_i``; its
   reason is ``no_longer_needed`` for most one-off buyers and otherwise one of
   ``competitor``, ``relocation``, ``no_longer_needed``, ``other``.

The dropout date (``truth.customers.churn_date``) lies 10–40 days after the last
event of the last order (the order itself, its complaint or its return), and
``is_churned`` is true when that date is on or before ``end``. Price-sensitive
customers ask about prices and, after the rise, leave price feedback, so price
sensitivity can be observed in the interactions; unresolved complaints and
returns are visible in the interactions and transactions.

*Tables.* Transactions have one to four lines per order (category, quantity,
amount, sales channel); a return is a separate line with the order's id, a
negative quantity and amount and status ``returned``; about 2 % of orders are
cancelled. Interactions (客户日志) hold inquiries, complaints (with ``topic``
and ``resolved``), price feedback, visits and care calls, with a satisfaction
score on some (low after an unresolved complaint); inquiries and complaints also carry a channel, an agent
and response (and, resolved complaints, resolution) times, most complaints a Chinese or English text about
their true topic (:mod:`crm_analysis.data.synth.care`, its own random stream; truth in
``truth.interactions``). About 2.5 % of the clean completed and returned transaction lines have no status
(their own stream too). The exit survey is answered
by about a third of the churned customers, 3–30 days after churn; its category
is the true reason with probability 0.8 (sometimes blank), its text a short
phrase in Chinese or English.

*Data-quality defects* are injected into the customer card (客户资料卡) at rates
that depend on the acquisition channel (:func:`expected_defect_rates`): blanked
fields, invalid phones, e-mails and birth dates, stale records, city/region
mismatches and duplicate customers; into transactions: orphan lines (customers
deleted from the customer table), duplicated lines and returns booked as
completed. Every injected defect is one row of ``truth.defects``; nothing else
is missing or invalid, so the truth is complete.

Ground truth: ``truth.customers`` has one row per real customer (duplicate
records are not customers: they appear in ``truth.defects`` with the id of their
original in ``detail``); ``truth.defects`` has one row per injected defect.

*Reproducibility and scale.* Customers are simulated in chunks (100,000 by
default); chunk ``i`` draws from the ``i``-th child of
``numpy.random.SeedSequence(seed)``, so the same seed gives byte-identical
files. Within a chunk the simulation is vectorised over customers and loops
over purchase rounds only; :func:`generate_to_dir` appends chunk after chunk to
the files, so a million customers take about a minute and stay under ~1.2 GB.

Examples
--------
>>> data = generate(200, seed=1)
>>> sorted(data.truth.customers["segment"].unique())[:2]
['bargain_hunter', 'business']
>>> int(data.customers.index[0])
2

The package: :mod:`~.parameters` (every knob of the simulation), :mod:`~.people` (who the
customers are), :mod:`~.activity` (purchases, interactions, churn, exit survey), :mod:`~.defects`
(injected data-quality defects and their truth), :mod:`~.generator` (:func:`generate`, chunk by
chunk) and :mod:`~.writers` (:func:`write_dataset`, :func:`generate_to_dir`).
"""

from __future__ import annotations

from crm_analysis.data.synth.defects import expected_defect_rates
from crm_analysis.data.synth.generator import generate
from crm_analysis.data.synth.parameters import (
    CATEGORIES,
    CHANNEL_QUALITY,
    CHANNELS,
    CITY_REGION,
    DEFAULT_SEED,
    INDUSTRIES,
    PRICE_RISE_DATE,
    PRICE_RISE_FACTOR,
    SALES_CHANNELS,
    SEGMENT_PARAMETERS,
    SEGMENTS,
)
from crm_analysis.data.synth.writers import generate_to_dir, write_dataset

__all__ = [
    "CATEGORIES",
    "CHANNELS",
    "CHANNEL_QUALITY",
    "CITY_REGION",
    "DEFAULT_SEED",
    "INDUSTRIES",
    "PRICE_RISE_DATE",
    "PRICE_RISE_FACTOR",
    "SALES_CHANNELS",
    "SEGMENTS",
    "SEGMENT_PARAMETERS",
    "expected_defect_rates",
    "generate",
    "generate_to_dir",
    "write_dataset",
]
