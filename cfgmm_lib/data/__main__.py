"""``python -m cfgmm_lib.data install ...`` and ``python -m cfgmm_lib.data status``."""

import sys

from .cli import main

sys.exit(main())
