"""Staff pages of stories: scoped lists and pages, the live preview with its name warning, the forms."""

import pytest
from django.urls import reverse

from mahalleh.stories.models import Story, StoryImage
from tests.stories.conftest import NAMED_WITHOUT_CONSENT, NOT_AN_IMAGE, fa, photo_bytes, story_data, upload


def test_list_shows_only_the_office_stories(st, login):
    html = login(st.world.facilitator_a).get(reverse("stories:list")).content.decode()
    assert "پیش‌نویس باغچه" in html and "کودکان کوچه را رنگ کردند" in html
    assert "روایت دفتر ب" not in html


def test_facilitator_writes_a_draft_through_the_form(st, login):
    client = login(st.world.facilitator_a)
    response = client.post(
        reverse("stories:create"), {**story_data(title_fa="جشن محله"), "themes": ["women"]}
    )
    story = Story.objects.get(title_fa="جشن محله")
    assert response.status_code == 302 and response["Location"] == reverse("stories:detail", args=[story.pk])
    assert story.office == st.world.office_a and story.status == Story.Status.DRAFT
    assert [t.theme for t in story.theme_tags.all()] == ["women"]


def test_html_in_the_text_is_refused_at_the_field(st, login):
    client = login(st.world.facilitator_a)
    response = client.post(reverse("stories:create"), story_data(body_fa='<img src=x onerror="alert(1)">'))
    assert response.status_code == 200
    assert 'data-field-error="body_fa"' in response.content.decode()
    assert not Story.objects.filter(body_fa__contains="onerror").exists()


def test_preview_renders_markdown_and_shows_named_residents_with_consent_status(st, login):
    client = login(st.world.pr_a)
    response = client.post(reverse("stories:preview"), {**story_data(body_fa="**سلام** به محمدرضا احمدی")})
    html = response.content.decode()
    assert "<strong>سلام</strong>" in html
    assert 'data-testid="name-match" data-consented="0"' in html and "محمدرضا احمدی" in html


def test_detail_page_warns_about_the_named_resident_and_refuses_publishing(st, login):
    client = login(st.world.pr_a)
    story = Story.objects.create(
        office=st.world.office_a,
        title_fa="t",
        summary_fa="s",
        body_fa="با محمدرضا احمدی",
        created_by=st.world.pr_a,
    )
    html = client.get(reverse("stories:detail", args=[story.pk])).content.decode()
    assert 'data-testid="publish-problems"' in html and "محمدرضا احمدی" in html
    response = client.post(reverse("stories:publish", args=[story.pk]))
    assert response.status_code == 400
    assert fa(NAMED_WITHOUT_CONSENT, name="محمدرضا احمدی") in response.content.decode()
    story.refresh_from_db()
    assert story.status == Story.Status.DRAFT


def test_photo_upload_through_the_page_and_a_fake_photo_refused_at_the_field(st, login):
    client = login(st.world.facilitator_a)
    url = reverse("stories:image_add", args=[st.draft.pk])
    ok = client.post(url, {"photo": upload(photo_bytes()), "alt_fa": "کلاس", "alt_en": "Class"})
    assert ok.status_code == 302
    bad = client.post(url, {"photo": upload(b"GIF89a nope", name="x.gif"), "alt_fa": "کلاس"})
    assert bad.status_code == 400
    assert fa(NOT_AN_IMAGE) in bad.content.decode()
    assert StoryImage.objects.filter(story=st.draft).count() == 2  # the fixture's and the good one


def test_pr_officer_publishes_from_the_page_and_the_manager_unpublishes(st, login):
    pk = st.draft.pk
    assert login(st.world.pr_a).post(reverse("stories:publish", args=[pk])).status_code == 302
    assert Story.objects.get(pk=pk).status == Story.Status.PUBLISHED
    assert login(st.world.facilitator_a).post(reverse("stories:unpublish", args=[pk])).status_code == 400
    assert login(st.world.manager_a).post(reverse("stories:unpublish", args=[pk])).status_code == 302
    assert Story.objects.get(pk=pk).status == Story.Status.UNPUBLISHED


@pytest.mark.parametrize("role", ["analyst", "partner_user"])
def test_roles_without_stories_get_404(st, login, role):
    client = login(getattr(st.world, role))
    assert client.get(reverse("stories:list")).status_code == 404
    assert client.get(reverse("stories:detail", args=[st.published.pk])).status_code == 404
