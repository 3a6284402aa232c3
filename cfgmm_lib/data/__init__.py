"""The course's data files: find, verify, read and install them; synthetic stand-ins.

The six files of the course archive ``netflix.tar.gz`` are never part of this
project. A learner installs them once::

    python -m cfgmm_lib.data install ~/Downloads/netflix.tar.gz

which copies the six known files (checked against their SHA-256 sums) into the
project's ``data/`` folder. ``load`` looks in ``$CFGMM_DATA`` first, then in
``data/``. Without them, ``load_or_standin`` gives deterministic synthetic
stand-ins of the same shapes and value ranges, and says so.

One module per idea:

- ``registry``: the six files (names, shapes, SHA-256 sums), where they are looked for, ``find``;
- ``solutions``: the parser of ``test_solutions.txt`` (``Printed``, ``parse_solutions``);
- ``readers``: ``read_matrix`` and ``load``;
- ``standins``: synthetic stand-ins, ``load_or_standin`` and ``StandinWarning``;
- ``installer``: ``install``, the security-sensitive code;
- ``cli``: the command line (``python -m cfgmm_lib.data``).

Introduced in ``notebooks/00_start_here.py``.
"""

from .cli import main, status
from .installer import MAX_FILE_BYTES, MAX_MEMBERS, MAX_TOTAL_BYTES, install
from .readers import load, read_matrix
from .registry import (COURSE_FILES, ENV_DIR, ENV_FORCE_STANDIN, ENV_REQUIRE, HOW_TO_INSTALL, PROJECT_DATA,
                       CourseDataMissing, CourseFile, DataFileError, data_dirs, find, sha256_of)
from .solutions import Printed, parse_printed, parse_solutions
from .standins import (StandinWarning, forced_standins, load_or_standin, require_course_data, synthetic,
                       using_standins)

#: ``parse_printed``'s former private name, still importable from here.
_parse_block = parse_printed

__all__ = [
    "COURSE_FILES", "CourseDataMissing", "DataFileError", "data_dirs", "find", "load",
    "read_matrix", "parse_solutions", "install", "synthetic", "load_or_standin",
    "using_standins", "status", "StandinWarning", "Printed", "CourseFile", "sha256_of",
    "require_course_data", "main", "parse_printed", "forced_standins",
]
