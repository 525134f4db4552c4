"""Activities of an office: classes, workshops, sport, culture, counselling, training, campaigns."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mahalleh.core.models import Created, Tracked, office_fk, optional_fk, user_fk


class Activity(Tracked):
    class Kind(models.TextChoices):
        CLASS = "class", _("class")
        WORKSHOP = "workshop", _("workshop")
        SPORT = "sport", _("sport")
        CULTURE = "culture", _("culture and art")
        COUNSELLING = "counselling", _("counselling")
        SKILLS = "skills", _("skills or job training")
        CAMPAIGN = "campaign", _("awareness campaign")

    class Sex(models.TextChoices):
        ANY = "any", _("everyone")
        FEMALE = "female", _("women and girls")
        MALE = "male", _("men and boys")

    office = office_fk("activities")
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    # Codes of DESIGN §2 age groups; empty means all ages.
    age_groups = models.JSONField(_("target age groups"), default=list, blank=True)
    sex = models.CharField(_("for"), max_length=8, choices=Sex.choices, default=Sex.ANY)
    partner = optional_fk("referrals.Partner", "activities", _("partner"), on_delete=models.SET_NULL)
    facilitator = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="activities",
        verbose_name=_("responsible facilitator"),
    )
    place = models.CharField(_("place"), max_length=200, blank=True)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        ordering = ["-starts_on", "-pk"]
        verbose_name = _("activity")
        verbose_name_plural = _("activities")
        # The office's list (page: by start date; API: keyset on -id) as index range scans.
        indexes = [
            models.Index(fields=["office", "starts_on", "id"], name="activity_office_starts"),
            models.Index(fields=["office", "id"], name="activity_office_id"),
        ]

    def __str__(self) -> str:
        return self.title


class Enrolment(models.Model):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="enrolments")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="enrolments")
    enrolled_on = models.DateField(_("enrolled on"))
    left_on = models.DateField(_("left on"), null=True, blank=True)
    enrolled_by = user_fk()

    class Meta:
        ordering = ["person__last_name", "person__first_name"]
        constraints = [models.UniqueConstraint(fields=["activity", "person"], name="enrolment_unique")]

    def __str__(self) -> str:
        return f"{self.person} — {self.activity}"


class Session(Created):
    activity = models.ForeignKey(Activity, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(_("date"))
    start_time = models.TimeField(_("starts at"), null=True, blank=True)
    end_time = models.TimeField(_("ends at"), null=True, blank=True)
    topic = models.CharField(_("topic"), max_length=200, blank=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["date", "start_time", "pk"]
        verbose_name = _("session")
        verbose_name_plural = _("sessions")

    def __str__(self) -> str:
        return f"{self.activity} {self.date}"


class Attendance(models.Model):
    """One person at one session. Unique per (session, person): two saves at once cannot double it."""

    session = models.ForeignKey(Session, on_delete=models.CASCADE, related_name="attendance")
    person = models.ForeignKey("registry.Person", on_delete=models.PROTECT, related_name="attendance")
    present = models.BooleanField(_("present"), default=True)
    walk_in = models.BooleanField(_("walk-in"), default=False)
    recorded_by = user_fk()
    recorded_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["session", "person"], name="attendance_unique")]

    def __str__(self) -> str:
        return f"{self.person} @ {self.session}: {'present' if self.present else 'absent'}"
