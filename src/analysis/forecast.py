"""The forecast API where users reach it: ``analysis.forecast.forecast_to_deadline``.

The engine lives in :mod:`analysis.analyses.forecasting`; this name is the same module object,
so ``from analysis.forecast import forecast_to_deadline, forecast_pooled, forecast_batch`` and
``analysis.forecast.<anything>`` keep working.
"""

import sys

from analysis.analyses import forecasting

sys.modules[__name__] = forecasting
