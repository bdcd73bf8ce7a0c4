"""The collection's commands: ``collect`` (workbooks), ``status`` (who sent what), ``remind``.

Registered on the main command group by :mod:`analysis.cli`; each imports its work lazily so
that ``python -m analysis --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click

from analysis.core.periods import month_text
from analysis.reference.due import DEFAULT_DUE_DAY

if TYPE_CHECKING:
    from analysis.analyses.receipts import CollectionStatus

_DUE_DAY = click.option(
    "--due-day",
    type=click.IntRange(1, 31),
    default=DEFAULT_DUE_DAY,
    show_default=True,
    help="Figures are due by this day of the following month.",
)


def _month(period: str) -> str:
    try:
        return month_text(period)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--period") from None


@click.command()
@click.option("--period", required=True, help="Month collected, YYYY-MM.")
@click.option(
    "--province",
    "provinces",
    multiple=True,
    help="Only this unit (code, codename or name; 'national' for the national office); repeatable.",
)
@click.option(
    "--out", type=click.Path(path_type=Path), help="Folder (default data/collection/<period>)."
)
@_DUE_DAY
def collect(period: str, provinces: tuple[str, ...], out: Path | None, due_day: int) -> None:
    """Write the month's Excel workbooks to send: one per province, one for the national office."""
    from analysis.collection import guide, template
    from analysis.reference import geography, workbook

    month = _month(period)
    units = []
    national = not provinces
    for name in provinces:
        if name.strip().lower() == workbook.NATIONAL:
            national = True
            continue
        try:
            units.append(geography.match_province(name, "34"))
        except geography.UnknownProvince as exc:
            raise click.BadParameter(str(exc), param_hint="--province") from None
    written = template.write_workbooks(
        month, units if provinces else None, out, due_day=due_day, national=national
    )
    folder = written[0].parent if written else out
    click.echo(f"wrote {len(written)} workbook(s) for {month} to {folder}")
    printed = guide.write_guide(folder) if folder is not None else None
    if printed is not None:
        click.echo(f"wrote the provider's guide, to send with them: {printed}")


@click.command()
@click.option("--period", required=True, help="Month collected, YYYY-MM.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of the table.")
@_DUE_DAY
@click.option(
    "--reminders",
    type=click.Path(path_type=Path),
    help="Also write who owes what (CSV) and a text per province to this folder.",
)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def status(period: str, as_json: bool, due_day: int, reminders: Path | None, lang: str) -> None:
    """Who sent which figures of a month: on time, late, missing, refused, revised, implausible.

    Exit status 0 when every province sent every figure due, 1 otherwise.
    """
    import json

    from analysis.analyses.receipts import collection_status
    from analysis.collection import reminders as reminders_mod
    from analysis.data import store

    try:
        store.check_sound()  # a damaged store is named in one line, with what to do
    except store.StoreMissing:
        pass  # without a store, the files received are listed as not yet ingested
    found = collection_status(_month(period), due_day)
    if as_json:
        click.echo(json.dumps(found.to_dict(), ensure_ascii=False, indent=2))
    else:
        click.echo(reminders_mod.status_text(found, lang))
    if reminders is not None:
        _reminders(found, reminders, lang, err=True)
    if not found.complete:
        raise SystemExit(1)


@click.command()
@click.option("--period", required=True, help="Month collected, YYYY-MM.")
@click.option(
    "--out",
    type=click.Path(path_type=Path),
    help="Folder (default data/collection/<period>/reminders).",
)
@_DUE_DAY
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True)
def remind(period: str, out: Path | None, due_day: int, lang: str) -> None:
    """Write who owes what (CSV) and a ready-to-send text per province that owes figures."""
    from analysis import paths
    from analysis.analyses.receipts import collection_status

    month = _month(period)
    found = collection_status(month, due_day)
    folder = out if out is not None else paths.collection_dir() / month / "reminders"
    _reminders(found, folder, lang)


def _reminders(found: CollectionStatus, folder: Path, lang: str, err: bool = False) -> None:
    """Write the reminders and say what was written, or why none was (the month not over)."""
    from analysis.collection import reminders as reminders_mod
    from analysis.core import i18n

    if reminders_mod.month_not_over(found):
        click.echo(reminders_mod.not_over_text(found, lang), err=err)
        return
    written = reminders_mod.write_reminders(found, folder, lang)
    click.echo(
        i18n.t(
            "collection.status.reminders_written",
            lang,
            count=len(written),
            folder=folder,
            owing=len(written) - 1,
            timing=reminders_mod.timing_text(found, lang),
        ),
        err=err,
    )
