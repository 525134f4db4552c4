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
