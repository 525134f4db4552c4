"""Persian first: the language comes from the user's explicit choice (a cookie), never the browser."""

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
