"""The public portal: no login, Persian at /fa/… (RTL) and English at /en/… (LTR).

Pages are rendered without the staff context processors (no session, no user: nothing of the staff
UI leaks in and nothing slows the page down), through `cache.portal_page`. Every read goes through
the `public_*` selectors, which only ever return published stories.
"""

from django.http import HttpResponse, HttpResponsePermanentRedirect
from django.template.loader import render_to_string
from django.urls import reverse

from mahalleh.core import plugins
from mahalleh.core.access import page_of
from mahalleh.geo.models import Province
from mahalleh.stories import selectors
from mahalleh.stories.cache import portal_page
from mahalleh.stories.models import Theme

PAGE_SIZE = 12
HOME_STORIES = 9
OTHER = {"fa": "en", "en": "fa"}


def story_path(story, lang: str) -> str:
    return reverse("portal:story", kwargs={"lang": lang, "pk": story.pk, "slug": story.slug or "story"})


def _render(
    request, lang: str, template: str, context: dict, *, alternates: dict | None = None
) -> HttpResponse:
    """alternates: {lang: path} of this page in each language it exists in (hreflang, switch)."""
    alternates = (
        alternates
        if alternates is not None
        else {code: request.path.replace(f"/{lang}/", f"/{code}/", 1) for code in ("fa", "en")}
    )
    other = OTHER[lang]
    context = {
        "lang": lang,
        "rtl": lang == "fa",
        "canonical": request.build_absolute_uri(alternates.get(lang, request.path)),
        "alternates": {code: request.build_absolute_uri(path) for code, path in alternates.items()},
        "switch_url": alternates.get(other, reverse("portal:home", kwargs={"lang": other})),
        "switch_lang": other,
        "feed_rss": reverse("portal:feed_rss", kwargs={"lang": lang}),
        "feed_atom": reverse("portal:feed_atom", kwargs={"lang": lang}),
        "feed_json": reverse("portal:feed_json", kwargs={"lang": lang}),
        "site_url": request.build_absolute_uri("/"),
        **context,
    }
    return HttpResponse(render_to_string(template, context))


def place_name(place, lang: str) -> str:
    return (place.name_en or place.name_fa) if lang == "en" else place.name_fa


def _map(lang: str, offices) -> dict:
    features = []
    for n in selectors.public_office_neighbourhoods(offices=offices):
        if not n.boundary:
            continue
        office = n.office
        features.append(
            {
                "type": "Feature",
                "geometry": n.boundary,
                "properties": {
                    "name": place_name(office, lang),
                    "kind": "target",
                    "url": reverse("portal:office", kwargs={"lang": lang, "code": office.code}),
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


# Public indicator figures come from other apps (the indicators app), which register a provider in their
# AppConfig.ready():
#
#     @plugins.provider("public_figures")
#     def figures(*, kind, place, lang): ...   # kind "province" | "office"; place a Province or Office
#
# returning a list of {"label": str, "value": str | None, "period": str} (objects with those attributes
# do too). The provider formats the values and suppresses small counts (DESIGN §8): a suppressed
# figure has value None and is shown as suppressed, never as a number. No provider, no section.
PUBLIC_FIGURES = "public_figures"


def _figures(kind: str, place, lang: str):
    providers = plugins.providers(PUBLIC_FIGURES)
    if not providers:
        return None
    return [figure for provider in providers for figure in provider(kind=kind, place=place, lang=lang)]


@portal_page
def home(request, lang):
    offices = list(selectors.public_offices())
    provinces: dict[Province, list] = {}
    for office in offices:
        provinces.setdefault(office.county.province, []).append(office)
    return _render(
        request,
        lang,
        "portal/home.html",
        {
            "stories": selectors.public_story_list(lang=lang)[:HOME_STORIES],
            "provinces": provinces,
            "features": _map(lang, offices),
            "themes": Theme.choices,
        },
    )


@portal_page
def story_list(request, lang):
    query = request.GET.get("q", "").strip()[:200]
    theme = request.GET.get("theme", "")
    if theme and theme not in Theme.values:
        theme = ""
    stories = selectors.public_story_list(lang=lang, query=query, theme=theme)
    page = page_of(request, stories, PAGE_SIZE)
    return _render(
        request,
        lang,
        "portal/story_list.html",
        {"page": page, "query": query, "theme": theme, "themes": Theme.choices},
    )


@portal_page
def story_detail(request, lang, pk, slug=""):
    story = selectors.public_story_get(lang=lang, pk=pk)
    canonical = story_path(story, lang)
    if request.path != canonical:
        return HttpResponsePermanentRedirect(canonical)
    alternates = {"fa": story_path(story, "fa")}
    if story.has_english:
        alternates["en"] = story_path(story, "en")
    cover = story.cover
    return _render(
        request,
        lang,
        "portal/story_detail.html",
        {
            "story": story,
            "title": story.text(lang, "title"),
            "summary": story.text(lang, "summary"),
            "body_html": story.text(lang, "body_html"),
            "cover": cover,
            "gallery": [i for i in story.images.all() if i.pk != story.cover_id],
            "og_image": request.build_absolute_uri(cover.url("jpeg")) if cover else "",
            "themes": [(t.theme, t.get_theme_display()) for t in story.theme_tags.all()],
        },
        alternates=alternates,
    )


@portal_page
def province_page(request, lang, code):
    province = selectors.public_province_get(code=code)
    offices = list(selectors.public_offices().filter(county__province=province))
    stories = selectors.public_story_list(lang=lang, province=province)
    page = page_of(request, stories, PAGE_SIZE)
    return _render(
        request,
        lang,
        "portal/place.html",
        {
            "place": province,
            "place_name": place_name(province, lang),
            "kind": "province",
            "offices": offices,
            "page": page,
            "features": _map(lang, offices),
            "figures": _figures("province", province, lang),
        },
    )


@portal_page
def office_page(request, lang, code):
    office = selectors.public_office_get(code=code)
    stories = selectors.public_story_list(lang=lang, office=office)
    page = page_of(request, stories, PAGE_SIZE)
    province = office.county.province
    return _render(
        request,
        lang,
        "portal/place.html",
        {
            "place": office,
            "place_name": place_name(office, lang),
            "province": province,
            "province_name": place_name(province, lang),
            "kind": "office",
            "offices": [office],
            "page": page,
            "features": _map(lang, [office]),
            "figures": _figures("office", office, lang),
        },
    )


def robots_txt(request):
    lines = [
        "User-agent: *",
        "Allow: /fa/",
        "Allow: /en/",
        "Allow: /media/stories/",
        "Allow: /static/",
        "Disallow: /",
        f"Sitemap: {request.build_absolute_uri(reverse('sitemap'))}",
    ]
    response = HttpResponse("\n".join(lines) + "\n", content_type="text/plain; charset=utf-8")
    response["Cache-Control"] = "public, max-age=86400"
    return response


def _sitemap(request, lang):
    urls = []
    for code in ("fa", "en"):
        urls.append({"loc": reverse("portal:home", kwargs={"lang": code}), "alternates": {
            c: reverse("portal:home", kwargs={"lang": c}) for c in ("fa", "en")}})  # fmt: skip
    for story in selectors.public_story_list(lang="fa"):
        alternates = {"fa": story_path(story, "fa")}
        if story.has_english:
            alternates["en"] = story_path(story, "en")
        for path in alternates.values():
            urls.append({"loc": path, "lastmod": story.updated_at, "alternates": alternates})
    for office in selectors.public_offices():
        paths = {c: reverse("portal:office", kwargs={"lang": c, "code": office.code}) for c in ("fa", "en")}
        urls += [{"loc": p, "alternates": paths} for p in paths.values()]
    for province in selectors.public_provinces():
        paths = {
            c: reverse("portal:province", kwargs={"lang": c, "code": province.code}) for c in ("fa", "en")
        }
        urls += [{"loc": p, "alternates": paths} for p in paths.values()]
    absolute = request.build_absolute_uri
    for url in urls:
        url["loc"] = absolute(url["loc"])
        url["alternates"] = {c: absolute(p) for c, p in url["alternates"].items()}
    xml = render_to_string("portal/sitemap.xml", {"urls": urls})
    return HttpResponse(xml, content_type="application/xml; charset=utf-8")


# The sitemap changes with both languages' stories: keyed on the Persian generation, which every
# publish and unpublish bumps.
sitemap = portal_page(_sitemap)


def sitemap_view(request):
    return sitemap(request, "fa")
