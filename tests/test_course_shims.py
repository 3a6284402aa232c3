"""Drop-in with the course's files: a learner's own scripts run unchanged on shims of cfgmm_lib.

The learner's project folder holds the course's layout: ``common.py``, ``kmeans.py``,
``naive_em.py`` and ``em.py`` (here each is one line, ``from cfgmm_lib.<module> import *``),
the data files, and their own ``main.py`` / ``test.py``. Those scripts run in a subprocess,
with a matplotlib backend that records every ``plt.show()`` (as a window would appear), and
their printed numbers are checked against the handout's.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from cfgmm_lib import data

ROOT = Path(__file__).resolve().parent.parent

#: A backend that can "show": each plt.show() prints the figures it shows, then closes them
#: (as closing the windows of a blocking show does).
SHOW_BACKEND = '''
from matplotlib.backend_bases import FigureManagerBase
from matplotlib.backends.backend_agg import FigureCanvasAgg

FigureCanvas = FigureCanvasAgg
FigureManager = FigureManagerBase


def show(*args, **kwargs):
    import matplotlib.pyplot as plt
    from matplotlib._pylab_helpers import Gcf

    for manager in Gcf.get_all_fig_managers():
        ax = manager.canvas.figure.axes[0]
        segments = sum(len(c.get_segments()) for c in ax.collections)
        print(f"SHOWN {ax.get_title()!r} arcs={segments} circles={len(ax.patches)}", flush=True)
    plt.close("all")
'''

#: A learner's main.py, in the course's style (the course's own file names and calls).
MAIN = '''
import numpy as np
import kmeans
import common
import naive_em
import em

X = np.loadtxt("toy_data.txt")

for K in range(1, 5):
    best = {}
    for seed in range(5):
        mixture, post = common.init(X, K, seed)
        mixture, post, cost = kmeans.run(X, mixture, post)
        if "cost" not in best or cost < best["cost"]:
            best.update(cost=cost, km=(mixture, post))
        mixture, post = common.init(X, K, seed)
        mixture, post, ll = naive_em.run(X, mixture, post)
        if "ll" not in best or ll > best["ll"]:
            best.update(ll=ll, em=(mixture, post))
    print("K-means K =", K, "cost =", best["cost"])
    print("EM K =", K, "LL =", best["ll"], "BIC =", common.bic(X, best["em"][0], best["ll"]))
    common.plot(X, *best["km"], "K-means K = {}".format(K))
    common.plot(X, *best["em"], "EM K = {}".format(K))
'''

#: A learner's test.py for the incomplete matrix: they pass 0 as run's post, as many do.
TEST = '''
import numpy as np
import em
import common

X = np.loadtxt("test_incomplete.txt")
X_gold = np.loadtxt("test_complete.txt")

K = 4
n, d = X.shape
seed = 0

mixture, post = common.init(X, K, seed)
post, LL = em.estep(X, mixture)
print("first E-step LL =", LL)
mixture = em.mstep(X, post, mixture)
print("first M-step P =", mixture.p.tolist())
mixture, post = common.init(X, K, seed)
mixture, post, LL = em.run(X, mixture, 0)
X_pred = em.fill_matrix(X, mixture)
print("run LL =", LL)
print("RMSE =", common.rmse(X_gold, X_pred))
'''

FILES = ("toy_data.txt", "test_incomplete.txt", "test_complete.txt")


@pytest.fixture
def project(tmp_path, course):
    """A learner's project folder: the course files, the shims, main.py and test.py."""
    for name in FILES:
        shutil.copy(data.find(name), tmp_path / name)
    for module in ("common", "kmeans", "naive_em", "em"):
        (tmp_path / f"{module}.py").write_text(f"from cfgmm_lib.{module} import *\n")
    (tmp_path / "main.py").write_text(textwrap.dedent(MAIN))
    (tmp_path / "test.py").write_text(textwrap.dedent(TEST))
    (tmp_path / "show_backend.py").write_text(SHOW_BACKEND)
    return tmp_path


def run_script(folder: Path, script: str, backend: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CFGMM_", "MPL"))}
    env.update(MPLBACKEND=backend, PYTHONPATH=f"{folder}{os.pathsep}{ROOT}", MPLCONFIGDIR=str(folder / ".mpl"))
    return subprocess.run([sys.executable, script], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300)


def numbers(out: str, label: str) -> list[float]:
    line = next(line for line in out.splitlines() if line.startswith(label))
    return [float(x) for x in re.findall(r"-?\d+\.\d+(?:e-?\d+)?", line[len(label):])]


# The handout's numbers (SPEC.md, "Reference numbers")
KMEANS_COST = {1: 5462.297452340, 2: 1684.907950296, 3: 1329.594867154, 4: 1035.499826539}
EM_LL = {1: -1307.223431760, 2: -1175.714629367, 3: -1138.890899687, 4: -1138.601175700}
EM_BIC = {1: -1315.505623137, 2: -1195.039742579, 3: -1169.258934736, 4: -1180.012132583}


@pytest.mark.course_data
def test_learners_main_py_runs_unchanged_and_shows_every_figure(project):
    proc = run_script(project, "main.py", "module://show_backend")
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    for K in range(1, 5):
        assert numbers(proc.stdout, f"K-means K = {K} cost =") == pytest.approx([KMEANS_COST[K]], rel=1e-11)
        ll, bic = numbers(proc.stdout, f"EM K = {K} LL =")
        assert ll == pytest.approx(EM_LL[K], rel=1e-11) and bic == pytest.approx(EM_BIC[K], rel=1e-11)
    shown = [line for line in proc.stdout.splitlines() if line.startswith("SHOWN")]
    expected = [f"SHOWN '{m} K = {K}' arcs={250 * K} circles={K}" for K in range(1, 5) for m in ("K-means", "EM")]
    assert shown == expected  # each figure shown once, in order, as the course's plot shows it


@pytest.mark.course_data
def test_learners_test_py_runs_unchanged_with_post_passed_as_0(project):
    proc = run_script(project, "test.py", "module://show_backend")
    assert proc.returncode == 0, proc.stderr
    assert numbers(proc.stdout, "first E-step LL =") == pytest.approx([-152.16319226209848], rel=1e-12)
    assert numbers(proc.stdout, "first M-step P =") == pytest.approx(
        [0.13810266, 0.17175435, 0.46575794, 0.22438505], abs=5e-9)
    assert numbers(proc.stdout, "run LL =") == pytest.approx([-84.98451993042474], rel=1e-12)
    assert numbers(proc.stdout, "RMSE =") == pytest.approx([0.3152301205749675], rel=1e-12)


@pytest.mark.course_data
def test_headless_script_runs_without_showing_or_failing(project):
    proc = run_script(project, "main.py", "Agg")
    assert proc.returncode == 0, proc.stderr
    assert "SHOWN" not in proc.stdout and "Traceback" not in proc.stderr
    assert numbers(proc.stdout, "K-means K = 3 cost =") == pytest.approx([KMEANS_COST[3]], rel=1e-11)


def test_shims_export_the_course_names():
    import cfgmm_lib.common as common
    import cfgmm_lib.em as em
    import cfgmm_lib.kmeans as kmeans
    import cfgmm_lib.naive_em as naive_em

    course = {common: {"GaussianMixture", "init", "plot", "rmse", "bic"}, kmeans: {"estep", "mstep", "run"},
              naive_em: {"estep", "mstep", "run"}, em: {"estep", "mstep", "run", "fill_matrix"}}
    for module, names in course.items():
        assert names <= set(module.__all__), module.__name__


NOTEBOOK_CELLS = [
    "import numpy as np\nfrom cfgmm_lib import init, kmeans, plot\n"
    "X = np.random.default_rng(0).normal(size=(30, 2))\nmixture, post = init(X, 2, 0)",
    "plot(X, mixture, post, 'as the cell result')",  # 1 image
    "for K in (1, 2):\n    m, p = init(X, K, 0)\n    plot(X, m, p, f'K = {K}', show=True)",  # 2 images
    "fig = plot(X, mixture, post, 'kept for later')",  # 0 images
    "m, p, c = kmeans.run(X, mixture, 0)\nprint(round(c, 6))",  # the course's post=0
]


def test_notebook_shows_each_figure_exactly_once():
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(c) for c in NOTEBOOK_CELLS])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    images = [sum("image/png" in o.get("data", {}) for o in cell.outputs) for cell in nb.cells]
    assert images == [0, 1, 2, 0, 0]
    assert not any(o.get("name") == "stderr" for cell in nb.cells for o in cell.outputs)


HEADLESS_SAVE = '''
import numpy as np
import matplotlib.pyplot as plt
import common

X = np.random.default_rng(0).normal(size=(40, 2)) * 5
mixture, post = common.init(X, 3, 0)
common.plot(X, mixture, post, "saved headless")
plt.savefig("figure.png")
print("figures open:", len(plt.get_fignums()))
'''


@pytest.mark.slow  # a fresh interpreter per backend (and mutmut's trampolines cannot run in one)
@pytest.mark.parametrize("backend", ["Agg", "svg"])
def test_a_headless_script_saves_the_plot_with_plt_savefig(tmp_path, backend):
    """A learner on a server adds ``plt.savefig`` after ``common.plot``: the file holds the drawing."""
    (tmp_path / "common.py").write_text("from cfgmm_lib.common import *\n")
    (tmp_path / "save.py").write_text(HEADLESS_SAVE)
    proc = run_script(tmp_path, "save.py", backend)
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr
    assert "figures open: 1" in proc.stdout
    image = plt_imread(tmp_path / "figure.png")
    drawn = (image[..., :3] < 0.9).any(axis=-1).mean()  # share of pixels that are not (near) white
    assert drawn > 0.02, f"only {drawn:.1%} of the saved figure is drawn: an empty figure was saved"


#: The brief's learner: cfgmm_lib.common itself, pyplot imported only after the call (or before it).
LATE_PYPLOT_SAVE = '''
import numpy as np
{early}from cfgmm_lib import common

X = np.random.default_rng(0).normal(size=(30, 2)) * 4
mixture, post = common.init(X, 2, 0)
common.plot(X, mixture, post, "saved headless")
import matplotlib.pyplot as plt
plt.savefig("out.png")
print("figures open:", len(plt.get_fignums()))
'''


@pytest.mark.slow  # a fresh interpreter per case
@pytest.mark.parametrize("early", ["", "import matplotlib.pyplot as plt\n"], ids=["pyplot-after", "pyplot-before"])
def test_plt_savefig_after_plot_saves_the_drawing_whenever_pyplot_was_imported(tmp_path, early):
    """The course's ``plot`` makes its figure with pyplot: ``plt.savefig`` after it saves the drawing. Ours had
    made a bare ``Figure`` when the script had not imported pyplot yet, and ``plt.savefig`` saved a blank one."""
    (tmp_path / "save.py").write_text(LATE_PYPLOT_SAVE.format(early=early))
    proc = run_script(tmp_path, "save.py", "Agg")
    assert proc.returncode == 0 and not proc.stderr.strip(), proc.stderr
    assert "figures open: 1" in proc.stdout
    image = plt_imread(tmp_path / "out.png")
    assert len(np.unique(image.reshape(-1, image.shape[-1]), axis=0)) > 1  # not one flat colour
    drawn = (image[..., :3] < 0.9).any(axis=-1).mean()
    assert drawn > 0.02, f"only {drawn:.1%} of the saved figure is drawn: an empty figure was saved"


def plt_imread(path):
    import matplotlib.image

    return matplotlib.image.imread(path)
