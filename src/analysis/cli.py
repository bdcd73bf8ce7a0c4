"""The command line: ``python -m analysis`` (also installed as ``vn-dx``).

Click gives sub-commands, typed options and help text for free; every sub-command returns a
non-zero exit status unless everything asked for was produced.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import click

from analysis import __version__

log = logging.getLogger("analysis")


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.DEBUG if verbose else logging.INFO,
        format="%(asctime)s %(levelname)s %(message)s", datefmt="%H:%M:%S", stream=sys.stderr,
    )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="analysis")
@click.option("-v", "--verbose", is_flag=True, help="Log more detail.")
def main(verbose: bool) -> None:
    """Provincial digital-transformation data, forecasts and briefings for Viet Nam."""
    _setup_logging(verbose)


@main.command()
def ingest() -> None:
    """Validate every file in data/raw and rebuild data/processed (atomically)."""
    from analysis import ingest as ingest_mod
    from analysis import paths, published, store

    inputs = ingest_mod.discover_inputs()
    log.info("ingest: %d input file(s) under %s", len(inputs), paths.raw_dir())
    if not inputs:
        log.warning("no inputs found; run `python -m analysis demo` for the demo dataset")
    try:
        result = ingest_mod.ingest()
    except ingest_mod.IngestError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    facts = published.read_published() if paths.published_dir().exists() else None
    version = store.write_store(result.observations, result.harmonized,
                                result.harmonization_log, result.files, facts)
    n_log = len(result.harmonization_log)
    click.echo(
        f"data version {version}: {len(result.observations):,} observations from "
        f"{len(result.files)} file(s), {len(result.harmonized):,} on the 34-unit basis"
        + (f" ({n_log} unit-periods left out, see harmonization_log)" if n_log else "")
        + f" -> {paths.database_path()}"
    )


@main.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(path_type=Path))
def check(files: tuple[Path, ...]) -> None:
    """Validate FILES only; write nothing. Exit status 1 if any problem is found."""
    from analysis import ingest as ingest_mod

    problems = ingest_mod.check_files(files)
    if problems:
        click.echo(str(ingest_mod.IngestError(problems)).replace(
            "nothing was written to data/processed", "nothing was written"), err=True)
        raise SystemExit(1)
    click.echo(f"{len(files)} file(s) OK")


@main.command()
@click.option("--until", help="Last month (YYYY-MM); default: the latest complete month.")
@click.option("--out", type=click.Path(path_type=Path), help="Folder (default data/raw/demo).")
def demo(until: str | None, out: Path | None) -> None:
    """Write the deterministic synthetic demo dataset to data/raw/demo."""
    from analysis import demo as demo_mod

    written = demo_mod.write_demo(out_dir=out, until=until)
    click.echo(f"wrote {len(written)} demo file(s) to {written[0].parent if written else out}")


@main.command("list")
@click.argument("what", type=click.Choice(["indicators", "provinces", "notebooks", "periods"]),
                default="indicators")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi")
def list_(what: str, lang: str) -> None:
    """List indicators, provinces, notebooks or the periods in the store."""
    from analysis import catalog, geography, paths, store

    if what == "indicators":
        for ind in catalog.indicators().values():
            t = ind.targets[-1] if ind.targets else None
            target = f"  target {t.value:g}{ind.unit} by {t.deadline}" if t else ""
            click.echo(f"{ind.id:40s} {ind.family:16s} {ind.frequency:8s} {ind.name(lang)}"
                       f"{target}")
    elif what == "provinces":
        for row in geography.provinces("34").itertuples():
            click.echo(f"{row.code}  {row.codename:14s} {row.name:16s} "
                       f"{geography.region_name(row.region, lang)}")
    elif what == "notebooks":
        for nb in sorted(paths.notebooks_dir().glob("[0-9]*.ipynb")):
            click.echo(nb.stem)
    else:
        with store.connect() as con:
            rows = con.execute(
                "SELECT dataset, min(period), max(period), count(*) FROM observations_34 "
                "WHERE freq = 'M' GROUP BY dataset ORDER BY dataset").fetchall()
        for ds, first, last, n in rows:
            click.echo(f"{ds:10s} {first} .. {last}  ({n:,} rows)")


if __name__ == "__main__":  # pragma: no cover
    main()
