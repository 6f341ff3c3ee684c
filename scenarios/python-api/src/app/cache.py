"""Redis cache client. redis-py connects on first use, so importing this needs no server."""

import redis

from .config import get_settings

client = redis.Redis.from_url(get_settings().redis_url, socket_connect_timeout=0.5)


def get_cached(key: str) -> bytes | None:
    try:
        return client.get(key)
    except redis.RedisError:
        return None


def set_cached(key: str, value: bytes, ttl_s: int = 60) -> None:
    try:
        client.set(key, value, ex=ttl_s)
    except redis.RedisError:
        pass


def ping() -> bool:
    """Whether Redis answers (for /health)."""
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False
