"""Every write to stories goes through here, and every write and transition is audited.

Workflow (DESIGN §3.9): facilitators and PR officers of an office write drafts and send them for
review; the office's PR officer publishes them or returns them with a comment; the office manager
and the province coordinator (and the national admin) can unpublish. A story cannot be published
while it names a registered resident of the office who has not consented to photos and stories,
while an image lacks its description in a language the story is published in, or while its English
version is half written.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mahalleh.audit.models import AuditEntry
from mahalleh.audit.services import audit_record, diff
from mahalleh.core.persian import clean_text, search_key
from mahalleh.core.services import ensure_fresh, require
from mahalleh.stories import images, markdown, names, selectors
from mahalleh.stories.models import PortalGeneration, Story, StoryEvent, StoryImage, StoryTheme, Theme

TEXT_FIELDS = ("title_fa", "summary_fa", "body_fa", "title_en", "summary_en", "body_en")
S = Story.Status


def _refuse(field: str | None, message: str):
    raise ValidationError({field: [message]} if field else message)


def _clean_fields(fields: dict) -> dict:
    out = {}
    for name in TEXT_FIELDS:
        if name in fields:
            out[name] = clean_text(fields[name] or "", multiline=name.startswith("body"))
    return out


def _check_texts(story: Story) -> None:
    errors = {}
    for name in ("title_fa", "summary_fa", "body_fa"):
        if not getattr(story, name):
            errors[name] = [_("This field is required.")]
    for name in ("body_fa", "body_en"):
        found = markdown.raw_html_tags(getattr(story, name))
        if found:
            errors[name] = [
                _(
                    "HTML is not allowed in the text (found %(tags)s). Write it in Markdown: **bold**, "
                    "*italic*, [link](https://…), lists with -."
                )
                % {"tags": ", ".join(found[:3])}
            ]
    if errors:
        raise ValidationError(errors)


def _render(story: Story) -> None:
    story.body_fa_html = markdown.render(story.body_fa)
    story.body_en_html = markdown.render(story.body_en)
    story.slug = story.make_slug()
    story.search_fa = search_key(" ".join([story.title_fa, story.summary_fa, story.body_fa]))
    story.search_en = search_key(" ".join([story.title_en, story.summary_en, story.body_en]))


def _neighbourhood(actor, neighbourhood):
    if neighbourhood is not None and neighbourhood.office_id != actor.office_id:
        _refuse("neighbourhood", _("Choose one of your office's neighbourhoods."))
    return neighbourhood


def _set_themes(story: Story, themes) -> None:
    wanted = set(themes or ())
    unknown = wanted - set(Theme.values)
    if unknown:
        _refuse("themes", _("Unknown theme: %(theme)s.") % {"theme": ", ".join(sorted(unknown))})
    story.theme_tags.exclude(theme__in=wanted).delete()
    have = set(story.theme_tags.values_list("theme", flat=True))
    StoryTheme.objects.bulk_create([StoryTheme(story=story, theme=t) for t in sorted(wanted - have)])


def bump_portal(languages=("fa", "en")) -> None:
    """Invalidate the cached public pages of these languages (see PortalGeneration)."""
    for lang in languages:
        PortalGeneration.objects.get_or_create(language=lang)
        PortalGeneration.objects.filter(language=lang).update(value=F("value") + 1)
    # This process sees the change at once (and again once it is committed); see portal_generation.
    selectors.forget_generations()
    transaction.on_commit(selectors.forget_generations)


def _languages(story: Story) -> tuple[str, ...]:
    return ("fa", "en")  # the home, office and province pages of both languages list it (or stop to)


def _event(story: Story, actor, from_status: str, to_status: str, comment: str = "") -> None:
    StoryEvent.objects.create(
        story=story, from_status=from_status, to_status=to_status, comment=comment, by=actor
    )
    audit_record(
        user=actor,
        action=AuditEntry.Action.UPDATE,
        obj=story,
        changes={"status": [from_status, to_status], **({"comment": ["", comment]} if comment else {})},
    )


@transaction.atomic
def story_create(
    *, actor, title_fa: str, summary_fa: str, body_fa: str, title_en: str = "", summary_en: str = "",
    body_en: str = "", neighbourhood=None, themes=(),
) -> Story:  # fmt: skip
    require(selectors.can_write_stories(actor))
    story = Story(
        office_id=actor.office_id,
        neighbourhood=_neighbourhood(actor, neighbourhood),
        created_by=actor,
        **_clean_fields(
            {
                "title_fa": title_fa,
                "summary_fa": summary_fa,
                "body_fa": body_fa,
                "title_en": title_en,
                "summary_en": summary_en,
                "body_en": body_en,
            }
        ),  # fmt: skip
    )
    _check_texts(story)
    _render(story)
    story.save()
    _set_themes(story, themes)
    StoryEvent.objects.create(story=story, from_status="", to_status=S.DRAFT, by=actor)
    audit_record(user=actor, action=AuditEntry.Action.CREATE, obj=story)
    return story


@transaction.atomic
def story_update(*, actor, story: Story, version: str | None = None, themes=None, **fields) -> Story:
    story = Story.objects.select_for_update().get(pk=story.pk)
    require(selectors.can_edit(actor, story))
    ensure_fresh(story, version)
    before = {name: getattr(story, name) for name in TEXT_FIELDS} | {"neighbourhood": story.neighbourhood_id}
    for name, value in _clean_fields(fields).items():
        setattr(story, name, value)
    if "neighbourhood" in fields:
        story.neighbourhood = _neighbourhood(actor, fields["neighbourhood"])
    _check_texts(story)
    _render(story)
    if story.status == S.PUBLISHED:
        # The reviewer edits a published story: it must still meet every rule of publication.
        _check_publishable(story)
    story.save()
    if themes is not None:
        _set_themes(story, themes)
    after = {name: getattr(story, name) for name in TEXT_FIELDS} | {"neighbourhood": story.neighbourhood_id}
    changes = diff(before, after)
    audit_record(user=actor, action=AuditEntry.Action.UPDATE, obj=story, changes=changes)
    if story.status == S.PUBLISHED:
        bump_portal(_languages(story))
    return story


def publish_problems(story: Story) -> list[str]:
    """Everything that stops this story from being published, in words the writer can act on."""
    problems = []
    english = [story.title_en, story.summary_en, story.body_en]
    if any(english) and not all(english):
        problems.append(
            _(
                "The English version is incomplete: give it a title, a summary and a text, "
                "or leave all three empty."
            )
        )
    for number, image in enumerate(story.images.all(), start=1):
        if not image.alt_fa:
            problems.append(_("Photo %(n)s has no Persian description for screen readers.") % {"n": number})
        if story.has_english and not image.alt_en:
            problems.append(
                _(
                    "Photo %(n)s has no English description for screen readers "
                    "(the story has an English version)."
                )
                % {"n": number}
            )
    for match in names.story_matches(story):
        if not match.consented:
            problems.append(
                _(
                    "The story names «%(name)s», a registered resident of the office, who has not "
                    "consented to photos and stories. Record the resident's consent in the registry, or "
                    "remove the name."
                )
                % {"name": match.phrase}
            )
    return problems


def _move(actor, story: Story, allowed_from: set, to_status: str, comment: str = "") -> Story:
    if story.status not in allowed_from:
        raise ValidationError(
            _("A story that is %(status)s cannot be moved to %(to)s.")
            % {"status": story.get_status_display(), "to": S(to_status).label}
        )
    from_status = story.status
    story.status = to_status
    fields = ["status", "updated_at"]
    if comment or to_status == S.RETURNED:
        story.review_comment = comment
        fields.append("review_comment")
    if to_status == S.PUBLISHED:
        story.published_at = story.published_at or timezone.now()
        story.review_comment = ""
        fields += ["published_at", "review_comment"]
    story.save(update_fields=list(dict.fromkeys(fields)))
    _event(story, actor, from_status, to_status, comment)
    return story


def _locked(story: Story) -> Story:
    return Story.objects.select_for_update().select_related("office__county").get(pk=story.pk)


@transaction.atomic
def story_submit(*, actor, story: Story) -> Story:
    """A writer sends a draft to the office's PR officer."""
    story = _locked(story)
    require(selectors.can_write_stories(actor) and actor.office_id == story.office_id)
    return _move(actor, story, {S.DRAFT, S.RETURNED, S.UNPUBLISHED}, S.IN_REVIEW)


@transaction.atomic
def story_publish(*, actor, story: Story) -> Story:
    story = _locked(story)
    if not selectors.is_reviewer(actor, story):
        raise PermissionDenied(_("Only the PR officer of the story's office can publish it."))
    _check_publishable(story)
    story = _move(actor, story, {S.DRAFT, S.IN_REVIEW, S.RETURNED, S.UNPUBLISHED}, S.PUBLISHED)
    bump_portal(_languages(story))
    return story


@transaction.atomic
def story_return(*, actor, story: Story, comment: str) -> Story:
    story = _locked(story)
    if not selectors.is_reviewer(actor, story):
        raise PermissionDenied(_("Only the PR officer of the story's office can return it."))
    comment = clean_text(comment, multiline=True)
    if not comment:
        _refuse("comment", _("Say what the writer should change."))
    return _move(actor, story, {S.IN_REVIEW}, S.RETURNED, comment)


@transaction.atomic
def story_unpublish(*, actor, story: Story, comment: str = "") -> Story:
    story = _locked(story)
    if not selectors.can_unpublish(actor, story):
        raise PermissionDenied(
            _("Only the office manager or the province coordinator can unpublish a story.")
        )
    story = _move(actor, story, {S.PUBLISHED}, S.UNPUBLISHED, clean_text(comment, multiline=True))
    bump_portal(_languages(story))
    return story


# --------------------------------------------------------------------------- images


def _check_publishable(story: Story) -> None:
    """Refuse, with every reason, a change that leaves a story short of the rules of publication."""
    problems = publish_problems(story)
    if problems:
        raise ValidationError(problems)


def _set_cover(story: Story, image: StoryImage | None) -> None:
    story.cover = image
    story.save(update_fields=["cover", "updated_at"])


def _audit_image(actor, action: str, story: Story, image_id: int, changes: dict | None = None) -> None:
    """A photo's audit entry: filed under its story (the story's office and province see it)."""
    audit_record(
        user=actor, action=action, obj=story, object_type="storyimage", object_id=image_id, changes=changes
    )


def _image_texts(alt_fa: str, alt_en: str, caption_fa: str, caption_en: str) -> dict:
    texts = {
        "alt_fa": clean_text(alt_fa),
        "alt_en": clean_text(alt_en),
        "caption_fa": clean_text(caption_fa),
        "caption_en": clean_text(caption_en),
    }
    if not texts["alt_fa"]:
        _refuse("alt_fa", _("Describe the photo in Persian for people who cannot see it."))
    return texts


def image_add(
    *, actor, story: Story, upload, alt_fa: str, alt_en: str = "", caption_fa: str = "", caption_en: str = "",
    make_cover: bool = False,
) -> StoryImage:  # fmt: skip
    """Check and store a photo (see images.py); nothing is kept when anything is refused."""
    require(selectors.can_edit(actor, story))
    texts = _image_texts(alt_fa, alt_en, caption_fa, caption_en)
    image = StoryImage(story=story, **texts)
    processed = images.process(upload, token=image.token)  # ValidationError before anything is written
    try:
        with transaction.atomic():
            story = _locked(story)
            image.width, image.height, image.renditions = (
                processed.width,
                processed.height,
                processed.renditions,
            )
            image.position = story.images.count()
            image.save()
            if make_cover or story.cover_id is None:
                _set_cover(story, image)
            size = f"{processed.width}×{processed.height}"
            _audit_image(actor, AuditEntry.Action.CREATE, story, image.pk, {"image": ["", size]})
            if story.status == S.PUBLISHED:
                _check_publishable(story)
                bump_portal(_languages(story))
    except Exception:
        images.delete_files(processed.renditions)
        raise
    return image


@transaction.atomic
def image_update(
    *, actor, image: StoryImage, alt_fa: str, alt_en: str = "", caption_fa: str = "", caption_en: str = "",
    make_cover: bool = False,
) -> StoryImage:  # fmt: skip
    story = _locked(image.story)
    require(selectors.can_edit(actor, story))
    before = {f: getattr(image, f) for f in ("alt_fa", "alt_en", "caption_fa", "caption_en")}
    for name, value in _image_texts(alt_fa, alt_en, caption_fa, caption_en).items():
        setattr(image, name, value)
    image.save()
    if make_cover and story.cover_id != image.pk:
        _set_cover(story, image)
    if story.status == S.PUBLISHED:
        _check_publishable(story)
        bump_portal(_languages(story))
    _audit_image(
        actor, AuditEntry.Action.UPDATE, story, image.pk, diff(before, {f: getattr(image, f) for f in before})
    )
    return image


def image_delete(*, actor, image: StoryImage) -> None:
    with transaction.atomic():
        story = _locked(image.story)
        require(selectors.can_edit(actor, story))
        renditions = list(image.renditions)
        pk = image.pk
        image.delete()
        if story.cover_id == pk:
            _set_cover(story, story.images.order_by("position", "pk").first())
        _audit_image(actor, AuditEntry.Action.DELETE, story, pk)
        if story.status == S.PUBLISHED:
            bump_portal(_languages(story))
        transaction.on_commit(lambda: images.delete_files(renditions))
