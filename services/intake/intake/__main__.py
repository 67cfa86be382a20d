"""``python -m intake``: serve the intake service."""
import uvicorn

from intake.bootstrap import create_app
from intake.config import Settings

if __name__ == "__main__":
    settings = Settings()
    uvicorn.run(create_app(settings), host=settings.bind_host, port=settings.effective_port(),
                log_config=None, timeout_graceful_shutdown=20)
