"""Experience stories (تجربه‌نگاری): a Persian story with an optional English version, its images,
its theme tags and the history of its review."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from mahalleh.core.models import (
    StatusStep,
    Tracked,
    in_active_language,
    office_fk,
    optional_fk,
    status_change,
    user_fk,
)


class Theme(models.TextChoices):
    CHILDREN = "children", _("children")
    ADOLESCENTS = "adolescents", _("adolescents")
    WOMEN = "women", _("women")
    ELDERLY = "elderly", _("elderly")
    EMPLOYMENT = "employment", _("employment")
    GROUPS = "groups", _("community groups")
    PARTNERS = "partners", _("partners")


class Story(Tracked):
    class Status(models.TextChoices):
        DRAFT = "draft", _("draft")
        IN_REVIEW = "in_review", _("in review")
        RETURNED = "returned", _("returned for changes")
        PUBLISHED = "published", _("published")
        UNPUBLISHED = "unpublished", _("unpublished")

    office = office_fk("stories")
    neighbourhood = optional_fk("geo.Neighbourhood", "stories", _("neighbourhood"), on_delete=models.SET_NULL)
    title_fa = models.CharField(_("title (Persian)"), max_length=200)
    summary_fa = models.CharField(_("summary (Persian)"), max_length=400)
    body_fa = models.TextField(_("text (Persian, Markdown)"))
    title_en = models.CharField(_("title (English)"), max_length=200, blank=True)
    summary_en = models.CharField(_("summary (English)"), max_length=400, blank=True)
    body_en = models.TextField(_("text (English, Markdown)"), blank=True)
    # Rendered from the Markdown and sanitised by the service on every save: pages never render.
    body_fa_html = models.TextField(editable=False, blank=True)
    body_en_html = models.TextField(editable=False, blank=True)
    slug = models.SlugField(max_length=80, blank=True, editable=False)
    # The texts folded by the search key (core.persian.search_key), for the portal's search.
    search_fa = models.TextField(editable=False, blank=True)
    search_en = models.TextField(editable=False, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    review_comment = models.TextField(_("reviewer's comment"), blank=True)
    cover = optional_fk("stories.StoryImage", "+", _("cover image"), on_delete=models.SET_NULL)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    created_by = user_fk(_("writer"))

    class Meta:
        ordering = ["-updated_at", "-pk"]
        verbose_name = _("story")
        verbose_name_plural = _("stories")
        indexes = [
            models.Index(fields=["status", "-published_at"]),
            models.Index(fields=["office", "status"]),
        ]

    def __str__(self) -> str:
        return self.title

    title = in_active_language("title")

    @property
    def has_english(self) -> bool:
        return bool(self.title_en and self.summary_en and self.body_en)

    @property
    def is_published(self) -> bool:
        return self.status == self.Status.PUBLISHED

    def make_slug(self) -> str:
        return slugify(self.title_en)[:70].strip("-") or "story"

    def text(self, lang: str, field: str) -> str:
        """title/summary/body/body_html in one of the two languages."""
        suffix = "en" if lang == "en" else "fa"
        if field == "body_html":
            return getattr(self, f"body_{suffix}_html")
        return getattr(self, f"{field}_{suffix}")


class StoryTheme(models.Model):
    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="theme_tags")
    theme = models.CharField(_("theme"), max_length=16, choices=Theme.choices)

    class Meta:
        ordering = ["theme"]
        constraints = [models.UniqueConstraint(fields=["story", "theme"], name="story_theme_unique")]
        indexes = [models.Index(fields=["theme", "story"])]

    def __str__(self) -> str:
        return self.get_theme_display()


def _token() -> str:
    return uuid.uuid4().hex


class StoryImage(Tracked):
    """One photo, stored only as re-encoded renditions (WebP and JPEG at a few widths).

    The uploaded file itself is never kept: re-encoding the pixels is what drops EXIF, GPS and
    any other metadata the camera wrote.
    """

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="images")
    # The folder of the renditions under MEDIA_ROOT/stories/: unguessable, so a draft's photo
    # cannot be found by counting.
    token = models.CharField(max_length=32, unique=True, default=_token, editable=False)
    width = models.PositiveIntegerField(editable=False)
    height = models.PositiveIntegerField(editable=False)
    # [{"width": 480, "height": 320, "webp": "stories/<token>/480.webp", "jpeg": "…/480.jpg"}, …], ascending.
    renditions = models.JSONField(default=list, editable=False)
    alt_fa = models.CharField(_("description for screen readers (Persian)"), max_length=300)
    alt_en = models.CharField(_("description for screen readers (English)"), max_length=300, blank=True)
    caption_fa = models.CharField(_("caption (Persian)"), max_length=300, blank=True)
    caption_en = models.CharField(_("caption (English)"), max_length=300, blank=True)
    position = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["position", "pk"]
        verbose_name = _("story image")
        verbose_name_plural = _("story images")

    def __str__(self) -> str:
        return self.alt_fa

    def alt(self, lang: str) -> str:
        return self.alt_en if lang == "en" and self.alt_en else self.alt_fa

    def caption(self, lang: str) -> str:
        return self.caption_en if lang == "en" else self.caption_fa

    @property
    def largest(self) -> dict:
        return self.renditions[-1] if self.renditions else {}

    def srcset(self, kind: str) -> str:
        return ", ".join(f"{settings.MEDIA_URL}{r[kind]} {r['width']}w" for r in self.renditions)

    def url(self, kind: str = "jpeg", *, width: int | None = None) -> str:
        chosen = self.largest
        if width:
            for r in self.renditions:
                chosen = r
                if r["width"] >= width:
                    break
        return f"{settings.MEDIA_URL}{chosen[kind]}" if chosen else ""


class StoryEvent(StatusStep):
    """One step of a story's review: who moved it from which status to which, when, and why."""

    story = models.ForeignKey(Story, on_delete=models.CASCADE, related_name="events")
    from_status, to_status = status_change(Story.Status.choices)
    comment = models.TextField(_("comment"), blank=True)

    def __str__(self) -> str:
        return f"{self.story_id}: {self.transition}"


class PortalGeneration(models.Model):
    """A counter per language, bumped in the same transaction as every publish/unpublish/edit of a
    published story. Cached public pages carry it in their key and ETag, so every worker process
    (each with its own in-memory cache) drops its stale copies on the next request."""

    language = models.CharField(max_length=2, primary_key=True)
    value = models.PositiveBigIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.language}: {self.value}"
