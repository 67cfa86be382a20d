"""The domain's refusals as RFC 9457 problems (never echoing what was sent)."""
from fastapi import FastAPI, Request

from vod_shared.problems import Problem
from vod_shared.problems import problem_response as _problem_response
from vod_shared.staff.staff_pages import error_page, is_staff_page

from scheduling.domain.errors import InvalidSchedule, NotFound, NotNow


def problem_response(problem: Problem, request: Request):
    """A page with the workspace header under /staff/; an RFC 9457 problem elsewhere."""
    if is_staff_page(request):
        return error_page(request, problem.status, problem.title, problem.detail)
    return _problem_response(problem, request.url.path)


def install_domain_errors(app: FastAPI) -> None:
    async def invalid(request: Request, exc: InvalidSchedule):
        return problem_response(Problem(422, "Not a valid schedule", exc.detail,
                                        errors=[{"field": exc.field, "detail": exc.detail}]),
                                request)

    async def not_found(request: Request, exc: NotFound):
        return problem_response(Problem(404, "Not found", str(exc)), request)

    async def not_now(request: Request, exc: NotNow):
        # Every reason at once (a dialogue not ready, cases that cannot be linked).
        reasons = getattr(exc, "reasons", None)
        errors = [{"field": None, "detail": r} for r in reasons] if reasons else None
        return problem_response(Problem(409, "Not possible now", str(exc), errors=errors),
                                request)

    app.add_exception_handler(InvalidSchedule, invalid)
    app.add_exception_handler(NotFound, not_found)
    app.add_exception_handler(NotNow, not_now)
