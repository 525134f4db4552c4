"""Partner organisations (the referral workflow itself builds on these)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mahalleh.core.models import (
    Created,
    StatusStep,
    Tracked,
    Versioned,
    office_fk,
    optional_fk,
    status_change,
)


class Partner(Versioned):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("government agency")
        CHARITY = "charity", _("charitable foundation")
        NGO = "ngo", _("NGO")
        VOLUNTEER = "volunteer", _("volunteer group")
        EMPLOYER = "employer", _("employer")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    province = optional_fk(
        "geo.Province", "partners", _("province"), help_text=_("Empty for a national organisation.")
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)
    answer_days = models.PositiveSmallIntegerField(
        _("days to answer"), default=7, help_text=_("How many days the organisation usually takes to answer.")
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")

    def __str__(self) -> str:
        return self.name


class Service(Versioned):
    """A service a partner offers, with the days it usually takes to answer a referral."""

    partner = models.ForeignKey(
        Partner, on_delete=models.CASCADE, related_name="services", verbose_name=_("partner")
    )
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    answer_days = models.PositiveSmallIntegerField(_("days to answer"), default=7)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["partner__name", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("services")

    def __str__(self) -> str:
        return f"{self.name} — {self.partner}"


class Referral(Tracked):
    class Status(models.TextChoices):
        SENT = "sent", _("sent")
        ACCEPTED = "accepted", _("accepted")
        DECLINED = "declined", _("declined")
        IN_PROGRESS = "in_progress", _("in progress")
        COMPLETED = "completed", _("completed")
        CANCELLED = "cancelled", _("cancelled")

    class Urgency(models.TextChoices):
        LOW = "low", _("low")
        NORMAL = "normal", _("normal")
        HIGH = "high", _("high")
        URGENT = "urgent", _("urgent")

    class Outcome(models.TextChoices):
        DELIVERED = "delivered", _("service delivered")
        NOT_ELIGIBLE = "not_eligible", _("not eligible")
        NO_SHOW = "no_show", _("did not attend")
        OTHER = "other", _("other")

    OPEN = (Status.SENT, Status.ACCEPTED, Status.IN_PROGRESS)

    person = models.ForeignKey(
        "registry.Person", on_delete=models.PROTECT, related_name="referrals", verbose_name=_("resident")
    )
    # Set when the whole household is referred (the person is then its contact).
    household = optional_fk("registry.Household", "referrals", _("household"))
    office = office_fk("referrals")
    service = models.ForeignKey(
        Service, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("service")
    )
    partner = models.ForeignKey(
        Partner, on_delete=models.PROTECT, related_name="referrals", verbose_name=_("partner")
    )
    reason = models.TextField(_("reason"))
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.NORMAL)
    due_on = models.DateField(_("answer due on"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.SENT)
    decline_reason = models.TextField(_("reason for declining"), blank=True)
    outcome = models.CharField(_("outcome"), max_length=12, choices=Outcome.choices, blank=True)
    outcome_note = models.TextField(_("outcome note"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("referred by")
    )
    created_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("referral")
        verbose_name_plural = _("referrals")
        indexes = [
            models.Index(fields=["partner", "status"]),
            models.Index(fields=["office", "status", "due_on"]),
            # The office's list (page: newest first; API: keyset on -id) and the partner's inbox
            # as index range scans.
            models.Index(fields=["office", "created_at", "id"], name="referral_office_created"),
            models.Index(fields=["office", "id"], name="referral_office_id"),
            models.Index(fields=["partner", "created_at", "id"], name="referral_partner_created"),
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.service}"


class ReferralEvent(StatusStep):
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, related_name="events")
    from_status, to_status = status_change(Referral.Status.choices)
    note = models.TextField(_("note"), blank=True)

    def __str__(self) -> str:
        return f"{self.referral_id}: {self.transition}"


class Notification(Created):
    """An in-app notification (also sent by email when the user has an address)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    referral = models.ForeignKey(Referral, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    kind = models.CharField(max_length=20)
    message = models.CharField(max_length=300)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.message

    @property
    def text(self) -> str:
        """What the reader sees: the message in the active UI language."""
        from mahalleh.referrals.notifications import text_for  # the notifier imports this module

        return text_for(self)
