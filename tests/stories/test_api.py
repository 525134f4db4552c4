"""Stories API: scoped staff endpoints with the workflow's rules, and the public read-only endpoint.
Every response is checked against the OpenAPI schema (tests/api/conftest.py)."""

import pytest

from mahalleh.stories.models import Story
from tests.api.conftest import api, openapi  # noqa: F401 — fixtures reused
from tests.stories.conftest import photo_bytes, story_data, upload


def test_staff_list_is_scoped_to_the_office(st, api):  # noqa: F811
    ids = {s["id"] for s in api(st.world.facilitator_a).get("/api/v1/stories/").json()["results"]}
    assert ids == {st.draft.pk, st.published.pk}
    assert api(st.world.facilitator_b).get(f"/api/v1/stories/{st.draft.pk}/").status_code == 404
    assert api(st.world.analyst).get("/api/v1/stories/").json()["results"] == []


def test_writer_creates_uploads_and_pr_officer_publishes_through_the_api(st, api):  # noqa: F811
    writer = api(st.world.facilitator_a)
    created = writer.post(
        "/api/v1/stories/", {**story_data(title_fa="گزارش کارگاه"), "themes": ["women"]}, format="json"
    )
    assert created.status_code == 201, created.json()
    pk = created.json()["id"]
    photo = writer.post(
        f"/api/v1/stories/{pk}/images/",
        {"photo": upload(photo_bytes()), "alt_fa": "کارگاه", "alt_en": ""},
        format="multipart",
    )
    assert photo.status_code == 201, photo.json()
    assert photo.json()["publish_problems"]  # the English alt text is missing
    assert writer.post(f"/api/v1/stories/{pk}/submit/").json()["status"] == "in_review"
    pr = api(st.world.pr_a)
    refused = pr.post(f"/api/v1/stories/{pk}/publish/")
    assert refused.status_code == 400
    image_id = photo.json()["images"][0]["id"]
    from mahalleh.stories import services
    from mahalleh.stories.models import StoryImage

    services.image_update(
        actor=st.world.pr_a, image=StoryImage.objects.get(pk=image_id), alt_fa="کارگاه", alt_en="Workshop"
    )
    published = pr.post(f"/api/v1/stories/{pk}/publish/")
    assert published.status_code == 200 and published.json()["status"] == "published"


def test_html_in_the_body_is_a_400_at_the_field(st, api):  # noqa: F811
    response = api(st.world.facilitator_a).post(
        "/api/v1/stories/", story_data(body_fa="<script>alert(1)</script>"), format="json"
    )
    assert response.status_code == 400 and "body_fa" in response.json()
    assert not Story.objects.filter(body_fa__contains="script").exists()


def test_publishing_another_office_story_is_refused(st, api):  # noqa: F811
    response = api(st.pr_b).post(f"/api/v1/stories/{st.draft.pk}/publish/")
    assert response.status_code == 404  # not even visible to office B


def test_stale_update_is_409(st, api):  # noqa: F811
    client = api(st.world.facilitator_a)
    version = client.get(f"/api/v1/stories/{st.draft.pk}/").json()["version"]
    assert (
        client.patch(
            f"/api/v1/stories/{st.draft.pk}/", {"title_fa": "یک", "version": version}, format="json"
        ).status_code
        == 200
    )
    assert (
        client.patch(
            f"/api/v1/stories/{st.draft.pk}/", {"title_fa": "دو", "version": version}, format="json"
        ).status_code
        == 409
    )


@pytest.mark.parametrize("lang", ["fa", "en"])
def test_public_endpoint_lists_only_published_stories_without_login(st, api, lang):  # noqa: F811
    body = api().get(f"/api/v1/public/stories/?lang={lang}").json()
    ids = {s["id"] for s in body["results"]}
    assert ids == ({st.published.pk, st.other.pk} if lang == "fa" else {st.published.pk})
    assert api().get(f"/api/v1/public/stories/{st.draft.pk}/").status_code == 404
    item = api().get(f"/api/v1/public/stories/{st.published.pk}/?lang={lang}").json()
    assert item["title"] == ("Children paint their alley" if lang == "en" else "کودکان کوچه را رنگ کردند")
    assert item["cover"]["renditions"][0]["webp"].startswith("http://testserver/media/stories/")
