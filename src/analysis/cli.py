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
        format="%(asctime)s %(levelname)s %(message)s",
        datefmt="%H:%M:%S",
        stream=sys.stderr,
    )
    if not verbose:
        # jupyter_client logs "could not destroy zmq context" when a used kernel's client is
        # collected: harmless, and not something an operator can act on.
        logging.getLogger("traitlets").setLevel(logging.ERROR)
        # One line per step of every PDF would bury the run's own log.
        for name in ("weasyprint", "fontTools", "analysis.reporting.render.exporters", "papermill"):
            logging.getLogger(name).setLevel(logging.WARNING)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="analysis")
@click.option("-v", "--verbose", is_flag=True, help="Log more detail.")
def main(verbose: bool) -> None:
    """Provincial digital-transformation data, forecasts and briefings for Viet Nam."""
    _setup_logging(verbose)


@main.command()
def ingest() -> None:
    """Validate every file in data/raw and rebuild data/processed (atomically)."""
    from analysis import paths
    from analysis.data import ingest as ingest_mod
    from analysis.data import published, store

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
    version = store.write_store(
        result.observations, result.harmonized, result.harmonization_log, result.files, facts
    )
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
    from analysis.data import ingest as ingest_mod

    problems = ingest_mod.check_files(files)
    if problems:
        click.echo(
            str(ingest_mod.IngestError(problems)).replace(
                "nothing was written to data/processed", "nothing was written"
            ),
            err=True,
        )
        raise SystemExit(1)
    click.echo(f"{len(files)} file(s) OK")


@main.command()
@click.option("--until", help="Last month (YYYY-MM); default: the latest complete month.")
@click.option("--out", type=click.Path(path_type=Path), help="Folder (default data/raw/demo).")
def demo(until: str | None, out: Path | None) -> None:
    """Write the deterministic synthetic demo dataset to data/raw/demo."""
    from analysis.data import demo as demo_mod

    written = demo_mod.write_demo(out_dir=out, until=until)
    click.echo(f"wrote {len(written)} demo file(s) to {written[0].parent if written else out}")


@main.command()
@click.option("--period", help="Month YYYY-MM (default: the latest month with data).")
@click.option(
    "--province",
    "provinces",
    multiple=True,
    help="Code (40), codename (nghe_an) or name (Nghệ An); repeat for several.",
)
@click.option(
    "--notebook",
    "notebooks",
    multiple=True,
    help="Notebook name (30_leadership_briefing); repeat for several.",
)
@click.option(
    "--to",
    "formats",
    default="html,pdf",
    show_default=True,
    help="Comma-separated output formats: html, pdf.",
)
@click.option("--jobs", type=click.IntRange(1, 64), help="Parallel workers (default: cores).")
@click.option("--force", is_flag=True, help="Re-run even if inputs are unchanged.")
@click.option(
    "--lang",
    "langs",
    default="vi",
    show_default=True,
    help="Report language: vi, en, or vi,en for both.",
)
@click.option("--scheduler", help="Dask scheduler address (tcp://host:8786) to run on a cluster.")
@click.option("--no-progress", is_flag=True, help="No progress bar (for cron logs).")
def run(period, provinces, notebooks, formats, jobs, force, langs, scheduler, no_progress):
    """Execute and render the month's reports into reports/<period>/."""
    from analysis import paths
    from analysis.running import params, runner

    fmts = tuple(f.strip() for f in formats.split(",") if f.strip())
    bad = [f for f in fmts if f not in runner.FORMATS]
    if bad or not fmts:
        raise click.BadParameter(f"unknown format(s) {bad}; use html, pdf", param_hint="--to")
    lang_list = tuple(x.strip() for x in langs.split(",") if x.strip())
    if not lang_list or any(x not in ("vi", "en") for x in lang_list):
        raise click.BadParameter(f"{langs!r}: use vi, en or vi,en", param_hint="--lang")
    if period is None:
        rng = params.data_range()
        if rng is None:
            raise click.ClickException("no processed data: run `python -m analysis ingest`")
        period = rng[1]
    try:
        summary = runner.run(
            period,
            provinces or None,
            notebooks or None,
            lang_list,
            fmts,
            jobs=jobs,
            force=force,
            scheduler=scheduler,
            progress=not no_progress,
        )
    except params.ParameterError as exc:
        click.echo(f"refused before any kernel started:\n{exc}", err=True)
        raise SystemExit(2) from None
    out = paths.reports_dir() / period
    n = len(summary.results)
    click.echo(
        f"{n - len(summary.failed)} of {n} report job(s) done "
        f"({len(summary.skipped)} unchanged and skipped) -> {out}"
    )
    pdfs = sorted(out.glob("*/*.pdf"))
    if pdfs:
        click.echo(
            f"PDF briefings: {out}/<province>/*.pdf ({len(pdfs)} files), "
            f"manifest: {out / 'manifest.json'}"
        )
    for r in summary.failed:
        j = r["job"]
        click.echo(f"FAILED {j['unit']}/{j['notebook']} ({j['lang']}): {r['error']}", err=True)
    if summary.failed:
        raise SystemExit(1)


@main.command("list")
@click.argument(
    "what",
    type=click.Choice(["indicators", "provinces", "notebooks", "periods"]),
    default="indicators",
)
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi")
def list_(what: str, lang: str) -> None:
    """List indicators, provinces, notebooks or the periods in the store."""
    from analysis import paths
    from analysis.data import store
    from analysis.reference import catalog, geography

    if what == "indicators":
        for ind in catalog.indicators().values():
            t = ind.targets[-1] if ind.targets else None
            target = f"  target {t.value:g}{ind.unit} by {t.deadline}" if t else ""
            click.echo(f"{ind.id:40s} {ind.family:16s} {ind.frequency:8s} {ind.name(lang)}{target}")
    elif what == "provinces":
        for row in geography.provinces("34").itertuples():
            click.echo(
                f"{row.code}  {row.codename:14s} {row.name:16s} "
                f"{geography.region_name(row.region, lang)}"
            )
    elif what == "notebooks":
        for nb in sorted(paths.notebooks_dir().glob("[0-9]*.ipynb")):
            click.echo(nb.stem)
    else:
        with store.connect() as con:
            rows = con.execute(
                "SELECT dataset, min(period), max(period), count(*) FROM observations_34 "
                "WHERE freq = 'M' GROUP BY dataset ORDER BY dataset"
            ).fetchall()
        for ds, first, last, n in rows:
            click.echo(f"{ds:10s} {first} .. {last}  ({n:,} rows)")


if __name__ == "__main__":  # pragma: no cover
    main()
