"""Loaded early by ``make test`` (``-p tests.fast_startup``): after pytest's built-in plugins, before
the installed ones (nbval, xdist), and so before anything imports jsonschema.

nbval imports nbformat, which imports jsonschema; jsonschema registers an ``iri`` format checker
whenever ``rfc3987_syntax`` is installed (JupyterLab's jupyter-events asks for it), and importing
that builds a Lark grammar: about 3 s in every pytest process, the controller's and each worker's
(measured: a two-worker run of one small test file took 16.2 s with it, 7.5 s without). Nothing the
tests run checks that format (nbformat validates without a format checker), so the test processes
do without it. Kernels, scripts and the JupyterLab server the tests start are not affected.
"""

import sys

sys.modules.setdefault("rfc3987_syntax", None)  # `import rfc3987_syntax` now raises ImportError
