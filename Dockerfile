# One image for the four services; docker-compose.yml picks the service with its command.
FROM python:3.11.11-slim-bookworm
COPY --from=ghcr.io/astral-sh/uv:0.13.9 /uv /bin/uv
WORKDIR /app
# Compiled at build: the service's user cannot write them, and compiled every module at each start
ENV UV_PYTHON_DOWNLOADS=never UV_LINK_MODE=copy UV_COMPILE_BYTECODE=1
COPY . .
RUN uv sync --frozen --no-dev
ENV PATH=/app/.venv/bin:$PATH VOD_DATA_DIR=/data LOG_FORMAT=json
RUN useradd --system --uid 10001 vod && mkdir -p /data && chown vod /data
USER vod
