"""Moved to :mod:`narrascope.tasks.semeval2023.data` (the shared-task package, issue 11); this import path is an alias of
that module, kept for old imports."""

import sys

from ..tasks.semeval2023 import data as _moved

sys.modules[__name__] = _moved
