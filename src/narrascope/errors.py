"""One exception hierarchy for everything Narrascope raises on purpose.

A message says what was expected, what was received, and what to do. The CLI prints
``str(error)`` without a traceback and exits non-zero; the API maps ``status`` to HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass


class NarrascopeError(Exception):
    """Base class. ``where`` names the file/field/record the problem is in, when known."""

    status = 500  # HTTP status for the API error envelope
    code = "narrascope_error"

    def __init__(self, message: str, *, where: str | None = None, hint: str | None = None):
        self.message = message
        self.where = where
        self.hint = hint
        super().__init__(self.__str__())

    def __str__(self) -> str:
        parts = []
        if self.where:
            parts.append(f"{self.where}: ")
        parts.append(self.message)
        if self.hint:
            parts.append(f" ({self.hint})")
        return "".join(parts)

    def to_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "where": self.where, "hint": self.hint}


class InputError(NarrascopeError):
    """A source could not be read or is not a usable document (user error)."""

    status = 400
    code = "bad_input"


class EmptyDocumentError(InputError):
    code = "empty_document"


class InputTooLargeError(InputError):
    status = 413
    code = "input_too_large"


class NetworkError(InputError):
    """A URL could not be fetched, or was refused (private address, size, timeout)."""

    code = "network_error"


class ConfigError(NarrascopeError):
    """A configuration value, CLI option or pipeline definition is invalid."""

    status = 400
    code = "bad_config"


class TaxonomyError(ConfigError):
    code = "bad_taxonomy"


class ModelError(NarrascopeError):
    """A shipped or user model is missing, corrupt or incompatible."""

    code = "model_error"


class DataError(NarrascopeError):
    """Training / evaluation data is missing or malformed."""

    status = 400
    code = "bad_data"


class StoreError(NarrascopeError):
    code = "store_error"


class NotFoundError(NarrascopeError):
    status = 404
    code = "not_found"


class AuthError(NarrascopeError):
    status = 401
    code = "unauthorized"


class IngestDisabledError(NarrascopeError):
    """``POST /documents`` when the server has no token configured."""

    status = 403
    code = "ingest_disabled"


class NoStoreError(StoreError):
    """An API route that needs a store, on a server started without one."""

    status = 503
    code = "no_store"


@dataclass(slots=True)
class Failure:
    """A document (or source record) that could not be processed, and why (batch jobs go on)."""

    where: str
    message: str
    stage: str = "analyze"  # "read" or "analyze"

    def to_dict(self) -> dict[str, str]:
        return {"where": self.where, "message": self.message, "stage": self.stage}


def check_param(name: str, value, ok: bool, expected: str) -> None:
    """scikit-learn style parameter check: ``name must be <expected>, got <value>``."""
    if not ok:
        raise ConfigError(f"{name} must be {expected}, got {value!r}")
