"""The course's website (make book), built from the committed notebooks and read in Debian's Chromium, offline.

The site is built once, served from 127.0.0.1 as GitHub Pages would serve it, and every page is opened with every
request that leaves this machine refused and recorded: a page that needs the internet fails here as it would on an
offline laptop. Each page must load without console errors, its figures must have decoded, and every link inside
the site must reach a page (and the anchor on it) that exists. Chapter 2's stored video must play, and the search
must find a term of chapter 4.
"""
from __future__ import annotations

import functools
import http.server
import re
import threading
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from serverless_workbook.common import registry
from serverless_workbook.course import book

pytestmark = pytest.mark.slow

# A term chapter 4 explains (the start page's course map names it too).
SEARCHED = "GraphQL"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    output = tmp_path_factory.mktemp("book")
    book.build(output)
    return output


@pytest.fixture(scope="module")
def served(site):
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    handler.log_message = lambda *args: None
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()


class _Page(HTMLParser):
    """A built page's internal links and the anchors it holds."""

    def __init__(self) -> None:
        super().__init__()
        self.links: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if "id" in attributes:
            self.ids.add(attributes["id"])
        href = attributes.get("href") if tag == "a" else None
        if href and not re.match(r"^[a-z][a-z0-9+.-]*:", href):
            self.links.append(href)


def _pages(site: Path) -> list[Path]:
    """Every page of the site (the theme's own HTML templates in _static are none)."""
    return sorted(path for path in site.rglob("*.html") if "_static" not in path.relative_to(site).parts)


@functools.cache
def _read(path: Path) -> _Page:
    page = _Page()
    page.feed(path.read_text(encoding="utf-8"))
    return page


def test_the_site_holds_the_course_in_order_and_the_labs_without_answers(site):
    order = book.reading_order()
    assert order[-1] == "README" and len(order) == len(registry.entries())  # the home is the start page
    for document in [book.HOME, *order]:
        assert (site / f"{document}.html").is_file(), document
    assert (site / "index.html").read_text().count(f"url={book.HOME}.html") == 1
    for lab in registry.labs():
        text = (site / "labs" / f"{lab.stem}.html").read_text(encoding="utf-8")
        assert "NotImplementedError" in text and "BEGIN SOLUTION" not in text, lab.stem
    for chapter in registry.chapters():  # a widget's place says how to run it live; no widget's raw repr shows
        text = (site / "chapters" / f"{chapter.stem}.html").read_text(encoding="utf-8")
        assert "VBox(" not in text and "Output()" not in text, chapter.stem
        if chapter.number in (1, 5, 6):
            assert "sliders need a running kernel" in text, chapter.stem


def test_every_internal_link_reaches_a_page_and_its_anchor(site):
    broken = []
    for path in _pages(site):
        for href in _read(path).links:
            target, _, anchor = urljoin(path.relative_to(site).as_posix(), href).partition("#")
            target_path = site / unquote(urlsplit(target).path)
            if target_path.is_dir():
                target_path /= "index.html"
            if not target_path.is_file():
                broken.append(f"{path.relative_to(site)}: {href}")
            elif anchor and target_path.suffix == ".html" and unquote(anchor) not in _read(target_path).ids:
                broken.append(f"{path.relative_to(site)}: {href} (no such anchor)")
    assert not broken, "\n".join(broken)


def test_every_page_loads_offline_without_errors_and_its_figures_decode(site, served, page):
    outside, errors = [], []
    page.route(re.compile(r"^(?!http://127\.0\.0\.1:)"), lambda route: (outside.append(route.request.url),
                                                                      route.abort()))
    page.on("console", lambda message: message.type == "error" and errors.append(f"{page.url}: {message.text}"))
    page.on("pageerror", lambda error: errors.append(f"{page.url}: {error}"))
    undecoded = []
    # index.html only sends the reader on to the start page, which is opened here in its turn.
    for path in sorted(set(_pages(site)) - {site / "index.html"}):
        page.goto(urljoin(served, path.relative_to(site).as_posix()), wait_until="load")
        images = page.eval_on_selector_all("img", "images => images.map(i => [i.currentSrc.slice(0, 80), "
                                                    "i.complete && i.naturalWidth > 0])")
        undecoded += [f"{path.relative_to(site)}: {source}" for source, decoded in images if not decoded]
    assert not outside, f"pages asked the internet for: {sorted(set(outside))}"
    assert not errors, "\n".join(errors)
    assert not undecoded, "\n".join(undecoded)


def test_the_stored_video_plays(served, page):
    page.goto(urljoin(served, "chapters/02-event-driven-pipeline.html"))
    video = page.locator("video").first
    video.scroll_into_view_if_needed()
    handle = video.element_handle()
    page.evaluate("video => { video.muted = true; return video.play(); }", handle)
    page.wait_for_function("video => video.currentTime > 0.2", arg=handle, timeout=30_000)
    assert page.evaluate("video => [video.videoWidth, video.videoHeight]", handle) == [640, 480]


def test_the_search_finds_a_term_of_chapter_4(served, page):
    page.goto(urljoin(served, f"search.html?q={SEARCHED}"))
    page.wait_for_selector("#search-results li a", timeout=30_000)
    found = page.eval_on_selector_all("#search-results li a", "links => links.map(a => a.getAttribute('href'))")
    assert any("04-architectures-and-patterns" in href for href in found), found
