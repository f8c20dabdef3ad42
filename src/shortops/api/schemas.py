"""The error body every API answer shares, and the error answers each route documents."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class FieldProblem(BaseModel):
    field: str = Field(description="The field, dotted (e.g. targets.0.at); empty for the body")
    problem: str = Field(description="What is wrong with it, in the request's language")


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")

    code: str = Field(description="Stable and machine-readable; docs/errors.md lists them all")
    message: str = Field(
        description="What went wrong and what to do, in the Accept-Language (en or zh-CN)"
    )
    details: list[FieldProblem] | None = Field(
        default=None, description="422 only: every field that was refused"
    )


class ErrorBody(BaseModel):
    error: ErrorDetail


def _error(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


# What any authenticated route may answer besides its success. A route adds its own where it has
# more to say (e.g. 503 of the health check).
ERROR_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: _error("The request could not be read (e.g. `malformed_json`)."),
    401: _error(
        "No API token, or an unknown, revoked or expired one (`not_authenticated`); the answer "
        "carries `WWW-Authenticate: Bearer`."
    ),
    403: _error(
        "The role or the token's scopes do not allow this (`permission_denied`, "
        "`missing_scope`), or a signed-in browser sent a change without its CSRF token "
        "(`csrf_failed`)."
    ),
    404: _error("Nothing with that id in this workspace (`not_found`)."),
    409: _error("The request conflicts with the current state (e.g. `conflict`)."),
    413: _error("The body or file is too large (`too_large`)."),
    422: _error("A value was refused (`invalid_request`, `invalid_input`): `details` says which."),
    429: _error("Too many requests (`too_many_requests`): wait a moment and try again."),
}
