"""Errors raised by the application layer (beyond the domain's own)."""

from __future__ import annotations

from domain.errors import (
    AuthorizationError,
    ConflictError,
    DomainError,
    InvalidInputError,
)


class StaleVersionError(ConflictError):
    """Raised when the caller's expected version is not the aggregate's current one."""

    code = "stale_version"


class ConcurrentUpdateError(ConflictError):
    """Raised when another command saved the same aggregate first (optimistic lock)."""

    code = "concurrent_update"


class IdempotencyKeyReusedError(ConflictError):
    """Raised when an Idempotency-Key is sent again with a different request."""

    code = "idempotency_key_reused"


class AuthenticationError(DomainError):
    """Raised when a request carries no valid access token."""

    code = "unauthenticated"


class UnknownStaffError(AuthorizationError):
    """Raised when a token names a person who is not enrolled."""

    code = "unknown_staff"


class StoredDocumentAlteredError(DomainError):
    """Raised when stored content no longer hashes to what its filing event recorded."""

    code = "stored_document_altered"


class DocumentRejectedError(InvalidInputError):
    """Raised when an uploaded document fails the ingest checks."""

    code = "document_rejected"


class DocumentTooLargeError(DocumentRejectedError):
    """Raised when an upload is larger than the configured limit."""

    code = "document_too_large"
