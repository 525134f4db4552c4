"""The review workflow, its audit trail, and the rule about residents named without consent."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from mahalleh.audit.models import AuditEntry
from mahalleh.registry import services as registry_services
from mahalleh.registry.models import Consent
from mahalleh.stories import names, services
from mahalleh.stories.models import Story, StoryEvent
from tests.stories.conftest import NAMED_WITHOUT_CONSENT, fa, story_data, upload

S = Story.Status


def test_facilitator_writes_pr_officer_returns_then_publishes_and_manager_unpublishes(st):
    w = st.world
    story = services.story_submit(actor=w.facilitator_a, story=st.draft)
    assert story.status == S.IN_REVIEW
    story = services.story_return(actor=w.pr_a, story=story, comment="عکس بهتری بگذارید")
    assert story.status == S.RETURNED and story.review_comment == "عکس بهتری بگذارید"
    story = services.story_submit(actor=w.facilitator_a, story=story)
    story = services.story_publish(actor=w.pr_a, story=story)
    assert story.status == S.PUBLISHED and story.published_at is not None
    story = services.story_unpublish(actor=w.manager_a, story=story, comment="به درخواست خانواده")
    assert story.status == S.UNPUBLISHED
    moves = list(StoryEvent.objects.filter(story=story).values_list("from_status", "to_status"))
    assert moves == [
        ("", S.DRAFT), (S.DRAFT, S.IN_REVIEW), (S.IN_REVIEW, S.RETURNED), (S.RETURNED, S.IN_REVIEW),
        (S.IN_REVIEW, S.PUBLISHED), (S.PUBLISHED, S.UNPUBLISHED),
    ]  # fmt: skip
    audited = AuditEntry.objects.filter(object_type="story", object_id=str(story.pk), action="update")
    statuses = [e.changes["status"] for e in audited.order_by("pk") if "status" in e.changes]
    assert statuses == [[a, b] for a, b in moves[1:]]
    assert all(e.office_id == w.office_a.pk for e in audited)


def test_province_coordinator_can_unpublish_but_not_of_another_province(st):
    w = st.world
    services.story_unpublish(actor=w.coordinator, story=st.published)
    with pytest.raises(PermissionDenied):
        services.story_unpublish(actor=w.coordinator_fars, story=st.other)


@pytest.mark.parametrize("who", ["facilitator_a", "manager_a", "coordinator", "pr_b"])
def test_only_the_office_pr_officer_publishes(st, who):
    actor = getattr(st, who, None) or getattr(st.world, who)
    with pytest.raises(PermissionDenied) as exc:
        services.story_publish(actor=actor, story=st.draft)
    assert str(exc.value) == fa("Only the PR officer of the story's office can publish it.")
    st.draft.refresh_from_db()
    assert st.draft.status == S.DRAFT


def test_facilitator_and_pr_officer_cannot_unpublish(st):
    for actor in (st.world.facilitator_a, st.world.pr_a):
        with pytest.raises(PermissionDenied):
            services.story_unpublish(actor=actor, story=st.published)


def test_returning_needs_a_comment(st):
    services.story_submit(actor=st.world.facilitator_a, story=st.draft)
    with pytest.raises(ValidationError) as exc:
        services.story_return(actor=st.world.pr_a, story=st.draft, comment="   ")
    assert "comment" in exc.value.message_dict


def test_publish_without_the_english_alt_text_is_refused(st):
    w = st.world
    services.image_add(actor=w.facilitator_a, story=st.draft, upload=upload(), alt_fa="کوچه", alt_en="")
    with pytest.raises(ValidationError) as exc:
        services.story_publish(actor=w.pr_a, story=st.draft)
    missing_alt = (
        "Photo %(n)s has no English description for screen readers (the story has an English version)."
    )
    assert exc.value.messages == [fa(missing_alt, n=2)]
    st.draft.refresh_from_db()
    assert st.draft.status == S.DRAFT


def test_a_half_written_english_version_blocks_publishing(st):
    story = services.story_create(actor=st.world.pr_a, **story_data(summary_en="", body_en=""))
    with pytest.raises(ValidationError) as exc:
        services.story_publish(actor=st.world.pr_a, story=story)
    incomplete = (
        "The English version is incomplete: give it a title, a summary and a text, or leave all three empty."
    )
    assert fa(incomplete) in exc.value.messages


def test_facilitator_of_office_b_cannot_edit_or_submit_office_a_story(st):
    with pytest.raises(PermissionDenied):
        services.story_update(actor=st.world.facilitator_b, story=st.draft, title_fa="x")
    with pytest.raises(PermissionDenied):
        services.story_submit(actor=st.world.facilitator_b, story=st.draft)


# --------------------------------------------------------------------------- residents named


def _consent(st, person, given=True, days_ago=1):
    return registry_services.consent_record(
        actor=st.world.facilitator_a,
        person=person,
        purpose=Consent.Purpose.PHOTOS,
        given=given,
        on=timezone.localdate() - datetime.timedelta(days=days_ago),
    )


@pytest.mark.parametrize(
    "written",
    ["محمدرضا احمدی", "محمدرضا احمدي", "محمد رضا احمدی", "محمد‌رضا احمدی"],  # Arabic yeh, space, ZWNJ
)
def test_a_story_naming_a_resident_without_consent_cannot_be_published(st, written):
    story = services.story_create(
        actor=st.world.pr_a,
        **story_data(body_fa=f"در این کارگاه {written} هم بود.", title_en="", summary_en="", body_en=""),
    )
    matches = names.story_matches(story)
    assert [(m.phrase, m.residents, m.consented) for m in matches] == [(written, 1, False)]
    with pytest.raises(ValidationError) as exc:
        services.story_publish(actor=st.world.pr_a, story=story)
    assert exc.value.messages == [fa(NAMED_WITHOUT_CONSENT, name=written)]
    _consent(st, st.head_a)
    assert names.story_matches(story)[0].consented
    assert services.story_publish(actor=st.world.pr_a, story=story).status == S.PUBLISHED


def test_withdrawn_consent_counts_as_none(st):
    _consent(st, st.head_a, given=True, days_ago=5)
    _consent(st, st.head_a, given=False, days_ago=1)
    story = services.story_create(
        actor=st.world.pr_a, **story_data(body_fa="با محمدرضا احمدی.", body_en="", title_en="", summary_en="")
    )
    assert not names.story_matches(story)[0].consented


def test_a_first_name_alone_or_a_resident_of_another_office_is_not_a_match(st):
    # «محمدرضا کریمی» lives in office B; «محمدرضا» alone names nobody.
    story = services.story_create(
        actor=st.world.pr_a,
        **story_data(body_fa="محمدرضا آمد. محمدرضا کریمی هم آمد.", title_en="", summary_en="", body_en=""),
    )
    assert names.story_matches(story) == []
    assert services.story_publish(actor=st.world.pr_a, story=story).status == S.PUBLISHED


def test_names_in_image_descriptions_are_checked_too(st):
    services.image_add(
        actor=st.world.facilitator_a,
        story=st.draft,
        upload=upload(),
        alt_fa="علی احمدی در کلاس",
        alt_en="A boy",
    )
    matches = names.story_matches(st.draft)
    assert [m.phrase for m in matches] == ["علی احمدی"]
