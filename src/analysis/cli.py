"""The command line: ``python -m analysis`` (also installed as ``vn-dx``).

Click gives sub-commands, typed options and help text for free; every sub-command returns a
non-zero exit status unless everything asked for was produced.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import Any

import click

from analysis import __version__
from analysis.running.worker import DEFAULT_JOB_TIMEOUT

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


class _OneLineErrors(click.Group):
    """Faults of the environment (unwritable folder, full disk, missing file) in one line.

    Any exception a command does not handle itself is printed as one line naming the command,
    what failed and where, and the exit status is 1; ``--debug`` or ``VNDX_DEBUG=1`` shows the
    traceback instead.
    """

    def invoke(self, ctx: click.Context) -> object:
        from analysis.running import faults

        try:
            return super().invoke(ctx)
        except (click.exceptions.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except Exception as exc:
            if faults.debug_requested():
                raise
            command = ctx.invoked_subcommand or "analysis"
            hint = "" if faults.says_what_to_do(exc) else " (run with --debug for the details)"
            click.echo(f"{command} failed: {faults.describe(exc)}{hint}", err=True)
            raise SystemExit(1) from None


@click.group(cls=_OneLineErrors, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="analysis")
@click.option("-v", "--verbose", is_flag=True, help="Log more detail.")
@click.option("--debug", is_flag=True, help="Show the full traceback of an error.")
def main(verbose: bool, debug: bool) -> None:
    """Provincial digital-transformation data, forecasts and briefings for Viet Nam."""
    if debug:
        os.environ["VNDX_DEBUG"] = "1"
    _setup_logging(verbose)


_LANG_OPTION = click.option(
    "--lang",
    type=click.Choice(["vi", "en"]),
    default="vi",
    show_default=True,
    help="Language of the problems and notes for the people who send the files.",
)


def _month(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    """``--period`` read as a month ``YYYY-MM`` (click names the option once in its error)."""
    from analysis.core.periods import month_text

    if value is None:
        return None
    try:
        return month_text(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@main.command()
@_LANG_OPTION
def ingest(lang: str) -> None:
    """Validate every file in data/raw and rebuild data/processed (atomically).

    Refused files are listed with every problem (in Vietnamese unless --lang en), and the
    previous store stays as it was.
    """
    from analysis import paths
    from analysis.data import ingest as ingest_mod
    from analysis.data import published_real
    from analysis.data.rebuild import rebuild

    survey = ingest_mod.survey_inputs()
    log.info("ingest: %d input file(s) under %s", len(survey.read), paths.raw_dir())
    for line in ingest_mod.describe_skipped(survey.skipped, lang="en"):
        log.info("skipped %s", line)
    if not survey.read:
        log.warning("no inputs found; run `python -m analysis demo` for the demo dataset")
    try:
        built = rebuild()
    except ingest_mod.IngestError as exc:
        click.echo(exc.render(lang), err=True)
        raise SystemExit(1) from None
    except published_real.PublishedFileError as exc:
        click.echo(f"{exc}; nothing was written to data/processed", err=True)
        raise SystemExit(1) from None
    result, real, version = built.result, built.real, built.version
    for note in result.notes:
        click.echo(_t("ingest.check.note", lang, note=note.render(lang)), err=True)
    n_log = len(result.harmonization_log)
    click.echo(
        f"data version {version}: {len(result.observations):,} observations from "
        f"{len(result.files)} file(s), {len(result.harmonized):,} on the 34-unit basis"
        + (
            f" ({n_log} {'unit-period' if n_log == 1 else 'unit-periods'} left out, "
            "see harmonization_log)"
            if n_log
            else ""
        )
        + (f", {len(real):,} published figures (published_real)" if real is not None else "")
        + (
            f", {len(result.communes):,} commune figures (commune_observations)"
            if len(result.communes)
            else ""
        )
        + f" -> {paths.build_database_path()}"
        + (f" (the damaged store was kept as {built.set_aside})" if built.set_aside else "")
        + (
            f"; {len(survey.skipped)} file(s) or folder(s) skipped (see the log)"
            if survey.skipped
            else ""
        )
    )


def _t(key: str, lang: str, **values: Any) -> str:
    from analysis.core.i18n import t

    return t(key, lang, **values)


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@_LANG_OPTION
def check(paths: tuple[Path, ...], lang: str) -> None:
    """Validate files, folders or sidecars only; write nothing. Exit status 1 on any problem.

    PATHS may be data files, their .meta.yml sidecars, folders (searched like data/raw) or
    patterns such as 'data/raw/2026-10/*'. Each file is listed with what was read from it
    (figures, units, months, indicators) or as refused, with every problem (in Vietnamese
    unless --lang en).
    """
    from analysis.data import ingest as ingest_mod

    result = ingest_mod.check_paths(paths)
    for line in ingest_mod.describe_skipped(result.skipped, lang=lang):
        click.echo(_t("ingest.check.skipped", lang, what=line), err=True)
    refused = {p.file: 0 for p in result.problems}
    for p in result.problems:
        refused[p.file] += 1
    for path in result.files:
        shown = ingest_mod.display_path(path)
        if shown in refused:
            click.echo(_t("ingest.check.refused_file", lang, file=shown, problems=refused[shown]))
        elif shown in result.summaries:
            summary = result.summaries[shown].render(lang)
            click.echo(_t("ingest.check.ok_file", lang, file=shown, summary=summary))
    for note in result.notes:
        click.echo(_t("ingest.check.note", lang, note=note.render(lang)), err=True)
    if result.problems:
        click.echo(ingest_mod.render_problems(result.problems, lang), err=True)
    if not result.files and not result.sidecars:
        click.echo(_t("ingest.check.no_files", lang, paths=", ".join(map(str, paths))), err=True)
        raise SystemExit(1)
    files = {ingest_mod.display_path(p) for p in result.files}
    sidecars = len(result.sidecars) - len({f for f in refused if f not in files})
    total = _t(
        "ingest.check.total_sidecars" if sidecars > 0 else "ingest.check.total",
        lang,
        files=len(result.files),
        ok=len(files - set(refused)),
        refused=len(files & set(refused)),
        sidecars=sidecars,
    )
    click.echo(total)
    if result.problems:
        raise SystemExit(1)


@main.command()
@click.option("--until", help="Last month (YYYY-MM); default: the latest complete month.")
@click.option("--out", type=click.Path(path_type=Path), help="Folder (default data/raw/demo).")
def demo(until: str | None, out: Path | None) -> None:
    """Write the deterministic synthetic demo dataset to data/raw/demo."""
    from analysis.data import demo as demo_mod

    written = demo_mod.write_demo(out_dir=out, until=until)
    click.echo(f"wrote {len(written)} demo file(s) to {written[0].parent if written else out}")


@main.command()
@click.option(
    "--period", callback=_month, help="Month YYYY-MM (default: the latest month with data)."
)
@click.option(
    "--province",
    "provinces",
    multiple=True,
    help="Code (40), codename (nghe_an) or name (Nghệ An); repeat for several.",
)
@click.option(
    "--level",
    type=click.Choice(["province", "commune"]),
    default="province",
    show_default=True,
    help="province: the briefings and national overview; commune: one scorecard per commune "
    "and one commune comparison per province.",
)
@click.option(
    "--commune",
    "communes",
    multiple=True,
    help="With --level commune: code (17920), codename or name; repeat for several.",
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
@click.option(
    "--dataset",
    help="Dataset in the store: submitted (your own data) or demo "
    "(default: submitted if ingested, else demo).",
)
@click.option(
    "--job-timeout",
    type=click.FloatRange(min=1),
    default=DEFAULT_JOB_TIMEOUT,
    show_default=True,
    help="Seconds one report may take (execution and rendering) before it is failed.",
)
@click.option("--scheduler", help="Dask scheduler address (tcp://host:8786) to run on a cluster.")
@click.option("--no-progress", is_flag=True, help="No progress bar (for cron logs).")
def run(**options: Any) -> None:
    """Execute and render the month's reports into reports/<period>/."""
    from analysis.running import params, runner

    fmts = _choices(options["formats"], runner.FORMATS, "--to")
    lang_list = _choices(options["langs"], ("vi", "en"), "--lang")
    period = options["period"]
    _require_observations()
    try:
        if period is None:
            params.check_dataset(options["dataset"])  # an unknown one is named, not "no data"
            rng = params.data_range(options["dataset"])
            if rng is None:
                raise click.ClickException("no processed data: run `python -m analysis ingest`")
            period = rng[1]
        summary = runner.run(
            period,
            options["provinces"] or None,
            options["notebooks"] or None,
            lang_list,
            fmts,
            jobs=options["jobs"],
            force=options["force"],
            scheduler=options["scheduler"],
            progress=not options["no_progress"],
            dataset=options["dataset"],
            job_timeout=options["job_timeout"],
            level=options["level"],
            communes=options["communes"] or None,
        )
    except params.ParameterError as exc:
        click.echo(f"refused before any kernel started:\n{exc}", err=True)
        raise SystemExit(2) from None
    _report_run(summary)


def _require_observations() -> None:
    """Stop in one line (exit 1) when the store has no observations to report on."""
    from analysis.data import store

    try:
        reason = store.missing_observations()
    except store.StoreMissing:
        return  # said by the command itself, with what to run
    if reason:
        raise click.ClickException(reason)


def _choices(text: str, allowed: tuple[str, ...], hint: str) -> tuple[str, ...]:
    """A comma-separated option as a tuple, every item one of ``allowed``."""
    chosen = tuple(x.strip() for x in text.split(",") if x.strip())
    bad = [x for x in chosen if x not in allowed]
    if bad or not chosen:
        raise click.BadParameter(f"{text!r}: use {', '.join(allowed)}", param_hint=hint)
    return chosen


def _report_run(summary: Any) -> None:
    """The run's summary: what was made, what was not and why; exit 1 if a job failed."""
    from analysis import paths

    out = paths.reports_dir() / summary.period
    n = len(summary.results)
    click.echo(
        f"{n - len(summary.failed)} of {n} report job(s) done "
        f"({len(summary.skipped)} unchanged and skipped) -> {out} "
        f"[dataset {summary.dataset}, data version {summary.data_version}]"
    )
    if summary.no_data:
        click.echo(
            f"not made: {len(summary.no_data)} unit(s) without data for {summary.period} in "
            f"dataset {summary.dataset!r}: {', '.join(summary.no_data[:40])}"
            + (
                f" ... (all in {paths.manifest_path(summary.period)})"
                if len(summary.no_data) > 40
                else ""
            )
        )
    if summary.no_published:
        click.echo(
            f"not made: {', '.join(summary.no_published)}: the store holds no published "
            "figures (table published_real is empty; run `python -m analysis ingest` with "
            "data/raw/published/real/ in place)"
        )
    if len(summary.data_versions) > 1:
        made = ", ".join(f"{v} ({n} file(s))" for v, n in summary.data_versions.items())
        click.echo(
            f"note: the reports in {out} come from {len(summary.data_versions)} data versions "
            f"({made}); run `python -m analysis run --period {summary.period}` without "
            f"--province to make them all from data version {summary.data_version}"
        )
    pdfs = [f for f in summary.files if f.endswith(".pdf")]
    if pdfs:
        where = "<province>/communes/<commune>" if summary.level == "commune" else "<province>"
        click.echo(
            f"PDF reports: {out}/{where}/*.pdf ({len(pdfs)} files), "
            f"manifest: {paths.manifest_path(summary.period)}"
        )
    for r in summary.failed:
        j = r["job"]
        where = f"{j['unit']}/communes/{j['commune']}" if j.get("commune") else j["unit"]
        click.echo(f"FAILED {where}/{j['notebook']} ({j['lang']}): {r['error']}", err=True)
    if summary.failed:
        raise SystemExit(1)


@main.command()
@click.option("--period", required=True, callback=_month, help="Month YYYY-MM.")
def index(period: str) -> None:
    """Rebuild reports/<period>/index.html and reports/index.html (every run also does)."""
    from analysis.running import params
    from analysis.running.delivery import index as index_mod

    written = index_mod.build_indexes(params.canonical_period(period))
    click.echo("wrote " + ", ".join(str(p) for p in written if p.suffix == ".html"))


@main.command()
@click.option("--period", required=True, callback=_month, help="Month YYYY-MM.")
def bundle(period: str) -> None:
    """Zip each unit's reports and all PDFs for the national office, with SHA256SUMS."""
    from analysis.running import params
    from analysis.running.delivery import bundle as bundle_mod
    from analysis.running.delivery.outputs import NoReports

    try:
        made = bundle_mod.build_bundles(params.canonical_period(period))
    except NoReports as exc:
        click.echo(f"bundle: {exc}", err=True)
        raise SystemExit(1) from None
    click.echo(f"{len(made.zips)} bundle(s) and {made.sums.name} -> {made.folder}")


@main.command()
@click.option("--period", required=True, callback=_month, help="Month YYYY-MM.")
@click.option(
    "--province", "provinces", multiple=True, help="Only this unit's recipients; repeatable."
)
@click.option("--dry-run", is_flag=True, help="Write .eml files to reports/<period>/outbox/.")
@click.option(
    "--recipients",
    type=click.Path(path_type=Path),
    help="Recipients YAML file (default data/recipients.yml).",
)
@click.option("--resend-changed", is_flag=True, help="Re-send where the data version changed.")
def send(**options: Any) -> None:
    """E-mail each unit's PDF to its recipients (SMTP settings from VNDX_SMTP_* variables)."""
    from analysis.reference.geography import UnknownProvince
    from analysis.running import params
    from analysis.running.delivery import mailer, recipients
    from analysis.running.delivery import send as send_mod
    from analysis.running.delivery.outputs import NoReports

    try:
        report = send_mod.send_period(
            params.canonical_period(options["period"]),
            options["provinces"] or None,
            options["recipients"],
            dry_run=options["dry_run"],
            resend_changed=options["resend_changed"],
        )
    except (NoReports, recipients.RecipientsError, mailer.SettingsError, UnknownProvince) as exc:
        click.echo(f"send: {exc}", err=True)
        raise SystemExit(1) from None
    _report_send(report, options["dry_run"])


def _report_send(report: Any, dry_run: bool) -> None:
    """One line per message not sent, then the counts; exit 1 unless all asked was sent."""
    for line in report.changed + report.problems:
        click.echo(line, err=True)
    for line in report.notes:
        click.echo(f"note: {line}", err=True)
    if dry_run and report.written:
        folder = report.written[0].parent
        click.echo(f"dry run: {len(report.written)} message(s) written to {folder}, none sent")
    elif dry_run:
        click.echo("dry run: no message written, none sent")
    else:
        click.echo(f"{len(report.sent)} message(s) sent")
    click.echo(
        f"{len(report.already)} already sent with this data version, "
        f"{len(report.changed)} sent with another data version, "
        f"{len(report.problems)} not sent"
    )
    if report.interrupted:
        click.echo(f"send stopped: {report.interrupted}", err=True)
    if not report.ok:
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
        reason = store.missing_observations()
        if reason:
            raise click.ClickException(reason)
        with store.connect() as con:
            rows = con.execute(
                "SELECT dataset, min(period), max(period), count(*) FROM observations_34 "
                "WHERE freq = 'M' GROUP BY dataset ORDER BY dataset"
            ).fetchall()
        for ds, first, last, n in rows:
            click.echo(f"{ds:10s} {first} .. {last}  ({n:,} rows)")


def _add_collection_commands() -> None:
    from analysis.collection import commands

    for command in (commands.collect, commands.status, commands.remind):
        main.add_command(command)


_add_collection_commands()


if __name__ == "__main__":  # pragma: no cover
    main()
