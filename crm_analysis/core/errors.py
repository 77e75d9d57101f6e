"""Errors raised for bad input data."""

from __future__ import annotations


class CRMDataError(ValueError):
    """Input data cannot be read or mapped; the message names the file, the column and example rows."""


class TooLittleData(CRMDataError):
    """The data is valid but too small (or too uniform) for a method; the message says what cannot be
    computed, why, and from what size it works.

    A chapter that raises it is not failed: the runner records it as ``"skipped"`` from that point,
    shows the message to the reader as a note, and the run's exit code stays 0.

    Examples
    --------
    >>> raise TooLittleData("1 customer: the models need at least 20")
    Traceback (most recent call last):
    ...
    crm_analysis.core.errors.TooLittleData: 1 customer: the models need at least 20
    """
