"""Build the series as a static site and the 50-minute lecture as slides (``make site``, ``make slides``).

    python tools/site.py site [NAME ...] [--out DIR]   # notebooks/*.ipynb -> _build/site/ (index.html first)
    python tools/site.py slides [--out DIR]            # the lecture path of 00 -> _build/slides/index.html

Both read the committed, executed ``.ipynb`` files and execute nothing of them: the pages show the
outputs (figures, tables, checkpoints) that ``make notebooks`` recorded on the course data. Both work
without a network and load nothing from one: the HTML is nbconvert's with templates of our own
(``tools/site_templates/``) that take out every CDN; MathJax is the copy in the PyPI package
``jupyter-server-mathjax``; the slides' reveal.js is the npm package ``reveal.js``, installed once into
``_build/npm/`` (the only step that needs the npm registry; later builds reuse it).

The site. One page per notebook, in series order, with the index's one line each taken from 00's
table of the series. The slider explorers of 01 (``kmeans_explorer``) and 02 (``compare_explorer``,
``em_steps_explorer``) work without a kernel: every (K, seed) position of their sliders is drawn at
build time by the library's own figure functions (``widgets.fit_figure``, ``compare_figure``,
``step_figure``, as the live explorer draws it) and a few lines of JavaScript (``static/explorer.js``)
show the picture of the sliders' position. The EM-step slider has every half-step of the run it
starts on and a dozen chosen half-steps of each other run (the live one has them all). The pictures
are cached in ``_build/cache/`` under a hash of the library's source and the data, so a rebuild
redraws nothing. The explorers of 06 and 08 fit new images as they move: their page shows the still
picture of their starting values and says that the live version needs JupyterLab.

The slides. The cells of 00-05 whose metadata has ``slideshow`` (in the ``.py`` sources:
``# %% [markdown] slideshow={"slide_type": "slide"}``) are the lecture path of 00's table, in order;
the other cells are left out. ``"slide"`` starts a slide, ``"-"`` continues it. A code cell longer
than FOLD_LINES lines is folded behind a click. nbconvert's slides exporter writes the deck.
"""

from __future__ import annotations

import argparse
import copy
import hashlib
import html
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = ROOT / "notebooks"
BUILD = ROOT / "_build"
TEMPLATES = Path(__file__).resolve().parent / "site_templates"
CACHE = BUILD / "cache" / "pictures"
NPM_PREFIX = BUILD / "npm"
REVEAL = "reveal.js@5.2.1"  # the layout nbconvert's reveal template knows (dist/, plugin/)
MATHJAX_CONFIG = "TeX-AMS-MML_HTMLorMML-full,Safe"  # the configuration jupyter-server-mathjax ships
WIDGET = "application/vnd.jupyter.widget-view+json"
FOLD_LINES = 15
#: How many half-steps of each EM run (other than the one the slider starts on) the site draws: every
#: half-step up to FIRST_STEPS, then STEPS_AFTER more spaced evenly on a log scale up to the last.
FIRST_STEPS, STEPS_AFTER = 7, 6


def sources() -> list[Path]:
    """The executed notebooks, in series order."""
    return sorted(NOTEBOOKS.glob("[0-9][0-9]_*.ipynb"))


# --------------------------------------------------------------------------------------------------
# what the index says of each notebook

def title(nb) -> str:
    """The notebook's first heading (``# 02 · EM: soft clusters``), or its file name."""
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            m = re.search(r"^#\s+(.+)$", cell.source, re.M)
            if m:
                return m.group(1).strip()
    return ""


def page_title(name: str, nb) -> str:
    """The title of a notebook's page: its first heading, led by its number (``00 · Collaborative ...``)."""
    heading = title(nb) or name
    return heading if heading.startswith(name[:2]) else f"{name[:2]} · {heading}"


def series_lines(start: Path) -> dict[str, str]:
    """00's table of the series (``| `01_kmeans` | what you do there |``): notebook name -> its line."""
    lines = {}
    for cell in nbformat.read(start, as_version=4).cells:
        if cell.cell_type == "markdown":
            for m in re.finditer(r"^\|\s*`(\d\d_\w+)`\s*\|\s*(.+?)\s*\|\s*$", cell.source, re.M):
                lines[m.group(1)] = m.group(2)
    return lines


def first_sentence(nb) -> str:
    """The first sentence after the notebook's heading (00's line: it is not in its own table)."""
    for cell in nb.cells:
        if cell.cell_type == "markdown" and re.search(r"^#\s", cell.source, re.M):
            body = re.sub(r"^#.*$", "", cell.source, count=1, flags=re.M).strip()
            text = " ".join(body.split("\n\n")[0].split())
            return re.split(r"(?<=\.)\s", text, maxsplit=1)[0]
    return ""


def inline_markdown(text: str) -> str:
    """The few inline marks of a table line as HTML: `code`, **bold**, *italic* (escaped first)."""
    text = html.escape(text)
    text = re.sub(r"`([^`]+)`", r"<code>\1</code>", text)
    text = re.sub(r"\*\*([^*]+)\*\*", r"<b>\1</b>", text)
    return re.sub(r"\*([^*]+)\*", r"<i>\1</i>", text)


# --------------------------------------------------------------------------------------------------
# the explorers of 01 and 02, drawn at build time

def parameters(nb) -> dict:
    """The values the notebook's parameters cell (its first) sets: plain constants, run as Python."""
    cell = nb.cells[0]
    if "parameters" not in cell.metadata.get("tags", []):
        raise ValueError("the notebook's first cell is not its parameters cell")
    values: dict = {}
    exec(compile(cell.source, "parameters", "exec"), {}, values)  # noqa: S102 (our own notebooks' constants)
    return values


def starting_values(cell) -> dict[str, int]:
    """The sliders' starting values, from the widget's text (``[sliders: K = 3, seed = 0, step = 66; ...]``)."""
    for out in cell.get("outputs", []):
        text = out.get("data", {}).get("text/plain", "")
        if WIDGET in out.get("data", {}):
            return {k: int(v) for k, v in re.findall(r"(\w+) = (-?\d+)", text.split(";")[0])}
    raise ValueError("the explorer cell has no widget output")


def step_positions(n: int, full: bool) -> list[int]:
    """The half-steps of a run of ``n`` half-steps that the site draws (all of them when ``full``)."""
    if full or n <= FIRST_STEPS + STEPS_AFTER:
        return list(range(n))
    import numpy as np

    later = np.round(np.geomspace(FIRST_STEPS, n - 1, STEPS_AFTER)).astype(int)
    return sorted(set(range(FIRST_STEPS)) | {int(s) for s in later} | {n - 1})


class Pictures:
    """PNG files of figures, drawn once: cached under a hash of the library's source and the data."""

    def __init__(self, X, out: Path, cache: Path = CACHE):
        from cfgmm_lib import widgets

        digest = hashlib.sha256()
        for path in sorted((ROOT / "cfgmm_lib").rglob("*.py")):
            digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
        digest.update(repr((X.shape, str(X.dtype), widgets.DPI)).encode() + X.tobytes())
        self.cache = cache / digest.hexdigest()[:16]
        self.out = out
        self.drawn = self.reused = 0

    def get(self, name: str, draw) -> str:
        """The site's path of picture ``name`` (relative to the site's root), drawn by ``draw()`` if not cached."""
        from cfgmm_lib.widgets import DPI, figure_png

        cached = self.cache / name
        if cached.exists():
            self.reused += 1
        else:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".tmp")
            tmp.write_bytes(figure_png(draw(), dpi=DPI))
            tmp.replace(cached)
            self.drawn += 1
        target = self.out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(cached, target)
        return name


def explorer_html(kind: str, folder: str, params: dict, start: dict, X, pictures: Pictures, standin: bool) -> str:
    """The HTML of one precomputed explorer: its sliders, caption, picture and data (see static/explorer.js)."""
    from cfgmm_lib import widgets

    cache = widgets.FitCache(X)
    K_max, seeds = params["SLIDER_K_MAX"], list(params["SEEDS"])
    seed_lo, seed_hi = min(seeds), max(seeds)
    K0, seed0 = start["K"], start["seed"]
    runs = {}
    for K in range(1, K_max + 1):
        for seed in range(seed_lo, seed_hi + 1):
            base = f"{folder}/{kind}-K{K}-seed{seed}"
            if kind == "kmeans":
                runs[f"{K},{seed}"] = {"pictures": [pictures.get(f"{base}.png", lambda: widgets.fit_figure(
                    cache, "kmeans", K, seed))], "captions": [f"K-means, K = {K}, seed = {seed}"]}
            elif kind == "compare":
                runs[f"{K},{seed}"] = {"pictures": [pictures.get(f"{base}.png", lambda: widgets.compare_figure(
                    cache, K, seed))], "captions": [f"K-means and EM from init(X, {K}, {seed})"]}
            else:
                steps = cache.trace(K, seed)
                chosen = step_positions(len(steps), full=(K, seed) == (K0, seed0))
                runs[f"{K},{seed}"] = {
                    "steps": chosen, "n": len(steps),
                    "pictures": [pictures.get(f"{base}-step{s}.png", lambda s=s: widgets.step_figure(X, steps, s))
                                 for s in chosen],
                    "captions": [f"<b>K = {K}, seed = {seed}</b>, step {s} of {len(steps) - 1}: "
                                 f"{html.escape(widgets.step_label(steps, s))}" for s in chosen]}
    sliders = [("K", 1, K_max, K0), ("seed", seed_lo, seed_hi, seed0)]
    first = runs[f"{K0},{seed0}"]
    index = len(first["pictures"]) - 1 if kind == "em_steps" else 0
    if kind == "em_steps":
        sliders.append(("step", 0, index, index))
    data = {"keys": ["K", "seed"], "runs": runs}
    parts = [f'<div class="cfgmm-explorer" data-kind="{kind}">',
             f'<script type="application/json" class="cfgmm-explorer-data">{json.dumps(data)}</script>',
             '<div class="cfgmm-sliders">']
    for name, lo, hi, value in sliders:
        label = "EM step" if name == "step" else name
        readout = (f"{first['steps'][value]} of {first['n'] - 1}" if name == "step" else str(value))
        parts.append(f'<label>{label} <input type="range" name="{name}" min="{lo}" max="{hi}" value="{value}" '
                     f'step="1"> <output>{readout}</output></label>')
    parts.append("</div>")
    parts.append(f'<div class="cfgmm-caption">{first["captions"][index] if kind == "em_steps" else ""}</div>')
    parts.append(f'<img class="cfgmm-picture" src="{first["pictures"][index]}" alt="{html.escape(first["captions"][index])}">')
    count = sum(len(r["pictures"]) for r in runs.values())
    note = (f"These sliders show pictures drawn when this page was built ({count} of them, one for each "
            f"position): no kernel is needed. ")
    if kind == "em_steps":
        note += (f"The EM-step slider has every half-step of the run it starts on (K = {K0}, seed = {seed0}); "
                 f"for the other runs, the first {FIRST_STEPS} half-steps and {STEPS_AFTER} more spread out to "
                 "the last. In JupyterLab (<code>make lab</code>) it has every half-step of every run.")
    if standin:
        note += " <b>Drawn on the synthetic stand-in data</b>: the course files were not installed at build time."
    parts.append(f'<p class="cfgmm-note">{note}</p></div>')
    return "\n".join(parts)


LIVE_ONLY = ("<div class=\"cfgmm-live-only\"><b>A live explorer.</b> Its sliders ({values}) redraw from what the "
             "notebook computed (and may fit new images), which needs a running kernel: open this notebook in "
             "JupyterLab (<code>make lab</code>) to move them. Below is its picture at the starting values.</div>")


def static_notebook(nb, name: str, out: Path, pictures_for) -> tuple[object, list[str]]:
    """A copy of ``nb`` whose widget outputs are replaced: 01 and 02's explorers by precomputed ones,
    any other by a note and its still picture. Returns the notebook and what was done (for the log)."""
    nb = copy.deepcopy(nb)
    nb.metadata.pop("widgets", None)
    done = []
    kinds = {"kmeans_explorer(": "kmeans", "compare_explorer(": "compare", "em_steps_explorer(": "em_steps"}
    for cell in nb.cells:
        if cell.cell_type != "code" or not any(WIDGET in o.get("data", {}) for o in cell.get("outputs", [])):
            continue
        kind = next((k for call, k in kinds.items() if call in cell.source), None)
        widget = next(o for o in cell.outputs if WIDGET in o.get("data", {}))
        if kind is not None:
            X, standin, params = pictures_for(nb)
            html_ = explorer_html(kind, f"explorers/{name}", params, starting_values(cell), X,
                                  pictures_for.pictures, standin)
            cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": html_})]
            done.append(f"{kind} explorer precomputed")
        else:
            values = widget["data"]["text/plain"].split(";")[0].removeprefix("[sliders: ")
            widget["data"] = {"text/html": LIVE_ONLY.format(values=html.escape(values))}
            done.append("live explorer: still picture")
    return nb, done


class ExplorerData:
    """The data, parameters and picture cache of a notebook's explorers (loaded when first needed)."""

    def __init__(self, out: Path):
        self.out = out
        self.pictures = None
        self._loaded: dict = {}

    def __call__(self, nb):
        from cfgmm_lib.data import load_or_standin

        params = parameters(nb)
        if params["DATA"] not in self._loaded:
            self._loaded[params["DATA"]] = load_or_standin(params["DATA"])
        X, standin = self._loaded[params["DATA"]]
        if self.pictures is None:
            self.pictures = Pictures(X, self.out)
        return X, standin, params


# --------------------------------------------------------------------------------------------------
# the pages

def mathjax_static() -> Path:
    try:
        import jupyter_server_mathjax
    except ImportError:
        sys.exit("the site's math needs the PyPI package jupyter-server-mathjax: "
                 "`.venv/bin/pip install -e '.[site]'` (make site does it)")
    return Path(jupyter_server_mathjax.__file__).parent / "static"


def copy_mathjax(out: Path) -> None:
    """MathJax 2.7 from jupyter-server-mathjax into ``out/mathjax`` (English only: 12 MB -> 10 MB)."""
    target = out / "mathjax"
    if target.exists():
        shutil.rmtree(target)
    src = mathjax_static()

    def ignore(folder, names):
        return [n for n in names if Path(folder).name == "localization" and n != "en"]

    shutil.copytree(src, target, ignore=ignore)


def write_static(out: Path, names: list[str]) -> None:
    static = out / "static"
    static.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(TEMPLATES / "static" / name, static / name)


def html_exporter(template: str, **config):
    from nbconvert import HTMLExporter, SlidesExporter
    from traitlets.config import Config

    cls = SlidesExporter if template == "cfgmm_slides" else HTMLExporter
    return cls(config=Config({cls.__name__: config}), template_name=template,
               extra_template_basedirs=[str(TEMPLATES)], extra_template_paths=[str(TEMPLATES / "common")])


def nav(pages: list[tuple[str, str]], i: int) -> str:
    """The links above and below page ``i``: the index, the previous and the next notebook."""
    links = ['<a href="index.html">the series</a>']
    if i > 0:
        links.append(f'<a href="{pages[i - 1][0]}.html" rel="prev">&larr; {html.escape(pages[i - 1][1])}</a>')
    if i + 1 < len(pages):
        links.append(f'<a href="{pages[i + 1][0]}.html" rel="next">{html.escape(pages[i + 1][1])} &rarr;</a>')
    return '<nav class="cfgmm-nav">' + " · ".join(links) + "</nav>"


INDEX = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<title>Collaborative filtering via Gaussian mixtures: the notebook series</title>
<link rel="stylesheet" href="static/site.css">
</head>
<body class="cfgmm-index">
<main>
<h1>Collaborative filtering via Gaussian mixtures</h1>
<p>The notebook series of <code>cfgmm</code>, for the MITx 6.86x project <i>Collaborative Filtering via
Gaussian Mixtures</i>, as pages: each shows the figures and numbers of its last run on the course data.
Read them in order. To run the code and move every slider, open the series in JupyterLab
(<code>make lab</code>); here the sliders of 01 and 02 move between pictures drawn in advance.</p>
<ol class="cfgmm-series">
{items}
</ol>
{slides}
<p class="cfgmm-built">Built {when} from the committed notebooks.</p>
</main>
</body>
</html>
"""


def build_site(names: list[str] | None = None, out: Path = BUILD / "site") -> dict:
    """Write the site into ``out``: index.html, one page per notebook (``names``: a subset, for tests), the
    explorers' pictures, MathJax and the static files. Returns what was built (pages, pictures, seconds)."""
    t0 = time.perf_counter()
    os.environ.setdefault("MPLBACKEND", "Agg")
    notebooks = sources()
    if names:
        unknown = sorted(set(names) - {p.stem for p in notebooks})
        if unknown:
            raise SystemExit(f"no notebook named {unknown}; the series: {[p.stem for p in notebooks]}")
        notebooks = [p for p in notebooks if p.stem in names]
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    copy_mathjax(out)
    write_static(out, ["site.css", "explorer.js"])
    lines = series_lines(NOTEBOOKS / "00_start_here.ipynb")
    read = {p.stem: nbformat.read(p, as_version=4) for p in notebooks}
    pages = [(name, page_title(name, nb)) for name, nb in read.items()]
    exporter = html_exporter("cfgmm_site")
    data = ExplorerData(out)
    log = []
    for i, (name, heading) in enumerate(pages):
        t = time.perf_counter()
        nb, done = static_notebook(read[name], name, out, data)
        nb.metadata["title"] = heading
        resources = {"cfgmm": {"nav": nav(pages, i),
                               "mathjax_url": f"mathjax/MathJax.js?config={MATHJAX_CONFIG}"}}
        body, _ = exporter.from_notebook_node(nb, resources=resources)
        (out / f"{name}.html").write_text(body, encoding="utf-8")
        log.append(f"{name}.html: {len(body) / 1e6:.1f} MB, {time.perf_counter() - t:.1f} s"
                   + (f" ({'; '.join(done)})" if done else ""))
    items = []
    for name, heading in pages:
        line = lines.get(name) or first_sentence(read[name])
        items.append(f'<li><a href="{name}.html">{html.escape(heading)}</a>: {inline_markdown(line)}</li>')
    slides = ('<p>The 50-minute lecture path of 00 as slides: <a href="../slides/index.html">slides</a> '
              "(built by <code>make slides</code>).</p>")
    (out / "index.html").write_text(INDEX.format(items="\n".join(items), slides=slides,
                                                 when=time.strftime("%Y-%m-%d")), encoding="utf-8")
    pictures = data.pictures
    return {"pages": len(pages), "log": log, "seconds": time.perf_counter() - t0,
            "pictures_drawn": pictures.drawn if pictures else 0, "pictures_reused": pictures.reused if pictures else 0}


# --------------------------------------------------------------------------------------------------
# the slides

def lecture_cells(nb) -> list:
    """The cells of ``nb`` on the lecture path: those whose metadata has ``slideshow``."""
    cells = [c for c in nb.cells if "slideshow" in c.metadata]
    if cells and cells[0].metadata.slideshow.get("slide_type") != "slide":
        raise ValueError("a notebook's first lecture cell must start a slide (slide_type 'slide')")
    return cells


def reveal_js() -> Path:
    """The npm package reveal.js (REVEAL), installed into _build/npm/ on first use."""
    package = NPM_PREFIX / "node_modules" / "reveal.js"
    if not (package / "dist" / "reveal.js").exists():
        npm = shutil.which("npm")
        if npm is None:
            sys.exit("the slides need reveal.js from npm, and npm is not installed "
                     "(on Debian or Ubuntu: `sudo apt-get install npm`)")
        NPM_PREFIX.mkdir(parents=True, exist_ok=True)
        subprocess.run([npm, "install", "--prefix", str(NPM_PREFIX), "--no-audit", "--no-fund", "--no-save",
                        "--loglevel", "error", REVEAL], check=True)
    return package


def build_slides(out: Path = BUILD / "slides") -> dict:
    """Write the lecture's deck into ``out``: index.html, reveal.js, MathJax and the static files."""
    t0 = time.perf_counter()
    deck = None
    per_notebook = {}
    for path in sources():
        nb = nbformat.read(path, as_version=4)
        cells = lecture_cells(nb)
        if not cells:
            continue
        per_notebook[path.stem] = sum(c.metadata.slideshow["slide_type"] == "slide" for c in cells)
        if deck is None:
            deck = copy.deepcopy(nb)
            deck.cells = []
            deck.metadata.pop("widgets", None)
        deck.cells.extend(copy.deepcopy(cells))
    if deck is None:
        raise SystemExit("no cell of the notebooks has slideshow metadata: no lecture path to build")
    package = reveal_js()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    for part in ("dist", "plugin"):
        shutil.copytree(package / part, out / "reveal.js" / part)
    shutil.copyfile(package / "LICENSE", out / "reveal.js" / "LICENSE")
    copy_mathjax(out)
    write_static(out, ["slides.css"])
    deck.metadata["title"] = "Collaborative filtering via Gaussian mixtures: a 50-minute lecture"
    exporter = html_exporter("cfgmm_slides", reveal_url_prefix="reveal.js", reveal_theme="white",
                             reveal_transition="none")
    resources = {"cfgmm": {"mathjax_url": f"mathjax/MathJax.js?config={MATHJAX_CONFIG}", "fold_lines": FOLD_LINES}}
    body, _ = exporter.from_notebook_node(deck, resources=resources)
    (out / "index.html").write_text(body, encoding="utf-8")
    return {"slides": sum(per_notebook.values()), "per_notebook": per_notebook,
            "seconds": time.perf_counter() - t0}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    site = sub.add_parser("site", help="the series as a static site")
    site.add_argument("names", nargs="*", help="only these notebooks (default: all)")
    site.add_argument("--out", type=Path, default=BUILD / "site")
    slides = sub.add_parser("slides", help="the lecture path of 00 as a reveal.js deck")
    slides.add_argument("--out", type=Path, default=BUILD / "slides")
    args = parser.parse_args(argv)
    if args.command == "site":
        report = build_site(args.names, args.out)
        print("\n".join(report["log"]))
        print(f"site: {report['pages']} pages in {report['seconds']:.0f} s ({report['pictures_drawn']} pictures "
              f"drawn, {report['pictures_reused']} from the cache): {args.out / 'index.html'}")
    else:
        report = build_slides(args.out)
        parts = ", ".join(f"{k} {v}" for k, v in report["per_notebook"].items())
        print(f"slides: {report['slides']} slides ({parts}) in {report['seconds']:.0f} s: {args.out / 'index.html'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
