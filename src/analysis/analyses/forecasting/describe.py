"""A forecast's model in the reader's language, from its language-neutral ``model_spec``.

The engine's ``model`` text is English and long (it is written for analysts and logs). Every
result and batch row also carries ``model_spec``, a compact JSON account of the same (the case,
the component models and their weights, the calibration, flags such as gaps or a level shift);
:func:`describe_model` renders it with the words of ``reporting/messages.yml`` (section
``model``), short enough for a table cell.
"""

from __future__ import annotations

import json
import math
from typing import Any

from analysis.core import i18n

#: Cases rendered from the catalog without a list of models.
_FIXED_CASES = ("short_mix", "flat", "passed", "no_data", "fallback")


def describe_model(spec: str | dict[str, Any] | None, lang: str | None = "vi") -> str:
    """One short sentence saying how a forecast was made, in ``lang`` (``vi`` or ``en``).

    Parameters
    ----------
    spec
        A result's ``model_spec`` (JSON text or its decoded dict). ``None``, NaN or ``""`` (a row
        of an older cache, or no forecast) give the missing-value dash.
    lang
        Report language.

    Returns
    -------
    str
        E.g. ``"Kết hợp ETS tắt dần 40%, xu thế 35%, ARIMA 25%; khoảng dự báo theo sai số dự báo
        thử của các tỉnh"``.

    Raises
    ------
    ValueError
        When ``spec`` is not a model spec (text that is not JSON, or no ``case``).
    """

    data = _decode(spec)
    if data is None:
        return i18n.MISSING
    parts = [_case_text(data, lang)]
    calibration = data.get("calibration", "none")
    if calibration != "none" and i18n.has_message(f"model.calibration.{calibration}"):
        parts.append(i18n.t(f"model.calibration.{calibration}", lang))
    parts += [
        i18n.t(f"model.flags.{flag}", lang)
        for flag in data.get("flags", [])
        if i18n.has_message(f"model.flags.{flag}")
    ]
    return "; ".join(parts)


def _decode(spec: str | dict[str, Any] | None) -> dict[str, Any] | None:
    if spec is None or (isinstance(spec, float) and math.isnan(spec)) or spec == "":
        return None
    if isinstance(spec, dict):
        data = spec
    else:
        try:
            data = json.loads(spec)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"not a model spec (expected JSON): {spec!r}") from exc
    if not isinstance(data, dict) or "case" not in data:
        raise ValueError(f"not a model spec (no 'case'): {spec!r}")
    return data


def _case_text(data: dict[str, Any], lang: str | None) -> str:

    case = str(data["case"])
    if case in _FIXED_CASES:
        return i18n.t(f"model.{case}", lang)
    if case in ("at_upper", "at_lower"):
        return i18n.t(f"model.{case}", lang, bound=_number(data.get("bound"), lang))
    if case == "too_short":
        unit = i18n.t(f"model.unit.{data.get('unit', 'month')}", lang)
        return i18n.t("model.too_short", lang, n=data.get("n"), min=data.get("min"), unit=unit)
    models = data.get("models", {})
    original = data.get("scale") == "original"
    if case == "equal_mix":
        names = ", ".join(_model_name(m, original, lang) for m in models)
        return i18n.t("model.equal_mix", lang, models=names)
    ranked = sorted(models.items(), key=lambda kv: -kv[1])
    if len(ranked) == 1:
        return i18n.upper_first(
            i18n.t("model.single", lang, models=_model_name(ranked[0][0], original, lang))
        )
    listed = ", ".join(
        f"{_model_name(m, original, lang)} {i18n.fmt_percent(100 * w, lang, decimals=0)}"
        for m, w in ranked
    )
    return i18n.t("model.mixture", lang, models=listed)


def _model_name(name: str, original_scale: bool, lang: str | None) -> str:
    """A candidate's name; ``*_y`` variants on a logit-scale series say "original scale"."""

    base = name[:-2] if name.endswith("_y") else name
    key = f"model.names.{base}"
    label = i18n.t(key, lang) if i18n.has_message(key) else base
    if name.endswith("_y") and not original_scale:
        return i18n.t("model.names.original_scale", lang, name=label)
    return label


def _number(value: Any, lang: str | None) -> str:

    if value is None:
        return i18n.MISSING
    v = float(value)
    return i18n.fmt_number(v, lang) if v.is_integer() else i18n.fmt_decimal(v, lang)
