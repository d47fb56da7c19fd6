"""Errors the local instance answers with, in the RI gateway's error format."""

from __future__ import annotations

from enum import IntEnum


class Code(IntEnum):
    """gRPC status codes, as carried in the ``code`` field of an error body."""

    INVALID_ARGUMENT = 3
    NOT_FOUND = 5
    ALREADY_EXISTS = 6
    PERMISSION_DENIED = 7
    RESOURCE_EXHAUSTED = 8
    FAILED_PRECONDITION = 9
    UNIMPLEMENTED = 12
    INTERNAL = 13
    UNAVAILABLE = 14
    UNAUTHENTICATED = 16


HTTP_STATUS: dict[Code, int] = {
    Code.INVALID_ARGUMENT: 400,
    Code.NOT_FOUND: 404,
    Code.ALREADY_EXISTS: 409,
    Code.PERMISSION_DENIED: 403,
    Code.RESOURCE_EXHAUSTED: 429,
    Code.FAILED_PRECONDITION: 400,
    Code.UNIMPLEMENTED: 501,
    Code.INTERNAL: 500,
    Code.UNAVAILABLE: 503,
    Code.UNAUTHENTICATED: 401,
}


class ServiceError(Exception):
    """A refusal with a gRPC code, an HTTP status and a sentence for a person."""

    def __init__(
        self,
        code: Code,
        message: str,
        *,
        status: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status if status is not None else HTTP_STATUS[code]
        self.headers = headers or {}


def invalid(message: str) -> ServiceError:
    return ServiceError(Code.INVALID_ARGUMENT, message)


def not_found(message: str) -> ServiceError:
    return ServiceError(Code.NOT_FOUND, message)


def failed_precondition(message: str) -> ServiceError:
    return ServiceError(Code.FAILED_PRECONDITION, message)


def denied(message: str) -> ServiceError:
    return ServiceError(Code.PERMISSION_DENIED, message)


def unauthenticated(message: str) -> ServiceError:
    return ServiceError(Code.UNAUTHENTICATED, message)
