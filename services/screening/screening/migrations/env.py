from vod_shared.migrations import run_env

from screening.adapters.orm import metadata

run_env(metadata)
