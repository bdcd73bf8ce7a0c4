"""Analyses of a period: comparison across provinces (``compare``), forecasts to each target's
deadline (``forecasting``), and the month's results computed once and cached (``monthly``)."""
