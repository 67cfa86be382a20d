"""``python -m screening``: serves until SIGTERM or Ctrl-C (a clean exit, status 0)."""
from screening.bootstrap import create_app
from screening.config import Settings
from vod_shared.stopping import serve

if __name__ == "__main__":
    settings = Settings()
    serve(create_app(settings), settings)
