"""Django's Redis cache, except that a Redis that is down is a cache miss, not an error page."""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.redis import RedisCache

logger = logging.getLogger("mahalleh.cache")

try:
    from redis.exceptions import ConnectionError as RedisConnectionError
    from redis.exceptions import TimeoutError as RedisTimeoutError

    _DOWN = (RedisConnectionError, RedisTimeoutError, OSError)
except ImportError:  # pragma: no cover - redis is a dependency
    _DOWN = (OSError,)

_last_warning = [0.0]


def _warn(operation: str, exc: Exception) -> None:
    # One warning a minute per process is enough to page someone; more would flood the log.
    now = time.monotonic()
    if now - _last_warning[0] > 60:
        _last_warning[0] = now
        logger.warning("cache unavailable (%s), serving without it: %s", operation, exc)


def _tolerant(name: str, when_down):
    """RedisCache's operation `name`, answering `when_down(*args, **kwargs)` (and a warning) when
    Redis is down instead of raising."""
    operation = getattr(RedisCache, name)

    def tolerant(self, *args, **kwargs):
        try:
            return operation(self, *args, **kwargs)
        except _DOWN as exc:
            _warn(name, exc)
            return when_down(*args, **kwargs)

    tolerant.__name__ = tolerant.__qualname__ = name
    return tolerant


class TolerantRedisCache(RedisCache):
    def __init__(self, server, params):
        options = params.setdefault("OPTIONS", {})
        # Fail fast: a page must not wait for a Redis that is not there.
        options.setdefault("socket_connect_timeout", 0.5)
        options.setdefault("socket_timeout", 1)
        super().__init__(server, params)

    # Each operation answers as for a missing key when Redis is down: what `when_down` gives.
    get = _tolerant("get", lambda key, default=None, version=None: default)
    get_many = _tolerant("get_many", lambda *args, **kwargs: {})
    has_key = _tolerant("has_key", lambda *args, **kwargs: False)
    add = _tolerant("add", lambda *args, **kwargs: False)
    set = _tolerant("set", lambda *args, **kwargs: None)
    set_many = _tolerant("set_many", lambda data, *args, **kwargs: list(data))
    delete = _tolerant("delete", lambda *args, **kwargs: False)
    touch = _tolerant("touch", lambda *args, **kwargs: False)

    def incr(self, key, delta=1, version=None):
        try:
            return super().incr(key, delta, version)
        except _DOWN as exc:
            _warn("incr", exc)
            raise ValueError(f"Key '{key}' not found (cache unavailable)") from exc
