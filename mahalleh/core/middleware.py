"""Persian first: the language comes from the user's explicit choice (a cookie), never the browser."""

from django.conf import settings
from django.utils import translation


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
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch = response.get("Vary", "")
        if "Cookie" not in patch:
            response["Vary"] = f"{patch}, Cookie" if patch else "Cookie"
        return response


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
