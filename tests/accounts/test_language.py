"""Language: Persian first, English on request, and the error pages in both."""

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import translation

PERSIAN = 'lang="fa" dir="rtl"'
ENGLISH = 'lang="en" dir="ltr"'


def _t(text: str, language: str) -> str:
    with translation.override(language):
        return translation.gettext(text)


def test_persian_is_the_default_even_when_the_browser_asks_for_english(world, client):
    response = client.get(reverse("accounts:login"), HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert response.status_code == 200
    assert PERSIAN in response.content.decode()
    assert response["Content-Language"] == "fa"


def test_signed_in_pages_are_persian_by_default(world, login):
    response = login(world.facilitator_a).get("/", HTTP_ACCEPT_LANGUAGE="en-US")
    assert PERSIAN in response.content.decode()


def test_switching_to_english_makes_pages_english_and_left_to_right(world, login):
    client = login(world.facilitator_a)
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/places/map/"})
    assert response.status_code == 302
    assert response["Location"] == "/places/map/"
    for url in (
        "/",
        reverse("geo:neighbourhood_list"),
        reverse("geo:office_detail", args=[world.office_a.pk]),
    ):
        html = client.get(url).content.decode()
        assert ENGLISH in html, url
        assert PERSIAN not in html
    html = client.get(reverse("geo:neighbourhood_list")).content.decode()
    assert "Hood A" in html  # place names follow the language too
    assert "Neighbourhoods" in html


def test_switching_back_to_persian(world, login):
    client = login(world.facilitator_a)
    client.post("/i18n/setlang/", {"language": "en"})
    client.post("/i18n/setlang/", {"language": "fa"})
    assert PERSIAN in client.get("/").content.decode()


def test_language_choice_survives_signing_out(world, client):
    client.post("/i18n/setlang/", {"language": "en"})
    assert ENGLISH in client.get(reverse("accounts:login")).content.decode()


def test_unknown_language_code_keeps_persian_without_an_error(world, login):
    client = login(world.facilitator_a)
    response = client.post("/i18n/setlang/", {"language": "xx", "next": "/"})
    assert response.status_code in {200, 302}
    html = client.get("/").content.decode()
    assert PERSIAN in html


def test_unknown_language_in_the_cookie_keeps_persian(world, login):
    client = login(world.facilitator_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "xx"
    response = client.get("/")
    assert response.status_code == 200
    assert PERSIAN in response.content.decode()


@pytest.mark.parametrize("language,marker", [("fa", PERSIAN), ("en", ENGLISH)])
def test_404_page_renders_in_both_languages(world, client, language, marker):
    if language == "en":
        client.post("/i18n/setlang/", {"language": "en"})
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    html = response.content.decode()
    assert marker in html
    assert _t("Page not found", language) in html
    assert "Traceback" not in html


@pytest.mark.parametrize("language,marker", [("fa", PERSIAN), ("en", ENGLISH)])
def test_out_of_scope_404_for_a_signed_in_user_renders_in_both_languages(world, login, language, marker):
    client = login(world.facilitator_a)
    if language == "en":
        client.post("/i18n/setlang/", {"language": "en"})
    response = client.get(reverse("geo:office_detail", args=[world.office_b.pk]))
    assert response.status_code == 404
    html = response.content.decode()
    assert marker in html
    assert _t("Page not found", language) in html
    assert "Traceback" not in html
    assert "دفتر ب" not in html and "Office B" not in html


def test_persian_translation_is_really_used(world, client):
    html = client.get(reverse("accounts:login")).content.decode()
    persian = _t("Sign in to Mahalleh", "fa")
    assert persian != "Sign in to Mahalleh"  # the catalogue is compiled
    assert persian in html


@pytest.mark.parametrize("language,marker", [("fa", PERSIAN), ("en", ENGLISH)])
def test_a_form_sent_with_a_stale_token_gets_our_403_page_in_both_languages(world, language, marker):
    """A tab left open across a sign-in sends a token that no longer matches: the user reads what
    to do in their language, not Django's English CSRF page."""
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    if language == "en":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.post(reverse("accounts:login"), {"username": "x", "password": "y"})
    assert response.status_code == 403
    html = response.content.decode()
    assert marker in html
    assert _t("This form has expired", language) in html
    assert "CSRF verification failed" not in html
