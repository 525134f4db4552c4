"""Survey rounds in target and comparison neighbourhoods, the drawn sample, and the answers.

A survey is a second source of truth next to the registry (DESIGN §8): its answers live here and
never overwrite a registry field; copying one across is an explicit service call
(:func:`mahalleh.evaluation.services.survey_answer_copy`) that goes through the registry's own
service and is audited there.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _

from mahalleh.core.models import Tracked, user_fk
from mahalleh.geo.models import Neighbourhood, Province
from mahalleh.registry.models import Household, Person


class SurveyRound(Tracked):
    class Kind(models.TextChoices):
        BASELINE = "baseline", _("baseline")
        FOLLOW_UP = "follow_up", _("follow-up")

    province = models.ForeignKey(
        Province, on_delete=models.PROTECT, related_name="survey_rounds", verbose_name=_("province")
    )
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    held_on = models.DateField(_("survey date"))
    neighbourhoods = models.ManyToManyField(
        Neighbourhood, related_name="survey_rounds", verbose_name=_("neighbourhoods")
    )
    households_per_neighbourhood = models.PositiveSmallIntegerField(
        _("households per neighbourhood"), default=30
    )
    seed = models.PositiveIntegerField(_("random seed"), default=0)
    sampled_at = models.DateTimeField(_("sample drawn at"), null=True, blank=True)
    created_by = user_fk(blank=True)

    class Meta:
        ordering = ["province_id", "held_on", "pk"]
        verbose_name = _("survey round")
        verbose_name_plural = _("survey rounds")

    def __str__(self):
        return self.name


class SampleHousehold(models.Model):
    """One household drawn into a round's sample (the neighbourhood as it was at the draw)."""

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="sample")
    household = models.ForeignKey(Household, on_delete=models.PROTECT, related_name="survey_samples")
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT, related_name="+")
    order = models.PositiveIntegerField()

    class Meta:
        ordering = ["round_id", "neighbourhood_id", "order"]
        constraints = [
            models.UniqueConstraint(fields=["round", "household"], name="sample_household_once"),
        ]

    def __str__(self):
        return f"{self.round_id}:{self.household_id}"


class SurveyResponse(Tracked):
    """One person's answers in one round. ``age`` and ``sex`` are as answered on the survey day."""

    # The answers the outcomes are computed from (the API shows them, the results frame reads them).
    ANSWER_FIELDS = ("in_school", "works", "employment", "job_training", "insured", "harms")

    class Employment(models.TextChoices):
        EMPLOYED = "employed", _("working (paid, self-employed or daily work)")
        UNEMPLOYED = "unemployed", _("unemployed, looking for work")
        STUDENT = "student", _("student")
        HOMEMAKER = "homemaker", _("homemaker")
        INACTIVE = "inactive", _("retired, unable or not looking")

    round = models.ForeignKey(SurveyRound, on_delete=models.CASCADE, related_name="responses")
    sample = models.ForeignKey(SampleHousehold, on_delete=models.CASCADE, related_name="responses")
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="survey_responses")
    neighbourhood = models.ForeignKey(Neighbourhood, on_delete=models.PROTECT, related_name="+")
    age = models.PositiveSmallIntegerField(_("age in years"))
    sex = models.CharField(_("sex"), max_length=8, choices=Person.Sex.choices)
    in_school = models.BooleanField(_("goes to school"), null=True, blank=True)
    works = models.BooleanField(_("worked for money or goods last week"), null=True, blank=True)
    employment = models.CharField(_("employment"), max_length=12, choices=Employment.choices, blank=True)
    job_training = models.BooleanField(_("job training in the last 12 months"), null=True, blank=True)
    insured = models.BooleanField(_("has health insurance"), null=True, blank=True)
    harms = models.JSONField(_("social harms"), default=list, blank=True)
    entered_by = user_fk(blank=True)
    via = models.CharField(max_length=8, default="web")

    class Meta:
        ordering = ["round_id", "sample_id", "person_id"]
        constraints = [
            models.UniqueConstraint(fields=["round", "person"], name="survey_response_once"),
        ]
        indexes = [models.Index(fields=["round", "neighbourhood"])]
        verbose_name = _("survey response")
        verbose_name_plural = _("survey responses")

    def __str__(self):
        return f"{self.round_id}:{self.person_id}"
