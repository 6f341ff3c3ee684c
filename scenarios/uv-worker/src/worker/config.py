"""Settings from the environment (WORKER_* variables), validated with pydantic."""

import os
from pathlib import Path

from pydantic import BaseModel, Field, PositiveFloat, PositiveInt


class Settings(BaseModel):
    # Jobs are JSON files dropped into this directory; the worker creates it if missing.
    spool_dir: Path = Path("/tmp/spool")
    poll_interval_s: PositiveFloat = 1.0
    max_attempts: PositiveInt = Field(default=3, le=10)
    log_level: str = "info"


def load_settings() -> Settings:
    prefix = "WORKER_"
    values = {
        key[len(prefix):].lower(): value
        for key, value in os.environ.items()
        if key.startswith(prefix)
    }
    return Settings.model_validate(values)
