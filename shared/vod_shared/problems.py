"""RFC 9457 problem details, the one error shape every service's HTTP side answers with.

Errors name the bad field and what is wrong with it, never the value sent: the value may be a
victim's name, email or phone number.
"""
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

PROBLEM_JSON = "application/problem+json"


class Problem(Exception):
    def __init__(self, status: int, title: str, detail: str | None = None, *,
                 type_: str = "about:blank", errors: list[dict[str, Any]] | None = None,
                 headers: dict[str, str] | None = None) -> None:
        super().__init__(title)
        self.status, self.title, self.detail = status, title, detail
        self.type, self.errors, self.headers = type_, errors, headers


def problem_response(problem: Problem, instance: str | None = None) -> JSONResponse:
    body: dict[str, Any] = {"type": problem.type, "title": problem.title, "status": problem.status}
    if problem.detail:
        body["detail"] = problem.detail
    if instance:
        body["instance"] = instance
    if problem.errors:
        body["errors"] = problem.errors
    return JSONResponse(body, status_code=problem.status, media_type=PROBLEM_JSON,
                        headers=problem.headers)


def field_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic errors as ``{"field": "requester.email", "detail": ...}``, without the input."""
    result = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ()) if part not in ("body",)]
        result.append({"field": ".".join(loc) or None, "detail": error.get("msg", "invalid")})
    return result


def install_problem_handlers(app: FastAPI) -> None:
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc, request.url.path)

    async def on_validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        return problem_response(Problem(422, "The request is not valid",
                                        "Some fields are missing or wrong; each is named below.",
                                        errors=field_errors(exc.errors())), request.url.path)

    async def on_http(request: Request, exc: HTTPException) -> JSONResponse:
        title = HTTPStatus(exc.status_code).phrase
        detail = exc.detail if isinstance(exc.detail, str) and exc.detail != title else None
        return problem_response(Problem(exc.status_code, title, detail,
                                        headers=getattr(exc, "headers", None)), request.url.path)

    app.add_exception_handler(Problem, on_problem)
    app.add_exception_handler(RequestValidationError, on_validation)
    app.add_exception_handler(HTTPException, on_http)
