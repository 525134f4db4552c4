"""Persian first: the language comes from the user's explicit choice (a cookie), never the browser."""

import time

from django.conf import settings
from django.utils import translation
from django.utils.translation.trans_real import parse_accept_lang_header

API_PREFIX = "/api/"


class LanguageMiddleware:
    """Activate the language the user chose with the switch; Persian otherwise.

    Django's LocaleMiddleware would follow the browser's Accept-Language, which
    on most office computers says English; the design wants Persian unless the
    user picks English. An unknown code in the cookie falls back to Persian.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.codes = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        language = chosen if chosen in self.codes else settings.LANGUAGE_CODE
        if request.path.startswith(API_PREFIX):
            # API clients are programs that say which language they want: an explicit
            # Accept-Language is honoured for the API only (the pages stay Persian-first).
            language = self.accepted(request) or language
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        vary = "Cookie, Accept-Language" if request.path.startswith(API_PREFIX) else "Cookie"
        for header in vary.split(", "):
            patch = response.get("Vary", "")
            if header not in patch:
                response["Vary"] = f"{patch}, {header}" if patch else header
        return response

    def accepted(self, request) -> str | None:
        """The first language of Accept-Language that Mahalleh speaks (``en-US`` counts as ``en``)."""
        for code, _quality in parse_accept_lang_header(request.headers.get("Accept-Language", "")):
            base = code.split("-")[0].lower()
            if base in self.codes:
                return base
        return None


class RequestIdMiddleware:
    """Give every request an id (the proxy's X-Request-ID if sane, else a new one): it is in every
    log line of the request, in the error report and in the response's X-Request-ID header."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from mahalleh.core.logging import new_request_id, request_id_var

        request_id = new_request_id(request.headers.get("X-Request-ID"))
        request.request_id = request_id
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            request_id_var.reset(token)
        response["X-Request-ID"] = request_id
        return response


class SessionIdleRefreshMiddleware:
    """The session lasts SESSION_COOKIE_AGE of idle time without a database write per request.

    SESSION_SAVE_EVERY_REQUEST wrote the session row (an UPDATE and a COMMIT) on every page view
    to push the expiry forward. Here the session is saved again only when its last refresh is
    SESSION_REFRESH_SECONDS old (5 minutes): the idle timeout stays right within 5 minutes and
    a user clicking through pages costs one write every 5 minutes instead of one per click.
    """

    KEY = "_refreshed_at"

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty():
            now = int(time.time())
            if now - session.get(self.KEY, 0) >= settings.SESSION_REFRESH_SECONDS:
                session[self.KEY] = now  # marks the session modified: SessionMiddleware saves it
        return response
