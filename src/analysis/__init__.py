"""Provincial digital-transformation monitoring for Viet Nam.

The subpackages follow the data flow:
``reference`` (catalog, provinces, names) -> ``data`` (ingest: read -> validate -> normalize ->
harmonize; the DuckDB store; demo and published data) -> ``analyses`` (comparison, forecasting,
the month's cached results) -> notebooks -> ``reporting`` (briefing content, charts, messages,
HTML/PDF rendering) -> ``running`` (parameters, the runner, kernels). ``paths`` builds every
path, ``cli`` is the command line, ``forecast`` is the public forecast API.
"""

__version__ = "0.1.0"
