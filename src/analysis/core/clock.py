"""Today's date, the one clock every stage asks (pinnable for reproducible runs and tests)."""

from __future__ import annotations

import datetime as dt
import os


def today() -> dt.date:
    """Today's date; ``VNDX_TODAY`` (YYYY-MM-DD) pins it for reproducible runs and tests."""
    pinned = os.environ.get("VNDX_TODAY")
    return dt.date.fromisoformat(pinned) if pinned else dt.date.today()
