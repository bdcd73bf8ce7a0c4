"""Labels and number/date formatting for reports, in Vietnamese (default) and English.

Every label a report shows comes from one catalog, ``messages.yml`` beside this module::

    >>> t("status.on_track", "en")
    'On track'
    >>> t("kpi.rank", rank=3, of=34)
    'hạng 3/34'

Numbers, percentages, periods and dates are formatted with Babel, which carries the CLDR locale
data (vi_VN: ``1.899.673`` and ``45,03``; en_GB: ``1,899,673`` and ``45.03``), so no separator is
hand-written here. Two deliberate departures from plain CLDR patterns:

- rounding is *half up* (``45,025`` → ``45,03``), the rule readers of official tables expect;
  Babel's default is half-even;
- Vietnamese periods are written the way government documents write them (``tháng 10/2026``),
  not CLDR's ``Tháng 10 2026``.

Missing values (``None``, ``NaN``, ``pd.NA``, ``NaT``) format as an em dash ``—``.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
import string
import unicodedata
from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import lru_cache
from pathlib import Path
from typing import Any, Literal

import yaml
from babel.dates import format_date as _babel_format_date
from babel.numbers import format_decimal as _babel_format_decimal

from analysis.core.periods import to_period

Lang = Literal["vi", "en"]

LANGS: tuple[Lang, ...] = ("vi", "en")
"""Languages every message must have, default first."""

DEFAULT_LANG: Lang = "vi"

LOCALES: dict[str, str] = {"vi": "vi_VN", "en": "en_GB"}
"""Babel locale per language. en_GB, not en_US, for day-first dates ("31 December 2026")."""

MISSING = "—"
"""What a missing value formats as (U+2014 EM DASH)."""

TIMEZONE = "Asia/Ho_Chi_Minh"
"""Timezone that timezone-aware datetimes are shown in."""

CATALOG_PATH = Path(__file__).resolve().parent / "messages.yml"

# --------------------------------------------------------------------------------------------
# Catalog
# --------------------------------------------------------------------------------------------


def normalize_lang(lang: str | None) -> Lang:
    """Map ``"vi"``, ``"vi-VN"``, ``"vi_VN"``, ``"EN"``, ``None`` … to ``"vi"`` or ``"en"``.

    Raises
    ------
    ValueError
        For a language the reports do not support.
    """
    if lang is None:
        return DEFAULT_LANG
    code = str(lang).strip().replace("_", "-").split("-")[0].lower()
    if code not in LANGS:
        raise ValueError(f"unsupported report language {lang!r}; use one of {LANGS}")
    return code


def _is_leaf(node: Mapping[Any, Any]) -> bool:
    return bool(node) and all(isinstance(k, str) and k in LANGS for k in node)


def _flatten(node: Mapping[Any, Any], prefix: str, out: dict[str, dict[str, str]]) -> None:
    for key, value in node.items():
        if not isinstance(key, str):  # YAML 1.1 reads unquoted yes/no/on/off as booleans
            raise ValueError(
                f"message key {key!r} under {prefix or '<root>'!r} is not a string "
                "(YAML reads unquoted yes/no/on/off as booleans: rename or quote it)"
            )
        path = f"{prefix}.{key}" if prefix else key
        if not isinstance(value, Mapping):
            raise ValueError(f"message {path!r} must map languages to text, got {value!r}")
        if _is_leaf(value):
            texts = {}
            for lang, text in value.items():
                if text is None:
                    continue
                if not isinstance(text, str):
                    raise ValueError(f"message {path!r} [{lang}] is not text: {text!r}")
                texts[lang] = text
            out[path] = texts
        else:
            _flatten(value, path, out)


@lru_cache(maxsize=1)
def catalog() -> dict[str, dict[str, str]]:
    """All messages, flattened: ``{"status.on_track": {"vi": ..., "en": ...}, ...}``.

    Loaded once per process; :func:`reload_catalog` drops the cache.
    """
    with CATALOG_PATH.open(encoding="utf-8") as fh:
        raw = yaml.safe_load(fh) or {}
    out: dict[str, dict[str, str]] = {}
    _flatten(raw, "", out)
    return out


def reload_catalog() -> None:
    """Forget the cached catalog (after editing ``messages.yml`` in a running kernel)."""
    catalog.cache_clear()


def has_message(key: str) -> bool:
    """Whether ``key`` is in the catalog."""
    return key in catalog()


def t(key: str, lang: str | None = DEFAULT_LANG, **kwargs: Any) -> str:
    """The text of message ``key`` in ``lang``, with ``{placeholders}`` filled from ``kwargs``.

    Parameters
    ----------
    key
        Dotted message key, e.g. ``"table.indicator"``.
    lang
        ``"vi"`` (default) or ``"en"``; regional forms like ``"vi-VN"`` are accepted.
    **kwargs
        Values for the message's placeholders (str.format syntax). Format numbers first with the
        ``fmt_*`` helpers: the catalog does no number formatting.

    Returns
    -------
    str
        The text, Unicode NFC.

    Raises
    ------
    KeyError
        If the key is unknown (with close matches suggested), has no text in ``lang``, or a
        placeholder has no value.
    """
    lang = normalize_lang(lang)
    messages = catalog()
    try:
        entry = messages[key]
    except KeyError:
        close = difflib.get_close_matches(key, messages.keys(), n=3)
        hint = f"; did you mean {', '.join(close)}?" if close else ""
        raise KeyError(
            f"unknown message key {key!r} (add it to {CATALOG_PATH.name}){hint}"
        ) from None
    text = entry.get(lang)
    if text is None:
        raise KeyError(f"message {key!r} has no {lang!r} text in {CATALOG_PATH.name}")
    if kwargs or placeholders(text):
        try:
            text = text.format(**kwargs)
        except KeyError as exc:
            raise KeyError(
                f"message {key!r} needs a value for placeholder {exc.args[0]!r}"
            ) from None
    return unicodedata.normalize("NFC", text)


def placeholders(text: str) -> set[str]:
    """Names of the str.format placeholders in ``text``."""
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def missing_translations() -> list[str]:
    """Keys that lack text in at least one language of :data:`LANGS` (should be ``[]``)."""
    return sorted(
        key
        for key, texts in catalog().items()
        if any(not (texts.get(lang) or "").strip() for lang in LANGS)
    )


def placeholder_mismatches() -> list[str]:
    """Keys whose languages use different placeholders (should be ``[]``).

    ``period.month`` is exempt by design: English names the month (``{month_name}``), Vietnamese
    numbers it (``{month}``).
    """
    exempt = {"period.month"}
    bad = []
    for key, texts in catalog().items():
        if key in exempt:
            continue
        sets = {lang: placeholders(text) for lang, text in texts.items()}
        if len({frozenset(s) for s in sets.values()}) > 1:
            bad.append(key)
    return sorted(bad)


# --------------------------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------------------------


def is_missing(x: Any) -> bool:
    """True for ``None``, float NaN, ``pd.NA`` and ``NaT``."""
    if x is None:
        return True
    if isinstance(x, float):
        return math.isnan(x)
    try:
        import pandas as pd

        if x is pd.NA or x is pd.NaT:
            return True
    except ImportError:  # pragma: no cover - pandas is a core dependency
        pass
    try:  # numpy scalars and the like
        return bool(x != x)
    except (TypeError, ValueError):
        return False


def _to_decimal(x: Any, decimals: int) -> Decimal:
    """``x`` rounded half up to ``decimals`` places (via its shortest repr, so 45.025 → 45.03)."""
    try:
        value = Decimal(repr(float(x))) if not isinstance(x, Decimal) else x
    except (TypeError, ValueError, InvalidOperation) as exc:
        raise TypeError(f"cannot format {x!r} as a number") from exc
    if not value.is_finite():
        raise ValueError(f"cannot format non-finite number {x!r}")
    quantum = Decimal(1).scaleb(-decimals)
    rounded = value.quantize(quantum, rounding=ROUND_HALF_UP)
    return rounded + 0  # turns -0.00 into 0.00


def _pattern(decimals: int, signed: bool = False) -> str:
    base = "#,##0" + ("." + "0" * decimals if decimals > 0 else "")
    return f"+{base};-{base}" if signed else base


def _format(x: Any, lang: str | None, decimals: int, signed: bool = False) -> str:
    value = _to_decimal(x, decimals)
    if signed and value == 0:
        signed = False
    return _babel_format_decimal(
        value,
        format=_pattern(decimals, signed),
        locale=LOCALES[normalize_lang(lang)],
        decimal_quantization=True,
    )


def fmt_number(x: Any, lang: str | None = DEFAULT_LANG, decimals: int = 0) -> str:
    """A number with the language's grouping: ``1.899.673`` (vi), ``1,899,673`` (en)."""
    return MISSING if is_missing(x) else _format(x, lang, decimals)


def fmt_decimal(x: Any, lang: str | None = DEFAULT_LANG, decimals: int = 2) -> str:
    """A number with fixed decimals: ``45,03`` (vi), ``45.03`` (en)."""
    return MISSING if is_missing(x) else _format(x, lang, decimals)


def fmt_signed(x: Any, lang: str | None = DEFAULT_LANG, decimals: int = 2) -> str:
    """A number with an explicit sign: ``+5,03``, ``-1,20``; zero has no sign."""
    return MISSING if is_missing(x) else _format(x, lang, decimals, signed=True)


def fmt_percent(x: Any, lang: str | None = DEFAULT_LANG, decimals: int = 2) -> str:
    """A value already in percent units: ``45.03`` → ``45,03%`` (vi) / ``45.03%`` (en).

    The input is *not* a fraction: pass ``45.03`` for 45.03 %, not ``0.4503``. Vietnamese style
    puts no space before ``%``.
    """
    if is_missing(x):
        return MISSING
    return t("units.percent", lang, value=_format(x, lang, decimals))


#: Probabilities are shown in steps of 10 points: measured on held-out data, the engine's
#: calibrated probabilities are right to within about 10 points at best (the reliability
#: tables in ``benchmarks/forecast_accuracy/RESULTS.md``), so a figure like 75 % would claim more
#: than the evidence supports. The step is rounded *down*: the status thresholds (80 % on track,
#: 30 % at risk) are multiples of it, so a shown figure never reaches a threshold that the
#: probability, and so the status beside it, did not (0,75 reads 70 %, not 80 % beside "at risk").
PROBABILITY_STEP = 10


def fmt_probability(p: Any, lang: str | None = DEFAULT_LANG) -> str:
    """A probability given as a *fraction*, in :data:`PROBABILITY_STEP`-point steps rounded down.

    ``0.72`` and ``0.78`` → ``70%``; under 10 % and from 95 % up the figure would read as a
    certainty, which no forecast supports: ``dưới 10%`` / ``under 10%`` and ``trên 90%`` /
    ``over 90%``.
    """
    if is_missing(p):
        return MISSING
    pct = 100.0 * float(p)
    step = PROBABILITY_STEP
    if pct < step:
        return t("units.probability_under", lang, value=fmt_percent(step, lang, decimals=0))
    if pct >= 100 - step / 2:
        return t("units.probability_over", lang, value=fmt_percent(100 - step, lang, decimals=0))
    # A hair of tolerance: 0.8 computed as 0.7999999999999999 is 80 %.
    rounded = step * math.floor(pct / step + 1e-9)
    return fmt_percent(rounded, lang, decimals=0)


def fmt_points(x: Any, lang: str | None = DEFAULT_LANG, decimals: int = 2) -> str:
    """A signed difference in percentage points: ``+5,03 điểm %`` (vi) / ``+5.03 pp`` (en)."""
    if is_missing(x):
        return MISSING
    return t("units.points", lang, value=_format(x, lang, decimals, signed=True))


# --------------------------------------------------------------------------------------------
# Periods and dates
# --------------------------------------------------------------------------------------------


def fmt_period(period: Any, lang: str | None = DEFAULT_LANG) -> str:
    """A reporting period: ``tháng 10/2026`` / ``October 2026``; ``năm 2026`` / ``2026``.

    Parameters
    ----------
    period
        A monthly, quarterly or annual ``pandas.Period``; also ``"2026-10"``, ``"2026Q3"``,
        ``"2026"``, an ``int`` year, or a date (its month).
    lang
        ``"vi"`` or ``"en"``.

    Notes
    -----
    Vietnamese starts lower case (it usually follows other words: "Báo cáo tháng 10/2026"); use
    :func:`upper_first` at the start of a sentence or heading.
    """
    if is_missing(period):
        return MISSING
    lang = normalize_lang(lang)
    p = to_period(period)
    kind = p.freqstr[0].upper()
    if kind == "M":
        month_name = _babel_format_date(dt.date(p.year, p.month, 1), "LLLL", locale=LOCALES[lang])
        return t("period.month", lang, month=p.month, year=p.year, month_name=month_name)
    if kind == "Q":
        return t("period.quarter", lang, quarter=p.quarter, year=p.year)
    if kind in ("Y", "A"):
        return t("period.year", lang, year=p.year)
    # Days, weeks: show the date the period starts on.
    return fmt_date(p.start_time.date(), lang)


def _as_date(value: Any) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        return dt.date.fromisoformat(value.strip()[:10])
    to_pydatetime = getattr(value, "to_pydatetime", None)  # pandas Timestamp
    if to_pydatetime is not None:
        return to_pydatetime().date()
    raise TypeError(f"cannot read {value!r} as a date")


_DATE_PATTERNS = {"vi": "dd/MM/y", "en": "d MMMM y"}
_SHORT_DATE_PATTERNS = {"vi": "dd/MM/y", "en": "d MMM y"}


def fmt_date(date: Any, lang: str | None = DEFAULT_LANG, short: bool = False) -> str:
    """A calendar date: ``31/12/2026`` (vi) / ``31 December 2026`` (en).

    ``short=True`` abbreviates the English month for table cells (``31 Dec 2026``); Vietnamese
    is already short.
    """
    if is_missing(date):
        return MISSING
    lang = normalize_lang(lang)
    patterns = _SHORT_DATE_PATTERNS if short else _DATE_PATTERNS
    return _babel_format_date(_as_date(date), patterns[lang], locale=LOCALES[lang])


def fmt_datetime(value: Any, lang: str | None = DEFAULT_LANG) -> str:
    """Date and time: ``14:30 31/12/2026`` (vi) / ``31 December 2026, 14:30`` (en).

    Timezone-aware values are shown in Viet Nam time (:data:`TIMEZONE`); naive values as given.
    """
    if is_missing(value):
        return MISSING
    lang = normalize_lang(lang)
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.strip())
    to_pydatetime = getattr(value, "to_pydatetime", None)
    if to_pydatetime is not None:
        value = to_pydatetime()
    if not isinstance(value, dt.datetime):
        if isinstance(value, dt.date):
            return fmt_date(value, lang)
        raise TypeError(f"cannot read {value!r} as a datetime")
    if value.tzinfo is not None:
        from zoneinfo import ZoneInfo

        value = value.astimezone(ZoneInfo(TIMEZONE))
    date_text = fmt_date(value.date(), lang)
    time_text = value.strftime("%H:%M")
    return f"{time_text} {date_text}" if lang == "vi" else f"{date_text}, {time_text}"


def upper_first(text: str) -> str:
    """``"tháng 10/2026"`` → ``"Tháng 10/2026"`` (unlike ``str.capitalize``, keeps the rest)."""
    return text[:1].upper() + text[1:]


def ordinal(n: int, lang: str | None = DEFAULT_LANG) -> str:
    """``1`` in Vietnamese ("hạng 1"), ``1st`` in English ("tied 1st")."""
    if normalize_lang(lang) == "vi":
        return str(n)
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def rank_text(
    rank: int, of: int, lang: str | None = DEFAULT_LANG, tied: bool = False, short: bool = False
) -> str:
    """``hạng 5/34`` / ``rank 5 of 34``; shared ranks say so: ``đồng hạng 1/34`` /
    ``tied 1st of 34``. ``short`` gives the table form (``5/34``, ``đồng hạng 1/34``)."""
    if tied:
        return t("kpi.rank_tied", lang, rank=ordinal(rank, lang), of=of)
    return f"{rank}/{of}" if short else t("kpi.rank", lang, rank=rank, of=of)


_CONTROL = dict.fromkeys(c for c in range(0x20) if chr(c) not in "\t\n\r") | dict.fromkeys(
    range(0x7F, 0xA0)
)


def strip_control(text: str) -> str:
    """``text`` without control characters (NUL, ESC, C1 …); tabs and line breaks stay."""
    return text.translate(_CONTROL)


def shorten(text: str, limit: int = 300) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, "…" marking the cut."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    space = cut.rfind(" ")
    if space > limit * 0.6:
        cut = cut[:space]
    return cut.rstrip(" ,;:.") + "…"


__all__ = [
    "DEFAULT_LANG",
    "LANGS",
    "LOCALES",
    "MISSING",
    "Lang",
    "catalog",
    "fmt_date",
    "fmt_datetime",
    "fmt_decimal",
    "fmt_number",
    "fmt_percent",
    "fmt_period",
    "fmt_points",
    "fmt_probability",
    "fmt_signed",
    "has_message",
    "is_missing",
    "missing_translations",
    "normalize_lang",
    "ordinal",
    "placeholder_mismatches",
    "placeholders",
    "rank_text",
    "reload_catalog",
    "shorten",
    "strip_control",
    "t",
    "upper_first",
]
