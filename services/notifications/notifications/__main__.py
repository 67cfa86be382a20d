"""``python -m notifications``: serve the notifications service."""
import uvicorn

from notifications.bootstrap import create_app
from notifications.config import Settings

if __name__ == "__main__":
    settings = Settings()
    uvicorn.run(create_app(settings), host=settings.bind_host, port=settings.effective_port(),
                log_config=None, timeout_graceful_shutdown=20)
