"""Typed notebook parameters, validated before a kernel starts.

The runner calls :func:`validate` on every job before it starts a kernel; each notebook calls
:func:`from_namespace` in the cell after its ``parameters`` cell, so a notebook run with the plain
papermill CLI (``papermill nb.ipynb out.ipynb -p province nghe_an -p period 2026-10``) is
checked too. pydantic gives types, coercion and messages; the checks against the data (the
province exists, the period has data) are ours.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, ClassVar, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, ValidationInfo, field_validator

from analysis import paths
from analysis.core.periods import month_text
from analysis.data import store
from analysis.reference import catalog, communes, geography


class ParameterError(ValueError):
    """A notebook parameter is unknown, of the wrong type or outside the data."""


def canonical_period(value: Any) -> str:
    """A run's period as the folder name it becomes: ``" 2026-10 "`` -> ``"2026-10"``.

    Raises :class:`ParameterError` for anything that is not a month written ``YYYY-MM``
    (surrounding blanks, as pasted from a spreadsheet, are the only thing forgiven).
    """
    try:
        return month_text(value)
    except ValueError as exc:
        raise ParameterError(f"--period: {exc}") from None


class _Base(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False, frozen=True)

    level: ClassVar[str] = "province"
    """Whose figures the notebook reports: ``province`` or ``commune`` (its months of data)."""

    period: str | None = None
    """``YYYY-MM``; ``None`` means the latest month in the store."""
    lang: Literal["vi", "en"] = "vi"
    dataset: str | None = None

    @field_validator("dataset", mode="before")
    @classmethod
    def _dataset(cls, value: Any) -> Any:
        return None if value == "" else value

    @field_validator("period", mode="before")
    @classmethod
    def _period_format(cls, value: Any) -> Any:
        if value is None or value == "":
            return None
        return month_text(value)


class _WithProvince(_Base):
    province: str = "nghe_an"

    @field_validator("province", mode="before")
    @classmethod
    def _province(cls, value: Any) -> str:
        if isinstance(value, bool) or not isinstance(value, (str, int)):
            raise ValueError(f"province must be a code, codename or name, got {value!r}")
        try:
            return geography.match_province(value, "34").codename
        except geography.UnknownProvince as exc:
            raise ValueError(str(exc)) from None


class ExploreParams(_WithProvince):
    pass


class ComparisonParams(_WithProvince):
    indicators: list[str] | None = None
    """Catalog ids; ``None`` means the headline indicators."""

    @field_validator("indicators", mode="before")
    @classmethod
    def _indicators(cls, value: Any) -> Any:
        if value is None or value == [] or value == "":
            return None
        if isinstance(value, str):
            value = [v.strip() for v in value.split(",") if v.strip()]
        if not isinstance(value, list):
            raise ValueError(f"indicators must be a list of catalog ids, got {value!r}")
        out = []
        for v in value:
            found = catalog.resolve_indicator(str(v))
            if found is None:
                raise ValueError(
                    f"unknown indicator {v!r}; candidates: "
                    + ", ".join(catalog.indicator_candidates(str(v)))
                )
            out.append(found)
        return out


class ForecastParams(_WithProvince):
    pass


class BriefingParams(_WithProvince):
    pass


class NationalParams(_Base):
    pass


class PublishedParams(_Base):
    province: str = "national"
    """A province (code, codename or name) or ``national`` for the whole country."""

    @field_validator("province", mode="before")
    @classmethod
    def _province_or_national(cls, value: Any) -> str:
        if isinstance(value, str) and value.strip().lower() == "national":
            return "national"
        return _WithProvince._province(value)


class CommuneComparisonParams(_WithProvince):
    """The communes of one province compared (``15_commune_comparison``)."""

    level: ClassVar[str] = "commune"


class CommuneScorecardParams(_WithProvince):
    """One commune's page (``16_commune_scorecard``); ``commune`` becomes its 5-digit code."""

    level: ClassVar[str] = "commune"
    commune: str = "16702"
    """Commune code (``16702``), codename (``vinh_phu``) or name within the province."""

    @field_validator("commune", mode="before")
    @classmethod
    def _commune_text(cls, value: Any) -> str:
        return _commune_text(value)

    @field_validator("commune", mode="after")
    @classmethod
    def _commune_in_province(cls, value: str, info: ValidationInfo) -> str:
        """The commune's 5-digit code, found in the province (validated before it)."""

        province = info.data.get("province")
        if province is None:
            return value  # the province's own error is reported
        return commune_code(value, province)


def _commune_text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ValueError(f"commune must be a code, codename or name, got {value!r}")
    return f"{value:05d}" if isinstance(value, int) else value


def commune_code(value: Any, province: str) -> str:
    """The 5-digit code of the commune ``value`` (code, codename or name) of ``province``.

    Raises ``ValueError`` saying why, as the parameter ``commune`` is refused.
    """
    try:
        return communes.match_commune(_commune_text(value), province).commune_code
    except communes.UnknownCommune as exc:
        raise ValueError(str(exc)) from None


NOTEBOOK_PARAMS: dict[str, type[_Base]] = {
    "00_explore": ExploreParams,
    "10_province_comparison": ComparisonParams,
    "15_commune_comparison": CommuneComparisonParams,
    "16_commune_scorecard": CommuneScorecardParams,
    "20_target_forecast": ForecastParams,
    "25_published_figures": PublishedParams,
    "30_leadership_briefing": BriefingParams,
    "40_national_overview": NationalParams,
}
NATIONAL_NOTEBOOKS = {"40_national_overview"}
UNIT_AND_NATIONAL_NOTEBOOKS = {"25_published_figures"}
"""Notebooks made for every province and for the country (``province="national"``)."""


def model_for(notebook: str) -> type[_Base]:
    try:
        return NOTEBOOK_PARAMS[notebook]
    except KeyError:
        raise ParameterError(
            f"unknown notebook {notebook!r}; notebooks: " + ", ".join(NOTEBOOK_PARAMS)
        ) from None


def _format(err: ValidationError, notebook: str, given: Mapping[str, Any]) -> str:
    lines = []
    for e in err.errors():
        name = ".".join(str(x) for x in e["loc"]) or "?"
        value = given.get(name, e.get("input"))
        if e["type"] == "extra_forbidden":
            allowed = ", ".join(model_for(notebook).model_fields)
            lines.append(
                f"unknown parameter {name!r} (value {value!r}); {notebook} takes: {allowed}"
            )
        else:
            msg = e["msg"].removeprefix("Value error, ")
            lines.append(f"parameter {name!r} = {value!r}: {msg}")
    return f"{notebook}: " + "; ".join(lines)


ASK_STORE: Any = object()
"""``available`` of :func:`validate` when the store is to be asked for the months with data."""


def validate(
    notebook: str,
    given: Mapping[str, Any],
    *,
    available: tuple[str, str] | None = ASK_STORE,
    known_datasets: list[str] | None = None,
) -> _Base:
    """Check parameters for ``notebook``; raise :class:`ParameterError` naming each bad value.

    ``available`` is the (first, last) month with data, a period outside it is refused
    (``None``: no months are known, nothing to refuse); by default the store is asked (if it
    exists). ``known_datasets`` are the datasets the store holds at the notebook's level
    (``None``: the store is asked).
    """
    model = model_for(notebook)
    try:
        params = model(**dict(given))
    except ValidationError as err:
        raise ParameterError(_format(err, notebook, given)) from None
    if params.dataset is not None:
        check_dataset(params.dataset, known_datasets, level=model.level)
    if available is ASK_STORE:
        available = data_range(params.dataset, model.level)
    if params.period is not None and available is not None:
        first, last = available
        if not first <= params.period <= last:
            where = _elsewhere(params.period, params.dataset, model.level)
            raise ParameterError(
                f"{notebook}: parameter 'period' = {params.period!r} is outside "
                f"the data ({first} .. {last}){where}"
            )
    return params


def check_period(period: str, dataset: str | None, level: str = "province") -> None:
    """Refuse, once for the whole run, a month outside the dataset's data; when another dataset
    of the store holds that month (the demo, after your own data were ingested), say so and
    how to choose it (``--dataset demo``)."""
    rng = data_range(dataset, level)
    if rng is None or rng[0] <= period <= rng[1]:
        return
    first, last = rng
    shown = dataset or _default_dataset(level)
    raise ParameterError(
        f"--period {period} is outside the data of dataset {shown!r} ({first} .. {last})"
        + _elsewhere(period, dataset, level)
    )


def _default_dataset(level: str) -> str | None:
    try:
        con = store.connect()
    except store.StoreMissing:
        return None
    with con:
        return store.default_dataset(con, _table(level))


def _elsewhere(period: str, dataset: str | None, level: str) -> str:
    """Where else the month is: "; dataset 'demo' holds 2026-11: add --dataset demo", or the
    advice to choose a month in range."""
    current = dataset or _default_dataset(level)
    for other in datasets(level) or []:
        rng = data_range(other, level)
        if other != current and rng is not None and rng[0] <= period <= rng[1]:
            return (
                f"; dataset {other!r} holds {period} ({rng[0]} .. {rng[1]}): add --dataset {other}"
            )
    return "; choose a month in that range"


def validate_many(
    notebook: str, given: Sequence[Mapping[str, Any]], store_facts: dict | None = None
) -> list[str]:
    """The error messages of many parameter sets of one notebook (none when all are good).

    What :func:`validate` checks for each, with the store asked once (its datasets and months
    with data, at the notebook's level; ``store_facts``, a dict kept by the caller, shares
    the answers between notebooks) and the parameters validated once per group that differs
    only by ``commune``: a province's scorecards are one group, whose communes are then each
    looked up in the province's commune list. A group whose shared parameters are refused is
    validated member by member, so every message is the one :func:`validate` gives.
    """
    model = model_for(notebook)
    facts = {} if store_facts is None else store_facts
    if ("datasets", model.level) not in facts:
        facts["datasets", model.level] = datasets(model.level)
    known = facts["datasets", model.level]
    groups: dict[str, list[Mapping[str, Any]]] = {}
    by_province = issubclass(model, CommuneScorecardParams)
    for one in given:
        # A scorecard's group: everything but the commune; any other notebook's: equal sets.
        shared = sorted((k, v) for k, v in one.items() if k != "commune" or not by_province)
        groups.setdefault(repr(shared), []).append(one)
    errors: list[str] = []
    for members in groups.values():
        dataset = members[0].get("dataset") or None
        if ("range", dataset, model.level) not in facts:
            unknown = dataset is not None and known is not None and dataset not in known
            facts["range", dataset, model.level] = (
                None if unknown else data_range(dataset, model.level)
            )
        available = facts["range", dataset, model.level]
        check = functools.partial(validate, notebook, available=available, known_datasets=known)
        try:
            first = check(members[0])
        except ParameterError as exc:
            errors.append(str(exc))
            errors += _errors_of(check, members[1:])
            continue
        if not isinstance(first, CommuneScorecardParams):
            continue  # the members are equal parameter sets: one check is enough
        for one in members[1:]:
            try:
                commune_code(one.get("commune", first.commune), first.province)
            except ValueError:
                errors += _errors_of(check, [one])  # the message validate gives
    return errors


def _errors_of(
    check: Callable[[Mapping[str, Any]], _Base], members: Sequence[Mapping[str, Any]]
) -> list[str]:
    """The messages of the parameter sets ``check`` refuses."""
    errors = []
    for one in members:
        try:
            check(one)
        except ParameterError as exc:
            errors.append(str(exc))
    return errors


def _remembered(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn``'s answers kept while the store file is the same (path, inode, size, modification
    time): every notebook and every run asks the same few questions of it."""
    answers: dict[tuple, Any] = {}

    @functools.wraps(fn)
    def wrapper(*args: Any) -> Any:
        path = paths.database_path()
        try:
            st = path.stat()
        except FileNotFoundError:
            return fn(*args)  # no store: the function says so
        key = (str(path), st.st_ino, st.st_size, st.st_mtime_ns, *args)
        if key not in answers:
            if len(answers) > 64:
                answers.clear()
            answers[key] = fn(*args)
        return copy.copy(answers[key])  # a list the caller may change

    return wrapper


def data_range(dataset: str | None = None, level: str = "province") -> tuple[str, str] | None:
    """First and last month with data in ``dataset`` (default: the store's default dataset).

    ``level`` ``commune`` asks the commune figures. ``None`` if there is no store or the
    dataset has no monthly data.
    """
    return _data_range(dataset, level)


@_remembered
def _data_range(dataset: str | None, level: str) -> tuple[str, str] | None:
    try:
        con = store.connect()
    except store.StoreMissing:
        return None
    table = _table(level)
    # Commune figures are monthly only (no freq column); the 34 units' also hold annual ones.
    monthly = "" if level == "commune" else "freq = 'M' AND "
    with con:
        ds = dataset or store.default_dataset(con, table)
        row = con.execute(
            f"SELECT min(period), max(period) FROM {table} WHERE {monthly}dataset = ?",  # noqa: S608
            [ds],
        ).fetchone()
    return (row[0], row[1]) if row and row[0] else None


def _table(level: str) -> str:
    """The store table holding a level's figures."""
    return "commune_observations" if level == "commune" else "observations_34"


def datasets(level: str = "province") -> list[str] | None:
    """The datasets in the store (``demo``, ``submitted`` ...), or ``None`` if there is no store."""
    return _datasets(level)


@_remembered
def _datasets(level: str) -> list[str] | None:
    try:
        con = store.connect()
    except store.StoreMissing:
        return None
    with con:
        rows = con.execute(f"SELECT DISTINCT dataset FROM {_table(level)} ORDER BY 1").fetchall()  # noqa: S608
    return [r[0] for r in rows]


def check_dataset(
    dataset: str | None, known: list[str] | None = None, level: str = "province"
) -> None:
    """Refuse a dataset the store does not hold (at ``level``), naming the ones it does."""
    known = datasets(level) if known is None else known
    if dataset is not None and known is not None and dataset not in known:
        raise ParameterError(
            f"parameter 'dataset' = {dataset!r} is not in the store; datasets: "
            + (", ".join(known) or "none (run `python -m analysis ingest`)")
        )


def from_namespace(notebook: str, namespace: Mapping[str, Any]) -> _Base:
    """Validate the parameters as a notebook's ``parameters`` cell (and papermill) left them.

    Call as ``params = from_namespace("20_target_forecast", globals())`` right after the
    parameters cell; the period ``None`` is resolved to the latest month with data.
    """
    model = model_for(notebook)
    given = {k: namespace[k] for k in model.model_fields if k in namespace}
    params = validate(notebook, given)
    if params.period is None:
        rng = data_range(params.dataset, model.level)
        if rng is None:
            raise ParameterError("no processed data: run `python -m analysis ingest` first")
        params = params.model_copy(update={"period": rng[1]})
    return params
