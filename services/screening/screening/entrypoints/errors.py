"""Refusals as answers: RFC 9457 problems for the API, plain pages for staff pages."""
from fastapi import FastAPI, Request

from vod_shared.problems import Problem, problem_response
from vod_shared.staff.staff_pages import error_page

from screening.domain.errors import (
    CaseNotFound,
    ClearanceNotFound,
    DuplicateNotFound,
    InvalidDecision,
    NotNow,
)
from screening.entrypoints.access import Forbidden


def _answer(request: Request, problem: Problem):
    if request.url.path.startswith("/staff"):
        return error_page(request, problem.status, problem.title, problem.detail)
    return problem_response(problem, request.url.path)


def install_staff_errors(app: FastAPI) -> None:
    async def forbidden(request: Request, exc: Forbidden):
        return _answer(request, Problem(403, "Not allowed", f"This needs the role {exc}."))

    async def not_found(request: Request, exc: LookupError):
        if isinstance(exc, DuplicateNotFound):
            return _answer(request, Problem(404, "No possible duplicate",
                                            "This case has no such possible duplicate to "
                                            "decide."))
        what = "clearance" if isinstance(exc, ClearanceNotFound) else "case"
        return _answer(request, Problem(404, f"No such {what}"))

    async def not_now(request: Request, exc: NotNow):
        return _answer(request, Problem(409, "Not possible now", str(exc)))

    async def invalid(request: Request, exc: InvalidDecision):
        return _answer(request, Problem(422, "The decision does not hold together", exc.detail,
                                        errors=[{"field": exc.field, "detail": exc.detail}]))

    app.add_exception_handler(Forbidden, forbidden)
    app.add_exception_handler(CaseNotFound, not_found)
    app.add_exception_handler(ClearanceNotFound, not_found)
    app.add_exception_handler(DuplicateNotFound, not_found)
    app.add_exception_handler(NotNow, not_now)
    app.add_exception_handler(InvalidDecision, invalid)
