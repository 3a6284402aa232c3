"""``python -m cfgmm_lib.evaluation``: every model on several held-out splits of the Netflix matrix."""

import sys

from .cli import main

sys.exit(main())
