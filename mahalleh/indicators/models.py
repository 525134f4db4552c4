"""Indicators: the catalogue, the plan with its baselines and targets, manual values and the fact
table every dashboard, ranking, map, export and report reads (DESIGN §3.7, §8)."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mahalleh.core.models import (
    CatalogueEntry,
    Created,
    LocalizedName,
    Tracked,
    Versioned,
    in_active_language,
    localized_names,
    only_set,
    optional_fk,
    user_fk,
)


class Indicator(LocalizedName, CatalogueEntry, Versioned):
    class Kind(models.TextChoices):
        COMPUTED = "computed", _("computed from the registry")
        MANUAL = "manual", _("entered by the office")

    class Unit(models.TextChoices):
        PERCENT = "percent", _("%")
        PER_1000 = "per_1000", _("per 1,000")
        COUNT = "count", _("count")
        DAYS = "days", _("days")
        SCORE = "score", _("score (0–100)")

    class Direction(models.TextChoices):
        HIGHER = "higher", _("higher is better")
        LOWER = "lower", _("lower is better")

    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    name_fa, name_en = localized_names()
    definition_fa = models.TextField(_("Persian definition"), blank=True)
    definition_en = models.TextField(_("English definition"), blank=True)
    unit = models.CharField(_("unit"), max_length=10, choices=Unit.choices)
    direction = models.CharField(_("direction"), max_length=8, choices=Direction.choices)
    source = models.CharField(_("source"), max_length=200, blank=True)
    # Which of "sex", "age", "nationality" the figures are broken down by.
    disaggregations = models.JSONField(_("disaggregations"), default=list, blank=True)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")

    definition = in_active_language("definition")

    @property
    def is_rate(self) -> bool:
        """True when the figure is numerator / denominator (a share, a rate, a mean or a median)."""
        return self.unit != self.Unit.COUNT

    def scale(self) -> float:
        return {"percent": 100.0, "per_1000": 1000.0}.get(self.unit, 1.0)

    def value_of(self, numerator: float | None, denominator: float | None) -> float | None:
        """The figure shown for a cell: a count, or numerator/denominator × the unit's scale."""
        if numerator is None:
            return None
        if not self.is_rate:
            return float(numerator)
        if not denominator:
            return None
        return float(numerator) / float(denominator) * self.scale()


class Plan(LocalizedName, Created):
    """A programme plan over four Jalali years, e.g. 1402–1405, measured against a baseline year."""

    name_fa, name_en = localized_names()
    baseline_year = models.PositiveSmallIntegerField(_("baseline year"))
    first_year = models.PositiveSmallIntegerField(_("first year"))
    last_year = models.PositiveSmallIntegerField(_("last year"))

    class Meta:
        ordering = ["-first_year"]
        verbose_name = _("plan")
        verbose_name_plural = _("plans")
        constraints = [
            models.CheckConstraint(
                name="plan_years_in_order",
                condition=Q(baseline_year__lte=models.F("first_year"), first_year__lte=models.F("last_year")),
            )
        ]

    @property
    def years(self) -> list[int]:
        return list(range(self.first_year, self.last_year + 1))

    def covers(self, year: int) -> bool:
        return self.baseline_year <= year <= self.last_year


class Level(models.TextChoices):
    NATION = "nation", _("the whole country")
    PROVINCE = "province", _("province")
    OFFICE = "office", _("office")
    NEIGHBOURHOOD = "neighbourhood", _("neighbourhood")


# The place keys of a target: the one of its level is set, none for the nation.
PLACE_KEYS = ("province", "office", "neighbourhood")


class Target(Versioned):
    """The baseline (year = the plan's baseline year) or a yearly target of one indicator for
    one place: a neighbourhood, an office, a province or the nation."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="targets")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="targets")
    level = models.CharField(_("level"), max_length=14, choices=Level.choices)
    province = optional_fk("geo.Province", "+", on_delete=models.CASCADE)
    office = optional_fk("geo.Office", "+", on_delete=models.CASCADE)
    neighbourhood = optional_fk("geo.Neighbourhood", "+", on_delete=models.CASCADE)
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.FloatField(_("value"))
    updated_by = user_fk(blank=True)

    class Meta:
        ordering = ["indicator__order", "year"]
        verbose_name = _("target")
        verbose_name_plural = _("targets")
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "indicator", "level", "province", "office", "neighbourhood", "year"],
                name="target_unique_per_place_year",
                nulls_distinct=False,
            ),
            models.CheckConstraint(
                name="target_place_matches_level",
                condition=(
                    Q(level="nation", **only_set(PLACE_KEYS))
                    | Q(level="province", **only_set(PLACE_KEYS, "province"))
                    | Q(level="office", **only_set(PLACE_KEYS, "office"))
                    | Q(level="neighbourhood", **only_set(PLACE_KEYS, "neighbourhood"))
                ),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.level} {self.year}: {self.value}"

    @property
    def place(self):
        return self.neighbourhood or self.office or self.province

    @property
    def is_baseline(self) -> bool:
        return self.year == self.plan.baseline_year


class ManualValue(Tracked):
    """A figure an office brings from outside (police, education office, health centre) for one of
    its neighbourhoods and one period; it counts once the office manager has approved it."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting approval")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")

    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="manual_values")
    neighbourhood = models.ForeignKey("geo.Neighbourhood", on_delete=models.PROTECT, related_name="+")
    period = models.CharField(_("period"), max_length=8)
    numerator = models.FloatField(_("value"))
    denominator = models.FloatField(_("denominator"), null=True, blank=True)
    source_note = models.CharField(_("source"), max_length=300)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    entered_by = user_fk()
    decided_by = user_fk(blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("manual indicator value")
        verbose_name_plural = _("manual indicator values")
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "neighbourhood", "period"],
                condition=~Q(status="rejected"),
                name="manual_value_one_live_per_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.neighbourhood_id} {self.period}: {self.numerator}"


class Fact(models.Model):
    """One cell of the summary table: indicator × neighbourhood × period × disaggregation.

    ``disaggregation`` is "" for the total, else ``sex=female``, ``age=child``, ``nat=foreign`` or
    ``sex=female&age=child``. ``denominator`` is None for counts. Rows are replaced by the refresh
    (``indicators.refresh``), never edited.
    """

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="facts")
    neighbourhood = models.ForeignKey("geo.Neighbourhood", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=8)
    period_kind = models.CharField(max_length=6)
    disaggregation = models.CharField(max_length=40, blank=True, default="")
    numerator = models.FloatField()
    denominator = models.FloatField(null=True)
    # Stock figures of a closed period are snapshots: kept as they were when the period closed.
    snapshot = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "neighbourhood", "period", "disaggregation"], name="fact_unique_cell"
            )
        ]
        indexes = [
            models.Index(fields=["indicator", "period", "disaggregation"], name="fact_indicator_period"),
            models.Index(fields=["neighbourhood", "period"], name="fact_neighbourhood_period"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/{self.neighbourhood_id}/{self.period}/{self.disaggregation}"


class ProvinceFact(models.Model):
    """The facts of one province summed (indicator × province × period × disaggregation), written by
    the refresh after the neighbourhoods' facts (``refresh.rebuild_province_sums``). The national and
    provincial dashboards read these 31 rows a cell instead of summing a thousand neighbourhoods'
    facts on every page; `selectors` reads them only for scopes made of whole provinces, and
    tests/indicators/test_batched.py checks they give the same figures as the facts."""

    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="+")
    province = models.ForeignKey("geo.Province", on_delete=models.CASCADE, related_name="+")
    period = models.CharField(max_length=8)
    disaggregation = models.CharField(max_length=40, blank=True, default="")
    numerator = models.FloatField(null=True)
    denominator = models.FloatField(null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period", "indicator", "province", "disaggregation"], name="province_fact_unique_cell"
            )
        ]

    def __str__(self) -> str:
        return f"{self.indicator_id}/province {self.province_id}/{self.period}/{self.disaggregation}"


class DirtyNeighbourhood(models.Model):
    """A neighbourhood whose facts are out of date; the next refresh recomputes it and deletes the row."""

    neighbourhood_id = models.IntegerField(primary_key=True)
    marked_at = models.DateTimeField(auto_now=True)
    # Only fields that stock indicators alone read changed (employment, school enrolment,
    # insurance, vulnerability, a household within the neighbourhood): the refresh recomputes the
    # stock facts of the current periods only. A mark for everything clears it, never the reverse.
    stock_only = models.BooleanField(default=False)
    # For a mark for everything: the earliest day of the flow rows changed (a harm case's events,
    # a session's date, a referral's dates …, before and after the change). The periods that ended
    # long enough before it (computed.FLOW_REACH_DAYS) keep their facts. Empty: every period (a
    # resident's sex, birth date or status changed, or a move, or a change without a date).
    since = models.DateField(null=True)
    # The residents, households or skills courses (computed.STOCK_PARTS) may have changed: the
    # stock facts of the current periods are recomputed and the snapshots brought along. A mark of
    # dated flow rows alone (``since`` set) has it off, and its refresh leaves the stock facts and
    # the snapshots as they are; marks add up (either on, it is on).
    stocks = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"neighbourhood {self.neighbourhood_id} dirty since {self.marked_at}"


class RefreshState(models.Model):
    """One row: when the figures were last refreshed and the watermark of the last sweep."""

    last_refresh_at = models.DateTimeField(null=True)
    last_full_at = models.DateTimeField(null=True)
    # Rows written by set-based SQL (the importer, bench data) carry updated_at but send no
    # signal: the refresh sweeps everything updated since this watermark.
    watermark = models.DateTimeField(null=True)
    # The current month when the refresh last ran: a new month makes every stock figure dirty.
    current_period = models.CharField(max_length=8, blank=True)
    # The day the current periods' stock facts describe (ages, six-month windows): the first
    # refresh of a new day recomputes them for every neighbourhood; changes during the day are
    # then applied as differences.
    stock_day = models.DateField(null=True)
    # The rows of tables without snapshots (harm cases, attendance …) that the last sweep read
    # inside the next one's overlap, as "app.model:pk:time": not swept twice (refresh.sweep_since).
    overlap_seen = models.JSONField(default=list, blank=True)
    neighbourhoods_refreshed = models.PositiveIntegerField(default=0)
    facts_written = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"refreshed at {self.last_refresh_at}"


class PersonSnapshot(models.Model):
    """What the facts were computed from: every field of a resident that an indicator reads
    (``computed.PersonRow``), written by the refresh from the rows it loaded. A row written by
    set-based SQL is compared with it: if no flow field moved, only the current periods' stock
    facts can have changed, and by how much is the difference between the resident's contribution
    with the old values and with the new ones (``refresh.apply_changes``).
    No foreign key: the person may be gone, and the registry never learns of this table."""

    person_id = models.IntegerField(primary_key=True)
    neighbourhood_id = models.IntegerField(db_index=True)
    household_id = models.IntegerField(null=True)
    sex = models.CharField(max_length=10)
    birth_date = models.DateField(null=True)
    nationality = models.CharField(max_length=20)
    status = models.CharField(max_length=20)
    status_changed_on = models.DateField(null=True)
    school_enrolled = models.BooleanField(null=True)
    employment = models.CharField(max_length=16, blank=True)
    insurance = models.CharField(max_length=16, blank=True)

    def __str__(self) -> str:
        return f"person {self.person_id} in neighbourhood {self.neighbourhood_id}"


class HouseholdSnapshot(models.Model):
    """The neighbourhood a household was in when its neighbourhood's facts were computed, so a
    move written by set-based SQL marks the one it left too; and its vulnerability score then (the
    one household field a fact reads), so a household rewritten unchanged marks nothing."""

    household_id = models.IntegerField(primary_key=True)
    neighbourhood_id = models.IntegerField(db_index=True)
    vulnerability = models.SmallIntegerField(null=True)

    def __str__(self) -> str:
        return f"household {self.household_id} in neighbourhood {self.neighbourhood_id}"
