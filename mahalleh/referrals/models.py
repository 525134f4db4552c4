"""Partner organisations (the referral workflow itself builds on these)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Partner(models.Model):
    class Kind(models.TextChoices):
        GOVERNMENT = "government", _("government agency")
        CHARITY = "charity", _("charitable foundation")
        NGO = "ngo", _("NGO")
        VOLUNTEER = "volunteer", _("volunteer group")
        EMPLOYER = "employer", _("employer")

    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    province = models.ForeignKey(
        "geo.Province",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="partners",
        verbose_name=_("province"),
        help_text=_("Empty for a national organisation."),
    )
    contact_name = models.CharField(_("contact person"), max_length=200, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    contact_email = models.EmailField(_("contact email"), blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("partner organisation")
        verbose_name_plural = _("partner organisations")

    def __str__(self) -> str:
        return self.name
