"""``python -m intake``: serves until SIGTERM or Ctrl-C (a clean exit, status 0)."""
from intake.bootstrap import create_app
from intake.config import Settings
from vod_shared.stopping import serve

if __name__ == "__main__":
    settings = Settings()
    serve(create_app(settings), settings)
