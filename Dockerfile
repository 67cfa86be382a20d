# One image for the four services; docker-compose.yml picks the service with its command.
FROM python:3.11.11-slim-bookworm
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /bin/uv
WORKDIR /app
ENV UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy
COPY . .
# Every module compiled at build, the installed ones and our own (an editable install): the
# service's user cannot write them, and compiled every module at each start
RUN uv sync --frozen --no-dev --compile-bytecode \
    && .venv/bin/python -m compileall -q -x "_tests|/tests/" shared services
ENV PATH=/app/.venv/bin:$PATH VOD_DATA_DIR=/data LOG_FORMAT=json
RUN useradd --system --uid 10001 vod && mkdir -p /data && chown vod /data
USER vod
