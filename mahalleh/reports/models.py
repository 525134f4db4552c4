"""A generated report: one row per version. An approved version is frozen (its files and hash
never change); generating again makes a new version."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from mahalleh.core.models import Created, optional_fk, user_fk


class Report(Created):
    class Scope(models.TextChoices):
        OFFICE = "office", _("office")
        PROVINCE = "province", _("province")
        NATION = "nation", _("nation")

    class Status(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("being generated")
        READY = "ready", _("ready for review")
        FAILED = "failed", _("failed")
        APPROVED = "approved", _("approved")

    scope = models.CharField(_("scope"), max_length=10, choices=Scope.choices)
    office = optional_fk("geo.Office", "+")
    province = optional_fk("geo.Province", "+")
    period = models.CharField(_("period"), max_length=10)  # a jalali.Period code
    language = models.CharField(max_length=5, default="fa")
    version = models.PositiveIntegerField(default=1)
    suppressed = models.BooleanField(default=False)  # small counts hidden (aggregate-only roles)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    message = models.TextField(blank=True)
    narrative = models.TextField(_("narrative"), blank=True)
    has_data = models.BooleanField(default=False)
    content = models.JSONField(default=dict, blank=True)
    pdf = models.FileField(upload_to="reports/%Y/", blank=True)
    xlsx = models.FileField(upload_to="reports/%Y/", blank=True)
    sha256 = models.CharField(max_length=64, blank=True)
    created_by = user_fk(blank=True)
    approved_by = user_fk(blank=True)
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["scope", "office", "province", "period", "language", "suppressed", "version"],
                name="report_version_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.period} v{self.version}"

    def get_absolute_url(self) -> str:
        from django.urls import reverse

        return reverse("reports:detail", args=[self.pk])

    @property
    def place_name(self) -> str:
        if self.office_id:
            return self.office.name
        if self.province_id:
            return self.province.name
        return str(_("Whole country"))

    @property
    def period_label(self) -> str:
        """The period in the active language: ``آبان ۱۴۰۵`` / ``Aban 1405``."""
        from mahalleh.core.jalali import Period

        return Period.from_code(self.period).display

    @property
    def running(self) -> bool:
        return self.status in {self.Status.QUEUED, self.Status.RUNNING}
