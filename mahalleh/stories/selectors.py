"""Every read of stories goes through here.

Staff pages and the staff API read through the user's scope: office staff (manager, facilitator,
PR officer) see their office's stories, a province coordinator those of the province, the national
admin all of them; everyone else (analyst, partner) none. A story outside the scope is a 404.

The public portal reads only published stories (`public_*`), and in English only those that have an
English version. Nothing here ever returns a draft to the public.
"""

import time

from django.conf import settings
from django.db import connection
from django.db.models import Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from mahalleh.accounts.models import Role
from mahalleh.core.persian import search_key
from mahalleh.core.roles import is_national_admin
from mahalleh.core.scoping import NOTHING, office_q
from mahalleh.core.selectors import narrowed
from mahalleh.geo.models import Neighbourhood, Office, Province
from mahalleh.stories.models import PortalGeneration, Story, StoryImage

READER_ROLES = {
    Role.NATIONAL_ADMIN,
    Role.PROVINCE_COORDINATOR,
    Role.OFFICE_MANAGER,
    Role.FACILITATOR,
    Role.PR_OFFICER,
}
WRITER_ROLES = {Role.FACILITATOR, Role.PR_OFFICER}
LANGUAGES = ("fa", "en")


def _active(user) -> bool:
    return bool(user and user.is_authenticated and user.is_active)


def can_read_stories(user) -> bool:
    return _active(user) and (user.role in READER_ROLES or user.is_superuser)


def can_write_stories(user) -> bool:
    return _active(user) and user.role in WRITER_ROLES and bool(user.office_id)


def is_reviewer(user, story: Story) -> bool:
    """The office's PR officer reviews and publishes its stories."""
    return _active(user) and user.role == Role.PR_OFFICER and user.office_id == story.office_id


def can_unpublish(user, story: Story) -> bool:
    if not _active(user):
        return False
    if is_national_admin(user):
        return True
    if user.role == Role.OFFICE_MANAGER:
        return user.office_id == story.office_id
    if user.role == Role.PROVINCE_COORDINATOR:
        return user.province_id == story.office.county.province_id
    return False


def can_edit(user, story: Story) -> bool:
    """Writers of the office edit drafts; the reviewer also what is in review or published."""
    if not (can_write_stories(user) and user.office_id == story.office_id):
        return False
    if story.status in (Story.Status.IN_REVIEW, Story.Status.PUBLISHED):
        return is_reviewer(user, story)
    return True


def _scope(user) -> Q:
    if not can_read_stories(user):
        return NOTHING
    return office_q(user, "office__")


def _with_images(qs: QuerySet[Story]) -> QuerySet[Story]:
    return qs.select_related(
        "office__county__province", "neighbourhood", "cover", "created_by"
    ).prefetch_related(
        "theme_tags", Prefetch("images", queryset=StoryImage.objects.order_by("position", "pk"))
    )


def story_list(*, user, status: str | None = None, query: str = "") -> QuerySet[Story]:
    qs = _with_images(Story.objects.filter(_scope(user)))
    if status:
        qs = qs.filter(status=status)
    key = search_key(query)
    if key:
        qs = qs.filter(Q(search_fa__contains=key) | Q(search_en__contains=key))
    return qs


def story_get(*, user, pk) -> Story:
    return get_object_or_404(story_list(user=user), pk=pk)


def image_get(*, user, pk) -> StoryImage:
    return get_object_or_404(StoryImage.objects.filter(story__in=Story.objects.filter(_scope(user))), pk=pk)


def writable_neighbourhoods(*, user) -> QuerySet[Neighbourhood]:
    if not can_write_stories(user):
        return Neighbourhood.objects.none()
    return Neighbourhood.objects.filter(office_id=user.office_id)


# --------------------------------------------------------------------------- public portal


def public_story_list(
    *,
    lang: str,
    office: Office | None = None,
    province: Province | None = None,
    theme: str = "",
    query: str = "",
) -> QuerySet[Story]:
    qs = _with_images(Story.objects.filter(status=Story.Status.PUBLISHED))
    if lang == "en":
        qs = qs.exclude(title_en="").exclude(body_en="").exclude(summary_en="")
    qs = narrowed(qs, office=office, office__county__province=province, theme_tags__theme=theme or None)
    key = search_key(query)
    if key:
        qs = qs.filter(**{f"search_{'en' if lang == 'en' else 'fa'}__contains": key})
    return qs.order_by("-published_at", "-pk")


def public_story_get(*, lang: str, pk) -> Story:
    return get_object_or_404(public_story_list(lang=lang), pk=pk)


def public_image(*, token: str) -> StoryImage | None:
    return StoryImage.objects.select_related("story").filter(token=token).first()


def public_offices() -> QuerySet[Office]:
    """Offices that serve at least one neighbourhood: the public knows where the programme works."""
    return (
        Office.objects.filter(neighbourhoods__isnull=False)
        .select_related("county__province")
        .distinct()
        .order_by("county__province__name_fa", "name_fa")
    )


def public_office_get(*, code: str) -> Office:
    return get_object_or_404(public_offices(), code=code)


def public_provinces() -> QuerySet[Province]:
    return Province.objects.filter(counties__offices__in=public_offices()).distinct().order_by("name_fa")


def public_province_get(*, code: str) -> Province:
    return get_object_or_404(public_provinces(), code=code)


def public_office_neighbourhoods(*, offices) -> QuerySet[Neighbourhood]:
    return Neighbourhood.objects.filter(office__in=offices, kind=Neighbourhood.Kind.TARGET).select_related(
        "office"
    )


_GENERATION_SQL = f"SELECT value FROM {PortalGeneration._meta.db_table} WHERE language = %s"  # noqa: S608


# {language: (generation, monotonic time it was read)}: each worker process re-reads the generation at
# most once per GENERATION_TTL seconds. Without this every cached page opened a database connection
# (SQLite opens one per request) and cost five times a constant view; with it a cache hit touches no
# database at all. A publish in this process forgets the memo at once; the other workers notice
# within GENERATION_TTL, well inside the pages' own browser max-age (60 s).
_generation_memo: dict[str, tuple[int, float]] = {}


def generation_ttl() -> float:
    return getattr(settings, "STORIES_GENERATION_TTL", 1.0)


def forget_generations() -> None:
    _generation_memo.clear()


def portal_generation(lang: str) -> int:
    now = time.monotonic()
    memo = _generation_memo.get(lang)
    if memo is not None and now - memo[1] < generation_ttl():
        return memo[0]
    with connection.cursor() as cursor:  # plain SQL: the ORM's query building cost more than the read
        cursor.execute(_GENERATION_SQL, [lang])
        row = cursor.fetchone()
    value = row[0] if row else 0
    _generation_memo[lang] = (value, now)
    return value
