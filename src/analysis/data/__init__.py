"""Data in: reading, validating, normalizing and harmonizing inputs (``ingest``), the DuckDB
store they are written to (``store``), the synthetic demo data (``demo``) and the real published
figures (``published``)."""
