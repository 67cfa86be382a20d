"""Reading a public form: only ``application/x-www-form-urlencoded`` (no multipart, so no files
and no parser for them), and no more than a cap, counted as the body arrives."""
from urllib.parse import parse_qsl

from fastapi import Request
from starlette.datastructures import FormData


class FormRefused(Exception):
    def __init__(self, status_code: int) -> None:
        super().__init__(status_code)
        self.status_code = status_code


async def read_plain_form(request: Request, max_bytes: int) -> FormData:
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/x-www-form-urlencoded":
        raise FormRefused(415)
    declared = request.headers.get("content-length")
    if declared and (not declared.isdigit() or int(declared) > max_bytes):
        raise FormRefused(413)
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > max_bytes:
            raise FormRefused(413)
    try:
        return FormData(parse_qsl(body.decode("utf-8"), keep_blank_values=True))
    except UnicodeDecodeError:
        raise FormRefused(400) from None
