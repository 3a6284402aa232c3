"""``python -m cfgmm_lib.imaging``: see ``cfgmm_lib.imaging.cli``."""

import sys

from .cli import main

sys.exit(main())
