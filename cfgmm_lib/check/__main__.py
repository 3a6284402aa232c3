"""``python -m cfgmm_lib.check PATH``: check a folder of course files (see ``folder``)."""

import sys

from .folder import main

sys.exit(main())
