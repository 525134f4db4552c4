"""Caching of the public portal: one rendered copy per language, path and host, dropped when a story is
published, unpublished or edited (the language's PortalGeneration is in the key), with an ETag so a
browser or proxy revalidates in one round trip (304) instead of downloading the page again."""

import hashlib
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.http import HttpResponse, HttpResponseNotModified
from django.utils import translation
from django.utils.cache import patch_cache_control

from mahalleh.stories import selectors

# Query parameters that still make a cacheable page (a search is not cached).
CACHEABLE_PARAMS = {"page"}


def timeout() -> int:
    return getattr(settings, "STORIES_PORTAL_CACHE_SECONDS", 600)


def browser_max_age() -> int:
    return getattr(settings, "STORIES_PORTAL_MAX_AGE", 60)


def _key(request, lang: str, generation: int) -> str:
    where = f"{request.get_host()}{request.get_full_path()}"
    return f"portal:{lang}:{generation}:{hashlib.sha256(where.encode()).hexdigest()}"


def _etag(body: bytes) -> str:
    return '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _finish(response, lang: str, etag: str):
    response["ETag"] = etag
    response["Content-Language"] = lang
    patch_cache_control(response, public=True, max_age=browser_max_age())
    return response


def portal_page(view):
    """Run a portal view in its URL's language; serve and keep the rendered copy in the cache."""

    @wraps(view)
    def wrapper(request, lang, *args, **kwargs):
        generation = selectors.portal_generation(lang)
        cacheable = request.method in ("GET", "HEAD") and set(request.GET) <= CACHEABLE_PARAMS
        key = _key(request, lang, generation)
        hit = cache.get(key) if cacheable else None
        if hit is None:
            with translation.override(lang):
                response = view(request, lang, *args, **kwargs)
            if response.status_code != 200 or getattr(response, "streaming", False):
                return response
            body = response.content
            hit = (body, response["Content-Type"], _etag(body))
            if cacheable:
                cache.set(key, hit, timeout())
        body, content_type, etag = hit
        if etag in [t.strip() for t in request.headers.get("If-None-Match", "").split(",")]:
            return _finish(HttpResponseNotModified(), lang, etag)
        return _finish(HttpResponse(body, content_type=content_type), lang, etag)

    return wrapper
