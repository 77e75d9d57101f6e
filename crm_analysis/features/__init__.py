"""The one customer-feature layer: transaction lines -> one row per customer.

Every chapter takes its customer summary (:func:`rfm_summary`) and customer features
(:func:`customer_features`) from here, computed with pandas, DuckDB or Spark.
"""

from crm_analysis.features.pandas_engine import TIME_UNITS, age_band, customer_features, rfm_summary

__all__ = ["TIME_UNITS", "age_band", "customer_features", "rfm_summary"]
