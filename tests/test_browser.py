"""The delivered pages in a real browser: Debian's Chromium driven by Playwright.

The index pages and the HTML briefing of one province (both languages) are opened from
``file://`` and from a local ``http.server``: they load without console errors,
every link resolves, the search box finds "Nghệ An" from "nghe an", no request leaves the
machine (every request is intercepted and logged), and axe-core (the copy shipped inside the
``axe-playwright-python`` package, run in the page) finds no serious or critical accessibility
violation. Screenshots and axe reports are written to ``tests/artifacts/`` (git-ignored).

Nothing is downloaded: the browser is the system's ``chromium`` (Makefile ``DEB_PACKAGES``);
the tests are skipped, with that reason, on a machine without it.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from tests.conftest import DEMO_UNTIL, ROOT

CHROMIUM = os.environ.get("VNDX_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(
        not Path(CHROMIUM).is_file(),
        reason="no Chromium: install the Debian package 'chromium' (make setup does)",
    ),
]
playwright_api = pytest.importorskip("playwright.sync_api")
axe_api = pytest.importorskip("axe_playwright_python.sync_playwright")

ARTIFACTS = ROOT / "tests" / "artifacts"
TIMEOUT_MS = 120_000
PERIOD = DEMO_UNTIL
INDEX_PAGES = ["index.html", "index.en.html", f"{PERIOD}/index.html", f"{PERIOD}/index.en.html"]
BRIEFINGS = [
    f"{PERIOD}/nghe_an/30_leadership_briefing.html",
    f"{PERIOD}/nghe_an/30_leadership_briefing.en.html",
]


@pytest.fixture(scope="module")
def site(demo_store, tmp_path_factory) -> Path:
    """The HTML briefing and published figures of Nghệ An in Vietnamese and English, with the
    index pages.

    Two notebooks and no PDF keep it short; the index then lists several reports of one unit
    (whose links must not read alike), and the national row has published figures only.
    """
    from analysis.running import runner

    reports = tmp_path_factory.mktemp("browser") / "reports"
    saved = {k: os.environ.get(k) for k in ("VNDX_DATA_DIR", "VNDX_REPORTS_DIR")}
    os.environ.update(VNDX_DATA_DIR=str(demo_store), VNDX_REPORTS_DIR=str(reports))
    try:
        summary = runner.run(
            PERIOD,
            provinces=["nghe_an"],
            notebooks=["30_leadership_briefing", "25_published_figures"],
            langs=["vi", "en"],
            formats=["html"],
            jobs=2,
            progress=False,
        )
    finally:
        for key, value in saved.items():
            os.environ.pop(key, None) if value is None else os.environ.update({key: value})
    assert summary.ok, summary.failed
    return reports


class _QuietHandler(SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server(site) -> Iterator[str]:
    """``http://127.0.0.1:PORT/`` serving the reports folder, for this module's tests."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}/"
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class Visit:
    """One page opened in a fresh context, with what it logged and asked for."""

    page: object
    errors: list[str] = field(default_factory=list)
    outside: list[str] = field(default_factory=list)


def _local(url: str, server: str) -> bool:
    return url.startswith(("file://", "data:", "about:")) or url.startswith(server)


@pytest.fixture
def visit(browser, server) -> Iterator[object]:
    """``visit(url)``: open ``url``; anything not local is logged and aborted, never sent."""
    contexts = []

    def open_page(url: str) -> Visit:
        context = browser.new_context(viewport={"width": 1200, "height": 900})
        # Generous: on a loaded 2-core machine a page with axe-core can take more than the
        # default 30 s; a real hang still fails.
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        seen = Visit(page)

        def route(r) -> None:
            if _local(r.request.url, server):
                r.continue_()
            else:
                seen.outside.append(r.request.url)
                r.abort()

        context.route("**/*", route)
        page.on("console", lambda m: seen.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: seen.errors.append(str(e)))
        page.goto(url, wait_until="load")
        return seen

    yield open_page
    for context in contexts:
        context.close()


def _urls(site: Path, server: str, path: str) -> dict[str, str]:
    return {"file": (site / path).as_uri(), "http": server + path}


@pytest.mark.parametrize(
    ("path", "scheme"),
    [(p, s) for p in INDEX_PAGES for s in ("file", "http")] + [(p, "file") for p in BRIEFINGS],
)
def test_pages_load_without_errors_or_requests_leaving_the_machine(
    site, server, visit, path, scheme
):
    seen = visit(_urls(site, server, path)[scheme])
    assert seen.page.title()
    assert seen.page.locator("main").count() == 1
    assert seen.errors == [], seen.errors
    assert seen.outside == [], seen.outside


@pytest.mark.parametrize("path", INDEX_PAGES)
@pytest.mark.parametrize("scheme", ["file", "http"])
def test_every_link_resolves(site, server, visit, path, scheme):
    seen = visit(_urls(site, server, path)[scheme])
    hrefs = seen.page.eval_on_selector_all("a[href]", "links => links.map(a => a.href)")
    assert hrefs
    for href in hrefs:
        if scheme == "http":
            assert href.startswith(server), href
            response = seen.page.request.get(href)
            assert response.status == 200, (href, response.status)
        else:
            target = Path(unquote(urlsplit(href).path))
            assert target.is_file() and target.is_relative_to(site), href


@pytest.mark.parametrize(
    ("path", "query"),
    [(f"{PERIOD}/index.html", "nghe an"), (f"{PERIOD}/index.en.html", "  NGHỆ   an ")],
)
def test_the_search_box_finds_a_province_without_its_accents(site, visit, path, query):
    page = visit((site / path).as_uri()).page
    rows = page.locator("#units tbody tr")
    total = rows.count()
    assert total >= 2
    page.fill("#q", query)
    visible = page.locator("#units tbody tr:visible")
    assert visible.count() == 1
    assert visible.first.locator("th").inner_text().startswith("Nghệ An")
    assert page.locator("#none").is_hidden()
    # docs/index-page.png is this screenshot (Vietnamese page), copied by hand when it changes.
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"search-{Path(path).stem}.png"))
    page.fill("#q", "không có tỉnh này")
    assert page.locator("#units tbody tr:visible").count() == 0
    assert page.locator("#none").is_visible()
    page.fill("#q", "")
    assert page.locator("#units tbody tr:visible").count() == total


@pytest.mark.parametrize("path", INDEX_PAGES + BRIEFINGS)
def test_axe_finds_no_serious_or_critical_violation(site, visit, path):
    page = visit((site / path).as_uri()).page
    results = axe_api.Axe().run(page)
    violations = results.response["violations"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    name = path.replace("/", "_").removesuffix(".html")
    (ARTIFACTS / f"axe-{name}.json").write_text(
        json.dumps(violations, ensure_ascii=False, indent=1), encoding="utf-8"
    )
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=path in INDEX_PAGES)
    bad = [
        (v["id"], v["impact"], [n["html"][:120] for n in v["nodes"][:3]])
        for v in violations
        if v["impact"] in ("serious", "critical")
    ]
    assert bad == [], bad
    assert results.response["passes"], "axe-core ran no check"


@pytest.mark.parametrize("path", INDEX_PAGES)
def test_no_two_links_with_the_same_name_lead_to_different_reports(site, visit, path):
    """axe-core's "identical-links-same-purpose" (WCAG 2.4.9, off by default) on the index:
    every report link of a unit names the unit, the report and the format."""
    page = visit((site / path).as_uri()).page
    rule = "identical-links-same-purpose"
    results = axe_api.Axe().run(page, options={"runOnly": {"type": "rule", "values": [rule]}})
    response = results.response
    assert response["violations"] == [], response["violations"]
    assert response["incomplete"] == [], [
        n["html"] for r in response["incomplete"] for n in r["nodes"]
    ]
    assert [r["id"] for r in response["passes"]] == [rule]
    names = page.eval_on_selector_all(
        "#units a", "links => links.map(a => [a.getAttribute('aria-label'), a.href])"
    )
    if path.startswith(PERIOD):
        assert len(names) >= 8 and len({n for n, _ in names}) == len(names)


def test_the_briefing_images_have_their_chart_text(site, visit):
    page = visit((site / BRIEFINGS[0]).as_uri()).page
    alts = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.alt)")
    assert alts and all(a.startswith("Biểu đồ ") for a in alts), alts
    # The browser decoded every embedded chart (an image it could not load has no width).
    widths = page.eval_on_selector_all("img", "imgs => imgs.map(i => i.naturalWidth)")
    assert all(w > 0 for w in widths), widths
