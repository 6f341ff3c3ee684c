"""Settings from the environment (APP_* variables), with defaults that need no services."""

from functools import lru_cache

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="APP_")

    # SQLite by default, so the container answers /health without a database server.
    # Production points this at PostgreSQL (psycopg2 is installed for that).
    database_url: str = "sqlite:////tmp/app.db"
    # The client is created lazily: nothing connects until a request uses the cache.
    redis_url: str = "redis://localhost:6379/0"
    # /health answers 503 while Redis does not (the stack's backend needs its cache).
    health_requires_redis: bool = False
    # Upstream service for /rates (only called by that endpoint).
    rates_url: str = "https://api.example.com/rates"
    http_timeout_s: float = 5.0


@lru_cache
def get_settings() -> Settings:
    return Settings()
