"""Moved to :mod:`narrascope.tasks.semeval2025.roles_metric` (the shared-task package, issue 11); this import path is an alias of
that module, kept for old imports."""

import sys

from ..tasks.semeval2025 import roles_metric as _moved

sys.modules[__name__] = _moved
