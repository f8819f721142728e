"""Moved to :mod:`narrascope.tasks.checkthat2024.files` (the shared-task package, issue 11); this import path is an alias of
that module, kept for old imports."""

import sys

from ..tasks.checkthat2024 import files as _moved

sys.modules[__name__] = _moved
