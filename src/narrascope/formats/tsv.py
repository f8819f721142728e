"""Moved to :mod:`narrascope.tasks.tsv` (the shared-task package, issue 11); this import path is an alias of
that module, kept for old imports."""

import sys

from ..tasks import tsv as _moved

sys.modules[__name__] = _moved
