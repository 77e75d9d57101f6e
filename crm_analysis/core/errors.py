"""Errors raised for bad input data."""

from __future__ import annotations


class CRMDataError(ValueError):
    """Input data cannot be read or mapped; the message names the file, the column and example rows."""
