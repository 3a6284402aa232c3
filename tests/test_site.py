"""The static site and the lecture's slides (``make site``, ``make slides``; tools/site.py), read as a person does.

Built once per session into a temporary folder: the site with 00 and 01 only (01's 30 explorer pictures are
drawn in about 10 s, or come from _build/cache/; the whole site with 02's 444 pictures takes 100 s cold), and
the whole deck. Then headless Chromium, with every request that is neither a file nor the loopback refused:
the index leads to 01, 01's math is typeset by the local MathJax, its K and seed sliders show other pictures
without a kernel; the deck opens and the right arrow moves to the next slide. Screenshots go to
``artifacts/site/`` (ignored by git).

Needs Debian's ``chromium``, the ``playwright`` Python package and npm (for reveal.js): without them the
browser tests skip with a reason; with ``CFGMM_REQUIRE_BROWSER=1`` (CI) that is a failure instead.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import sys
from pathlib import Path
from urllib.parse import urlparse

import nbformat
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

# tools/site.py, loaded by its path: the name ``site`` is the standard library's
_spec = importlib.util.spec_from_file_location("cfgmm_site_tool", ROOT / "tools" / "site.py")
sitetool = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(sitetool)

from test_browser import CHROMIUM_FLAGS, _unavailable, chromium  # noqa: E402,F401  (the same browser set-up)

# screenshots: artifacts/site/ (ignored by git), or CFGMM_SITE_SHOTS
ARTIFACTS = Path(os.environ.get("CFGMM_SITE_SHOTS", ROOT / "artifacts" / "site"))
SUBSET = ["00_start_here", "01_kmeans"]
CURRENT = "() => Reveal.getCurrentSlide().textContent"  # the slide on show (nbconvert nests sections)


# --------------------------------------------------------------------------------------------------
# without a browser: what the build reads

def test_lecture_path_agrees_between_pairs():
    """Each notebook's slide metadata is the same in its .py and its .ipynb (the pair check compares sources)."""
    import jupytext

    for py in sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.py")):
        a = [c.metadata.get("slideshow") for c in jupytext.read(py).cells]
        b = [c.metadata.get("slideshow") for c in nbformat.read(py.with_suffix(".ipynb"), as_version=4).cells]
        assert a == b, py.name


def test_lecture_path_covers_00_to_05_and_starts_each_notebook_with_a_slide():
    found = {}
    for path in sitetool.sources():
        cells = sitetool.lecture_cells(nbformat.read(path, as_version=4))  # raises if the first is no "slide"
        if cells:
            found[path.stem[:2]] = len(cells)
            assert {c.metadata.slideshow["slide_type"] for c in cells} <= {"slide", "-"}
    # 00's table: "| 0-5 | 00 | ..." to "| 43-50 | 05 | ..."
    start = (ROOT / "notebooks" / "00_start_here.py").read_text()
    assert sorted(found) == sorted(set(re.findall(r"^# \| \d+-\d+ \| (\d\d) \|", start, re.M)))


def test_index_lines_come_from_00s_table():
    lines = sitetool.series_lines(ROOT / "notebooks" / "00_start_here.ipynb")
    assert [n for n in lines] == [p.stem for p in sitetool.sources()][1:]


def test_step_positions():
    assert sitetool.step_positions(7, full=False) == list(range(7))
    assert sitetool.step_positions(67, full=True) == list(range(67))
    chosen = sitetool.step_positions(593, full=False)
    assert chosen[:7] == list(range(7)) and chosen[-1] == 592 and len(chosen) <= 13 and chosen == sorted(set(chosen))


# --------------------------------------------------------------------------------------------------
# in the browser

@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """The site (00 and 01) and the whole deck, built once."""
    if shutil.which("npm") is None and not (sitetool.NPM_PREFIX / "node_modules" / "reveal.js").exists():
        _unavailable("npm is not installed (the slides' reveal.js comes from npm): `sudo apt-get install npm`")
    out = tmp_path_factory.mktemp("build")
    site = sitetool.build_site(SUBSET, out / "site")
    slides = sitetool.build_slides(out / "slides")
    print(f"site: {site['pages']} pages in {site['seconds']:.1f} s; slides: {slides['slides']} in {slides['seconds']:.1f} s")
    return {"site": out / "site", "slides": out / "slides", "site_report": site, "slides_report": slides}


def _shot(page, name):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.fixture
def offline_page(chromium):
    """A page that refuses every request that is neither a file nor the loopback, and lists them."""
    context = chromium.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    refused, errors = [], []

    def route(r):
        url = urlparse(r.request.url)
        if url.scheme in ("file", "data", "about", "blob") or url.hostname in ("127.0.0.1", "localhost", "::1"):
            r.continue_()
        else:
            refused.append(r.request.url)
            r.abort()

    page.route("**", route)
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.refused, page.errors = refused, errors
    yield page
    context.close()


@pytest.mark.browser
def test_site_index_to_01_math_and_a_slider(built, offline_page):
    from playwright.sync_api import expect

    page = offline_page
    page.goto((built["site"] / "index.html").as_uri())
    items = page.locator("ol.cfgmm-series li")
    expect(items).to_have_count(len(SUBSET))
    assert items.nth(1).inner_text().startswith("01 · K-means, the course's way: cluster the 2-D toy data")
    _shot(page, "index")
    page.get_by_role("link", name=re.compile("^01 · K-means")).click()
    page.wait_for_url(re.compile(r"01_kmeans\.html$"))

    # the math: typeset by the local MathJax 2 (HTML-CSS output), no raw TeX left in a typeset spot
    page.wait_for_selector(".MathJax", state="attached", timeout=30_000)
    assert page.locator(".MathJax").count() >= 10
    page.wait_for_function("() => window.MathJax && MathJax.Hub.queue.pending === 0 && !MathJax.Hub.queue.running",
                           timeout=30_000)
    assert page.locator("script[type^='math/tex']").count() == page.locator(".MathJax").count()
    assert page.locator(".MathJax .merror, .MathJax_Error").count() == 0

    # the explorer: 30 pictures, one per (K, seed), switched by its sliders
    box = page.locator(".cfgmm-explorer")
    expect(box).to_have_count(1)
    box.scroll_into_view_if_needed()
    picture = box.locator("img.cfgmm-picture")
    data = json.loads(box.locator("script.cfgmm-explorer-data").text_content())
    assert len(data["runs"]) == 30
    assert picture.get_attribute("src").endswith("kmeans-K3-seed0.png")
    _wait_loaded(page, picture)
    _shot(page, "01_explorer_K3_seed0")
    before = picture.screenshot()

    K = box.locator("input[name=K]")
    K.focus()
    K.press("ArrowRight")  # K = 4, as a person does with the keyboard
    expect(box.locator("label", has_text="K").locator("output")).to_have_text("4")
    assert picture.get_attribute("src").endswith("kmeans-K4-seed0.png")
    _wait_loaded(page, picture)
    assert picture.screenshot() != before, "the picture did not change with K"
    _shot(page, "01_explorer_K4_seed0")

    seed = box.locator("input[name=seed]")  # the seed by the mouse: a click at the slider's right end
    bounds = seed.bounding_box()
    page.mouse.click(bounds["x"] + bounds["width"] - 2, bounds["y"] + bounds["height"] / 2)
    expect(box.locator("label", has_text="seed").locator("output")).to_have_text("4")
    assert picture.get_attribute("src").endswith("kmeans-K4-seed4.png")
    _wait_loaded(page, picture)
    _shot(page, "01_explorer_K4_seed4")
    assert not page.errors, page.errors
    assert not page.refused, f"requests to the network: {page.refused}"


def _wait_loaded(page, picture):
    page.wait_for_function("img => img.complete && img.naturalWidth > 0", arg=picture.element_handle(),
                           timeout=10_000)


@pytest.mark.browser
def test_slides_open_offline_and_the_right_arrow_moves_on(built, offline_page):
    page = offline_page
    page.goto((built["slides"] / "index.html").as_uri())
    page.wait_for_function("() => window.Reveal && Reveal.isReady()", timeout=30_000)
    total = page.evaluate("() => Reveal.getTotalSlides()")
    assert total == built["slides_report"]["slides"] >= 20
    assert page.evaluate("() => Reveal.getIndices().h") == 0
    first = page.evaluate(CURRENT)
    assert "Collaborative filtering via Gaussian mixtures" in first and "A 50-minute lecture path" in first
    _shot(page, "slides_1")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => Reveal.getIndices().h === 1")
    assert page.evaluate("() => Reveal.getCurrentSlide().querySelector('h2').textContent").startswith("2. The sliders")
    _shot(page, "slides_2")
    page.keyboard.press("End")  # the last slide: 05's K = 12 mixture
    page.wait_for_function(f"() => Reveal.getIndices().h === {total - 1}")
    assert "Seven of the twelve components" in page.evaluate(CURRENT)
    _shot(page, "slides_last")
    assert not page.errors, page.errors
    assert not page.refused, f"requests to the network: {page.refused}"
