"""``python -m cfgmm_lib.evaluation``: held-out RMSE of every model on the Netflix matrix."""

import sys

from .experiment import main

sys.exit(main())
