"""Places of the programme: provinces, counties, neighbourhoods and the offices that serve them."""

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

from mahalleh.core.models import LocalizedName, Versioned, localized_names, optional_fk


class NamedPlace(LocalizedName, models.Model):
    code = models.CharField(_("code"), max_length=20, unique=True)
    name_fa, name_en = localized_names()

    class Meta:
        abstract = True

    # LocalizedName's, spelled out: ruff's DJ008 looks for `__str__` only in this file.
    def __str__(self) -> str:
        return self.name


class Province(NamedPlace):
    class Meta:
        ordering = ["name_fa"]
        verbose_name = _("province")
        verbose_name_plural = _("provinces")


class County(NamedPlace):
    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="counties", verbose_name=_("province")
    )

    class Meta:
        ordering = ["name_fa"]
        verbose_name = _("county")
        verbose_name_plural = _("counties")


class CountyPlace(NamedPlace):
    """A place within a county (an office, a neighbourhood): each declares its own `county` key
    (the reverse names differ); its province is the county's."""

    class Meta:
        abstract = True

    @property
    def province(self) -> Province:
        return self.county.province


class Office(CountyPlace, Versioned):
    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="offices", verbose_name=_("county")
    )
    address = models.CharField(_("address"), max_length=400, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    opened_on = models.DateField(_("opened on"), null=True, blank=True)

    class Meta:
        ordering = ["name_fa"]
        verbose_name = _("facilitation office")
        verbose_name_plural = _("facilitation offices")


class Neighbourhood(CountyPlace, Versioned):
    class Kind(models.TextChoices):
        TARGET = "target", _("target")
        COMPARISON = "comparison", _("comparison")

    county = models.ForeignKey(
        County, on_delete=models.PROTECT, related_name="neighbourhoods", verbose_name=_("county")
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.TARGET)
    # One office serves one or more neighbourhoods; comparison neighbourhoods have none.
    office = optional_fk(Office, "neighbourhoods", _("office"), on_delete=models.SET_NULL)
    boundary = models.JSONField(_("boundary (GeoJSON)"), null=True, blank=True)
    est_population = models.PositiveIntegerField(_("estimated population"), null=True, blank=True)
    est_households = models.PositiveIntegerField(_("estimated households"), null=True, blank=True)

    class Meta:
        ordering = ["name_fa"]
        verbose_name = _("neighbourhood")
        verbose_name_plural = _("neighbourhoods")

    def clean(self) -> None:
        if self.kind == self.Kind.COMPARISON and self.office_id:
            raise ValidationError(
                {
                    "office": _(
                        "A comparison neighbourhood is not served by an office; leave the office empty."
                    )
                }
            )
