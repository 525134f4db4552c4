"""Read replicas: heavy reads go to a PostgreSQL streaming replica, everything else to the primary.

The mechanism is small and explicit:

* ``with using_replica():`` around a heavy read (a selector of a dashboard, a report, an
  export) asks for a replica; :func:`replica_view` does the same for a whole view, and
  ``settings.REPLICA_VIEWS`` / ``REPLICA_PATH_PREFIXES`` / ``REPLICA_ROLES`` route views by URL
  name, URL prefix or role (an app opts in with one line there);
* :class:`ReplicaRouter` then answers a healthy replica for reads, and always the primary
  for writes and migrations;
* read-your-writes: once a request has written, its later reads go to the primary; after a
  POST/PUT/PATCH/DELETE the same user reads from the primary for ``READ_YOUR_WRITES_SECONDS``
  (a cookie for browsers, the cache for API tokens); inside ``transaction.atomic`` reads stay on
  the primary;
* a replica that is unreachable or lags more than ``REPLICA_MAX_LAG_SECONDS`` is skipped with a
  warning in the log, and a routed view whose replica fails mid-request runs again on the
  primary: the user never sees an error page because of a replica.

Without ``DATABASE_REPLICA_URLS`` all of this answers "the primary" and costs nothing.
"""

from __future__ import annotations

import fnmatch
import functools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, DatabaseError, InterfaceError, OperationalError, connections
from django.http import HttpResponse
from django.utils.translation import gettext as _

logger = logging.getLogger("mahalleh.replicas")

PIN_COOKIE = "mahalleh_primary"
UNSAFE_METHODS = {"POST", "PUT", "PATCH", "DELETE"}


@dataclass
class _RequestState:
    """What the router knows about the current request (or `using_replica` block)."""

    request: object | None = None
    wants_replica: bool = False
    wrote: bool = False  # a write went to the primary: later reads follow it there
    pinned: bool | None = None  # the user wrote recently (decided lazily, on the first routed read)
    used: list[str] = field(default_factory=list)  # replicas that served a read


_state: ContextVar[_RequestState | None] = ContextVar("db_routing_state", default=None)


def replica_aliases() -> list[str]:
    return list(getattr(settings, "DATABASE_REPLICAS", []))


# --------------------------------------------------------------------------- replica health


@dataclass
class ReplicaStatus:
    alias: str
    ok: bool
    lag_seconds: float | None = None
    error: str = ""
    checked_at: float = 0.0


_health: dict[str, ReplicaStatus] = {}
_health_lock = threading.Lock()

_LAG_SQL = (
    "SELECT pg_is_in_recovery(), CASE WHEN NOT pg_is_in_recovery() "
    "OR pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn() THEN 0 "
    "ELSE COALESCE(EXTRACT(EPOCH FROM now() - pg_last_xact_replay_timestamp()), 0) END"
)


def _close_quietly(alias: str) -> None:
    if alias not in connections.settings:
        return
    try:
        connections[alias].close()
    except DatabaseError:
        pass


def replica_status(alias: str, *, fresh: bool = False) -> ReplicaStatus:
    """Reachable and not too far behind? Checked at most every REPLICA_CHECK_SECONDS per process."""
    now = time.monotonic()
    cached = _health.get(alias)
    if cached and not fresh and now - cached.checked_at < settings.REPLICA_CHECK_SECONDS:
        return cached
    conn = connections[alias]
    try:
        if conn.vendor == "postgresql":
            with conn.cursor() as cursor:
                cursor.execute(_LAG_SQL)
                _in_recovery, lag = cursor.fetchone()
            lag = float(lag or 0)
        else:  # SQLite and others have no replication: a configured alias is taken as current
            conn.ensure_connection()
            lag = 0.0
        if lag > settings.REPLICA_MAX_LAG_SECONDS:
            status = ReplicaStatus(alias, False, lag, f"lag {lag:.1f} s", now)
        else:
            status = ReplicaStatus(alias, True, lag, "", now)
    except (OperationalError, InterfaceError) as exc:
        _close_quietly(alias)
        status = ReplicaStatus(
            alias, False, None, str(exc).strip().splitlines()[0] if str(exc) else "down", now
        )
    with _health_lock:
        was_ok = _health.get(alias).ok if alias in _health else True
        _health[alias] = status
    if not status.ok and was_ok:
        logger.warning("replica %s skipped, reads go to the primary: %s", alias, status.error)
    elif status.ok and not was_ok:
        logger.warning("replica %s is back in use (lag %.1f s)", alias, status.lag_seconds or 0)
    return status


def mark_down(alias: str, error: str) -> None:
    from mahalleh.core.metrics import REPLICA_FALLBACKS

    REPLICA_FALLBACKS.inc()
    with _health_lock:
        _health[alias] = ReplicaStatus(alias, False, None, error, time.monotonic())
    _close_quietly(alias)
    logger.warning("replica %s failed during a request, reading from the primary: %s", alias, error)


def healthy_replica() -> str | None:
    """The first healthy replica (in the configured order), or None."""
    for alias in replica_aliases():
        if replica_status(alias).ok:
            return alias
    return None


def reset_health() -> None:
    """Forget the cached checks (tests, and after a failover)."""
    with _health_lock:
        _health.clear()


# --------------------------------------------------------------------------- the router


def _pinned_to_primary(state: _RequestState) -> bool:
    if state.wrote:
        return True
    if state.pinned is None:
        request = state.request
        pinned = False
        if request is not None:
            if request.COOKIES.get(PIN_COOKIE):
                pinned = True
            else:
                # The session's user or the API token's (a script sends no cookie back).
                user = request_user(request)
                if user is not None:
                    pinned = bool(cache.get(_pin_key(user.pk)))
        state.pinned = pinned
    return state.pinned


def _pin_key(user_id) -> str:
    return f"mahalleh:wrote:{user_id}"


# --------------------------------------------------------------------------- who is asking

# The look-up of the API token, (user, token) or None, kept on the HttpRequest.
_AUTH_ATTR = "_mahalleh_token_auth"


@contextmanager
def _reads_on_primary() -> Iterator[None]:
    """Reads inside the block go to the primary even in a replica-routed request."""
    state = _state.get()
    if state is None or not state.wants_replica:
        yield
        return
    state.wants_replica = False
    try:
        yield
    finally:
        state.wants_replica = True


def token_auth(request) -> tuple | None:
    """(user, token) of the request's ``Authorization: Token …`` header, or None.

    Looked up once per request and on the primary: a token issued or revoked a moment ago may not
    be on a replica yet. The API's authentication (``mahalleh.api.authentication``) takes the
    answer kept on the request instead of looking the token up again."""
    if not hasattr(request, _AUTH_ATTR):
        from rest_framework.authentication import TokenAuthentication
        from rest_framework.exceptions import AuthenticationFailed

        try:
            with _reads_on_primary():
                found = TokenAuthentication().authenticate(request)
        except AuthenticationFailed:
            found = None  # the API view answers 401 itself, with DRF's message
        setattr(request, _AUTH_ATTR, found)
    return getattr(request, _AUTH_ATTR)


def known_token_auth(request) -> tuple | None:
    """What :func:`token_auth` found for this request, if it was asked; never a query."""
    return getattr(request, _AUTH_ATTR, None)


def request_user(request):
    """The user a request acts as, known before its view runs: the signed-in session's user, else
    the owner of its API token. DRF identifies a token only inside the view, after the routing
    decision, so the router asks here; None for an anonymous request."""
    with _reads_on_primary():
        user = getattr(request, "user", None)
        if user is not None and getattr(user, "is_authenticated", False):
            return user
    found = token_auth(request)
    return found[0] if found else None


class ReplicaRouter:
    """Reads in a replica-routed block go to a healthy replica; everything else to the primary."""

    def db_for_read(self, model, **hints):
        state = _state.get()
        if state is None or not state.wants_replica or not replica_aliases():
            return DEFAULT_DB_ALIAS
        if connections[DEFAULT_DB_ALIAS].in_atomic_block or _pinned_to_primary(state):
            return DEFAULT_DB_ALIAS
        alias = healthy_replica()
        if alias is None:
            return DEFAULT_DB_ALIAS
        if alias not in state.used:
            state.used.append(alias)
        return alias

    def db_for_write(self, model, **hints):
        state = _state.get()
        if state is not None:
            state.wrote = True
        return DEFAULT_DB_ALIAS

    def allow_relation(self, obj1, obj2, **hints):
        return True  # every alias holds the same data

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db == DEFAULT_DB_ALIAS


# --------------------------------------------------------------------------- opting in


@contextmanager
def using_replica() -> Iterator[None]:
    """Reads inside the block may be served by a replica (a few seconds behind the primary).

    Use it in selectors of heavy, read-only pages: dashboards, rankings, reports, exports.
    """
    state = _state.get()
    if state is None:
        token = _state.set(_RequestState(wants_replica=True))
        try:
            yield
        finally:
            _state.reset(token)
        return
    before = state.wants_replica
    state.wants_replica = True
    try:
        yield
    finally:
        state.wants_replica = before


def call_on_replica(func: Callable, *args, **kwargs):
    """Call ``func`` with its reads on a replica; if the replica fails before anything was
    written, call it again on the primary. A lazy response is rendered inside, so its queries
    are covered too."""
    outer = _state.get()
    state = outer or _RequestState()
    token = _state.set(state) if outer is None else None
    try:
        used_before = len(state.used)
        try:
            with using_replica():
                result = func(*args, **kwargs)
                render = getattr(result, "render", None)
                if callable(render) and not getattr(result, "is_rendered", True):
                    result.render()
                return result
        except (OperationalError, InterfaceError) as exc:
            failed = state.used[used_before:]
            if not failed or state.wrote:
                raise
            for alias in failed:
                mark_down(alias, str(exc).strip().splitlines()[0] if str(exc) else "error")
            state.used = state.used[:used_before]
        return func(*args, **kwargs)
    finally:
        if token is not None:
            _state.reset(token)


def replica_view(view):
    """Decorator: the view's reads go to a replica (falling back to the primary)."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        if replica_aliases():
            request_user(request)  # as the middleware does: the token on the primary
        return call_on_replica(view, request, *args, **kwargs)

    wrapper.replica_routed = True
    return wrapper


def _routed(request, view_func) -> bool:
    if getattr(view_func, "replica_routed", False):
        return False  # the decorator does it
    if request.method not in {"GET", "HEAD"}:
        return False
    match = getattr(request, "resolver_match", None)
    name = match.view_name if match else ""
    if name and any(fnmatch.fnmatchcase(name, pattern) for pattern in settings.REPLICA_VIEWS):
        return True
    if any(request.path.startswith(prefix) for prefix in settings.REPLICA_PATH_PREFIXES):
        return True
    if not settings.REPLICA_ROLES:
        return False
    role = getattr(request_user(request), "role", None)
    return bool(role) and role in settings.REPLICA_ROLES


class ReplicaRoutingMiddleware:
    """Keeps the per-request routing state, routes the configured views to a replica and pins a
    user who just wrote to the primary for READ_YOUR_WRITES_SECONDS."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        state = _RequestState(request=request)
        token = _state.set(state)
        try:
            response = self.get_response(request)
        finally:
            _state.reset(token)
        if replica_aliases() and request.method in UNSAFE_METHODS and response.status_code < 400:
            seconds = settings.READ_YOUR_WRITES_SECONDS
            response.set_cookie(
                PIN_COOKIE, "1", max_age=seconds, httponly=True, samesite="Lax",
                secure=settings.SESSION_COOKIE_SECURE,
            )  # fmt: skip
            user = getattr(request, "user", None)
            if user is not None and getattr(user, "is_authenticated", False):
                cache.set(_pin_key(user.pk), 1, timeout=seconds)
        return response

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not replica_aliases() or not _routed(request, view_func):
            return None
        request_user(request)  # an API token is looked up now, on the primary, and kept for DRF
        return call_on_replica(view_func, request, *view_args, **view_kwargs)


# --------------------------------------------------------------------------- primary down


class DatabaseUnavailableMiddleware:
    """The primary unreachable (restarting, failing over): a short 503 page asking to try again
    in a moment, with Retry-After, instead of a 500 error page; logged as a warning."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, OperationalError | InterfaceError):
            return None
        return database_unavailable_response(request, exception)


def database_unavailable_response(request, exception) -> HttpResponse:
    """503 with Retry-After (JSON under /api/), for the middleware above and for the 500 handler
    (a lost connection inside another middleware never reaches process_exception)."""
    import json

    from django.template.loader import render_to_string

    first_line = str(exception).strip().splitlines()[0] if str(exception) else ""
    logger.warning("database unavailable: %s", first_line)
    for conn in connections.all(initialized_only=True):
        try:
            conn.close_if_unusable_or_obsolete()
        except DatabaseError:
            pass
    message = _("The database is not reachable for a moment. Nothing was lost: try again in a few seconds.")
    if request.path.startswith("/api/"):
        body = json.dumps({"detail": message, "code": "database_unavailable"}, ensure_ascii=False)
        response = HttpResponse(body, status=503, content_type="application/json")
    else:
        try:
            # No request context: its context processors would query the database again.
            body = render_to_string("core/error.html", {"status": 503, "message": message})
        except Exception:  # noqa: BLE001 - the page must not depend on the database
            body = f"<!doctype html><title>503</title><p>{message}</p>"
        response = HttpResponse(body, status=503)
    response["Retry-After"] = "5"
    return response
