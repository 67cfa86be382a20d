"""``python -m screening``: serve the screening service."""
import uvicorn

from screening.bootstrap import create_app
from screening.config import Settings

if __name__ == "__main__":
    settings = Settings()
    uvicorn.run(create_app(settings), host=settings.bind_host, port=settings.effective_port(),
                log_config=None, timeout_graceful_shutdown=20)
