"""The import rule of ARCHITECTURE.md, read from the source: layers, no circle, public names across files.

- ``cfgmm_lib.core`` imports nothing of the package outside ``core``;
- ``plotting`` imports only ``core``; the handout's four modules import only ``core`` and ``plotting``;
- no import circle between the package's modules, and no import of the package inside a function
  (the way a circle is usually dodged);
- a name with a leading underscore is used only in the file that defines it;
- ``common`` holds the handout's functions and re-exports the rest; no module is longer than about
  400 lines.
"""

from __future__ import annotations

import ast
import pickle
from pathlib import Path

import numpy as np
import pytest

from cfgmm_lib.common import NotConvergedWarning

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "cfgmm_lib"
HANDOUT = {"cfgmm_lib.common", "cfgmm_lib.kmeans", "cfgmm_lib.naive_em", "cfgmm_lib.em"}
MAX_LINES = 420  # "about 400"


def _name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_package(module: str) -> bool:
    return MODULES[module].name == "__init__.py"


def _resolve(module: str, node: ast.ImportFrom | ast.Import) -> list[tuple[str, list[str]]]:
    """The package modules an import statement of ``module`` loads, each with the names it takes."""
    if isinstance(node, ast.Import):
        return [(a.name, []) for a in node.names if a.name.split(".")[0] == "cfgmm_lib"]
    if node.level:
        base = module.split(".") if _is_package(module) else module.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    if target.split(".")[0] != "cfgmm_lib":
        return []
    out = []
    for alias in node.names:
        sub = f"{target}.{alias.name}"
        if sub in MODULES:  # `from .. import em`: the submodule itself
            out.append((sub, []))
        else:
            out.append((target, [alias.name]))
    return out


def _imports(module: str):
    """(target, names, at top level) for every import of the package in ``module``."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    top = set(map(id, tree.body))
    for stmt in tree.body:  # imports under a top-level `if` or `try` still run at import time
        if isinstance(stmt, (ast.If, ast.Try)):
            top |= {id(s) for s in ast.walk(stmt)}
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            for target, names in _resolve(module, node):
                yield target, names, id(node) in top, node.lineno


def _edges(module: str) -> set:
    """What importing ``module`` runs: each target, and each package above a target that is not above ``module``
    itself (importing ``cfgmm_lib.scale.heldout`` runs ``cfgmm_lib/scale/__init__.py`` first)."""
    out = set()
    for target, _, top, _ in _imports(module):
        if not top or target not in MODULES:
            continue
        parts = target.split(".")
        for k in range(2, len(parts) + 1):
            t = ".".join(parts[:k])
            if t in MODULES and not (module == t or module.startswith(t + ".")):
                out.add(t)
    return out


GRAPH = {m: sorted(_edges(m)) for m in MODULES}


def _layer(module: str) -> int:
    if module.startswith("cfgmm_lib.core"):
        return 0
    if module == "cfgmm_lib.plotting":
        return 1
    if module in HANDOUT:
        return 2
    return 3


def test_the_rule_sees_the_imports_it_judges():
    """The reader finds the edges the rule is about (so that the tests below could fail)."""
    assert "cfgmm_lib.core.validation" in GRAPH["cfgmm_lib.common"]
    assert "cfgmm_lib.plotting" in GRAPH["cfgmm_lib.common"]
    assert "cfgmm_lib.em" in GRAPH["cfgmm_lib.sweep"] and "cfgmm_lib.kmeans" in GRAPH["cfgmm_lib.sweep"]
    assert "cfgmm_lib.em" in GRAPH["cfgmm_lib.scale.sparse"]
    assert "cfgmm_lib.check.core" in GRAPH["cfgmm_lib.check._worker"]
    assert "cfgmm_lib.scale" in GRAPH["cfgmm_lib.factorization"]  # through scale.heldout's package


def test_no_upward_import():
    """core imports only core; plotting only core; the handout's modules only core and plotting."""
    upward = [f"{m} imports {t}" for m, targets in GRAPH.items() for t in targets
              if _layer(m) < 3 and (_layer(t) > _layer(m) or (_layer(t) == _layer(m) == 2))]
    assert not upward, "\n".join(upward)


def test_no_import_circle():
    seen, stack, circles = set(), [], []

    def visit(m):
        if m in stack:
            circles.append(stack[stack.index(m):] + [m])
            return
        if m in seen:
            return
        seen.add(m)
        stack.append(m)
        for t in GRAPH[m]:
            visit(t)
        stack.pop()

    for m in MODULES:
        visit(m)
    assert not circles, "\n".join(" -> ".join(c) for c in circles)


def test_no_import_of_the_package_inside_a_function():
    inside = [f"{m}:{line} imports {t}" for m in MODULES for t, _, top, line in _imports(m) if not top]
    assert not inside, "\n".join(inside)


def test_private_names_stay_in_their_file():
    """``from x import _name`` and ``x._name`` across files: a documented public function is wanted instead."""
    crossing = []
    for m, path in MODULES.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        aliases = {}
        for t, names, _, line in _imports(m):
            crossing += [f"{m}:{line} imports {t}.{n}" for n in names if n.startswith("_") and not n.startswith("__")]
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for (t, names), alias in zip(_resolve(m, node), node.names):
                    if not names:
                        aliases[alias.asname or alias.name.split(".")[-1]] = t
        for node in ast.walk(tree):
            if (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
                    and node.attr.startswith("_") and not node.attr.startswith("__")):
                crossing.append(f"{m}:{node.lineno} uses {aliases[node.value.id]}.{node.attr}")
    assert not crossing, "\n".join(crossing)


def test_no_module_is_over_about_400_lines():
    long = {m: n for m, p in MODULES.items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long, long


def test_common_is_the_handouts_common_and_its_names_are_the_same_objects():
    import cfgmm_lib.common as common
    from cfgmm_lib import plotting
    from cfgmm_lib.core import loop, mixture

    namespace = {}
    exec("from cfgmm_lib.common import *", namespace)
    assert set(namespace) - {"__builtins__"} == {"GaussianMixture", "ComponentCollapse", "NotConvergedWarning",
                                                  "RunResult", "Iteration", "init", "bic", "rmse", "plot",
                                                  "COURSE_COLORS"}
    assert namespace["ComponentCollapse"] is mixture.ComponentCollapse
    assert namespace["NotConvergedWarning"] is loop.NotConvergedWarning
    assert namespace["RunResult"] is loop.RunResult and namespace["plot"] is plotting.plot
    defined = {n.name for n in ast.parse(MODULES["cfgmm_lib.common"].read_text()).body
               if isinstance(n, (ast.FunctionDef, ast.ClassDef))}
    assert defined == {"init", "bic", "rmse", "n_parameters", "bic_from_counts"}
    assert common.MAX_ITER == loop.MAX_ITER


IMPORT_EACH = """
import importlib, sys
for name in sys.argv[1:]:
    for loaded in [m for m in sys.modules if m == "cfgmm_lib" or m.startswith("cfgmm_lib.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as exc:
        print(f"{name}: {type(exc).__name__}: {exc}")
"""


def test_every_module_imports_first():
    """Each module imports when it is the first of the package to be imported (no order-dependent circle)."""
    import subprocess
    import sys

    proc = subprocess.run([sys.executable, "-c", IMPORT_EACH, *sorted(m for m in MODULES if not m.endswith("__main__"))],
                          capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert proc.returncode == 0 and not proc.stdout, proc.stdout + proc.stderr[-2000:]


def test_composites_check_x_once_and_build_one_view_per_fit():
    """``tools/count_checks.py``'s paths: X (or a split of it) is checked once along each, and EM's
    observed-data view is built once per mixture fit (before the move: 11 checks and 2 views per fit)."""
    import importlib.util

    import numpy as np
    import scipy.sparse as sp

    spec = importlib.util.spec_from_file_location("count_checks", ROOT / "tools" / "count_checks.py")
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    from cfgmm_lib import em
    from cfgmm_lib.common import init
    from cfgmm_lib.evaluation import evaluate
    from cfgmm_lib.imaging import full_em
    from cfgmm_lib.sweep import sweep

    X = tool._ratings()
    S = sp.csr_matrix(X)
    c = tool.count(lambda: evaluate(X, models=("user_mean", "bias_baseline", "course_mixture", "bias_aware_mixture",
                                                "matrix_factorization", "neural"), seeds=range(2),
                                    grid={"K": [2, 3], "rank_reg": [(2, 10.0)], "epochs": 2}), X.shape)
    assert c["X checks"] == 1 and c["view builds"] == 6, c  # 2 mixtures x (2 candidates + the final fit)
    c = tool.count(lambda: sweep(S, [2, 3], range(3), "em"), S.shape)
    assert c["X checks"] == 1 and c["view builds"] == 1, c
    start, _ = init(S, 3, 0)
    c = tool.count(lambda: em.run(S, start), S.shape)
    assert c["X checks"] == 1 and c["view builds"] == 1, c
    Z = np.random.default_rng(1).normal(size=(200, 4))
    c = tool.count(lambda: full_em.fit(Z, 2, 0), Z.shape)
    assert c["X checks"] == 1, c


def test_names_kept_where_they_were():
    """A learner's or an old script's imports still work, and give the same objects as their new homes."""
    import cfgmm_lib.common as common
    from cfgmm_lib import data, em, plotting, scale, sweep
    from cfgmm_lib.core import logdomain, loop, model_checks, validation
    from cfgmm_lib.imaging import full_em

    for name, home in (("Loop", loop), ("em_iterations", loop), ("handout_ll_rule", loop), ("check_post", model_checks),
                       ("check_step_args", model_checks), ("POST_ROW_TOLERANCE", model_checks),
                       ("log_normalize", logdomain), ("squared_distances", logdomain), ("observed_mask", validation),
                       ("check_scalar", validation), ("check_entries", validation), ("MAX_ABS_VALUE", validation),
                       ("component_colors", plotting), ("MAX_ITER", loop)):
        assert getattr(common, name) is getattr(home, name), name
    assert scale.predict is em.predict and scale.sparse.check_fillable is validation.check_fillable
    assert data._parse_block is data.parse_printed
    run, score_name, higher = sweep.METHODS["em"]  # unpacks as the triple it was
    assert run is em.run and score_name == "ll" and higher and sweep.METHODS["kmeans"].higher is False
    X = np.random.default_rng(0).normal(size=(60, 2))
    with pytest.warns(NotConvergedWarning):
        fit = full_em.fit(X, 2, 0, max_iter=1)
    mixture, post, lls = fit  # unpacks as the triple it was
    assert fit.n_iter == 1 and not fit.converged and len(lls) == 1 and post.shape == (60, 2)
    again = pickle.loads(pickle.dumps(fit))
    assert again.n_iter == 1 and not again.converged and np.array_equal(again.lls, fit.lls)
