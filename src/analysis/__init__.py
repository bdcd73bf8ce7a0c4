"""Provincial digital-transformation monitoring for Viet Nam.

Data flows through modules named after the stages:
``ingest`` (read -> validate -> normalize -> harmonize) -> ``store`` (DuckDB + Parquet)
-> ``compare`` and ``forecast`` (computed once per period) -> notebooks -> ``render``
-> ``runner`` (the monthly fan-out). ``catalog`` and ``geography`` hold the reference data.
"""

__version__ = "0.1.0"
