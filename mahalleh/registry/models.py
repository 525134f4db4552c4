"""Registry: households, residents, social harms, consent and needs assessments."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mahalleh.core.models import (
    CatalogueEntry,
    Created,
    LocalizedName,
    StatusStep,
    Tracked,
    in_active_language,
    localized_names,
    office_fk,
    optional_fk,
    status_change,
    user_fk,
)


def copied_fk(to: str, verbose_name) -> models.ForeignKey:
    """A foreign key copied from a parent row so an office's list is one index range scan.

    A copy checked by the drift test (tests/registry/test_office_denormalised.py), not a second
    source of truth: no foreign-key trigger per imported row (the row's own parent key already
    guards the value), no index of its own (the (office, id) index of the model serves), and not
    editable (every writer keeps it equal to the parent's).
    """
    return optional_fk(to, "+", verbose_name, editable=False, db_index=False, db_constraint=False)


def fill_copies(instance, kwargs: dict, parent: str, copies: tuple[str, ...]) -> None:
    """Before a save: the copied columns `copies` (attnames) from the `parent` foreign key's row,
    when the first copy is unset, the parent is set and the save is not a partial `update_fields`
    one. The services, the importer and the demo set the copies themselves; a row created another
    way (an admin, a fixture) gets them here, so no list ever misses it."""
    field = instance._meta.get_field(parent)
    parent_id = getattr(instance, field.attname)
    if getattr(instance, copies[0]) is not None or parent_id is None or kwargs.get("update_fields"):
        return
    row = field.related_model.objects.filter(pk=parent_id).values_list(*copies).first()
    if row is not None:
        for attname, value in zip(copies, row, strict=True):
            setattr(instance, attname, value)


class HarmType(LocalizedName, CatalogueEntry):
    """Taxonomy of social harms, edited by the national admin."""

    name_fa, name_en = localized_names(max_length=120)

    class Meta:
        ordering = ["order", "name_fa"]
        verbose_name = _("social harm type")
        verbose_name_plural = _("social harm types")


class Household(Tracked):
    class Tenure(models.TextChoices):
        OWNED = "owned", _("owned")
        RENTED = "rented", _("rented")
        MORTGAGE_RENT = "mortgage", _("mortgage-rent (rahn)")
        FREE = "free", _("free of charge (relatives, employer)")
        INFORMAL = "informal", _("informal / no deed")
        OTHER = "other", _("other")

    class Income(models.TextChoices):
        NONE = "none", _("no regular income")
        VERY_LOW = "very_low", _("under 10 million rials a month")
        LOW = "low", _("10–50 million rials a month")
        MEDIUM = "medium", _("50–150 million rials a month")
        HIGHER = "higher", _("over 150 million rials a month")

    neighbourhood = models.ForeignKey(
        "geo.Neighbourhood",
        on_delete=models.PROTECT,
        related_name="households",
        verbose_name=_("neighbourhood"),
        # The (neighbourhood, -id) index below starts with it: a second one only cost every write.
        db_index=False,
    )
    # The neighbourhood's office, copied here so an office's list is one index range scan on
    # (office_id, id) instead of a walk of the primary key through two joins. Kept equal to
    # neighbourhood.office_id by every writer (services, importer, geo office changes, demo,
    # bench-data); tests/registry/test_office_denormalised.py checks it after every kind of write.
    office = copied_fk("geo.Office", _("office"))
    address = models.CharField(_("address"), max_length=400, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    tenure = models.CharField(_("housing tenure"), max_length=12, choices=Tenure.choices, blank=True)
    income_band = models.CharField(_("income band"), max_length=12, choices=Income.choices, blank=True)
    head = models.OneToOneField(
        "Person",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="headed_household",
        verbose_name=_("head of household"),
    )
    external_id = models.CharField(_("external id"), max_length=64, blank=True)
    # Kept in step by the services: the head's name and the address, folded for search.
    search_key = models.CharField(max_length=400, blank=True, editable=False)
    vulnerability = models.PositiveSmallIntegerField(_("vulnerability score"), null=True, blank=True)
    created_by = user_fk(blank=True, db_index=False)

    class Meta:
        ordering = ["-pk"]
        verbose_name = _("household")
        verbose_name_plural = _("households")
        constraints = [
            models.UniqueConstraint(
                fields=["neighbourhood", "external_id"],
                condition=~Q(external_id=""),
                name="household_external_id_unique_in_neighbourhood",
            )
        ]
        # Ascending, scanned backwards for "newest first": PostgreSQL packs pages full when ids only
        # grow within an office, where a descending index splits them half empty (measured on
        # 99k persons inserted in id order: 35 bytes a row ascending, 54 descending).
        indexes = [
            models.Index(fields=["neighbourhood", "-id"]),
            models.Index(fields=["office", "id"], name="household_office_id"),
            # The households an office registered in a month (the facilitator's home page).
            models.Index(fields=["office", "created_at"], name="household_office_created"),
        ]

    def save(self, *args, **kwargs):
        fill_copies(self, kwargs, "neighbourhood", ("office_id",))
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        if self.head_id:
            return str(_("Household of %(name)s") % {"name": self.head.full_name})
        return str(_("Household %(id)s") % {"id": self.pk})


class Person(Tracked):
    class IdType(models.TextChoices):
        NATIONAL_CODE = "national_code", _("Iranian national code")
        FOREIGN_ID = "foreign_id", _("refugee or foreign-national card")
        PASSPORT = "passport", _("passport")
        NONE = "none", _("no document")

    class Sex(models.TextChoices):
        FEMALE = "female", _("female")
        MALE = "male", _("male")

    class Relation(models.TextChoices):
        HEAD = "head", _("head of household")
        SPOUSE = "spouse", _("spouse")
        CHILD = "child", _("child")
        PARENT = "parent", _("parent")
        SIBLING = "sibling", _("brother or sister")
        GRANDCHILD = "grandchild", _("grandchild")
        OTHER_RELATIVE = "relative", _("other relative")
        NON_RELATIVE = "other", _("not related")

    class Nationality(models.TextChoices):
        IRANIAN = "iranian", _("Iranian")
        AFGHAN = "afghan", _("Afghan")
        IRAQI = "iraqi", _("Iraqi")
        PAKISTANI = "pakistani", _("Pakistani")
        OTHER = "other", _("other")
        UNKNOWN = "unknown", _("unknown")

    class Education(models.TextChoices):
        NONE = "none", _("no schooling")
        LITERACY = "literacy", _("literacy course")
        PRIMARY = "primary", _("primary school")
        LOWER_SECONDARY = "lower_secondary", _("lower secondary")
        UPPER_SECONDARY = "upper_secondary", _("upper secondary / diploma")
        ASSOCIATE = "associate", _("associate degree")
        BACHELOR = "bachelor", _("bachelor's degree")
        HIGHER = "higher", _("master's or higher")

    class Employment(models.TextChoices):
        EMPLOYED = "employed", _("employed")
        SELF_EMPLOYED = "self_employed", _("self-employed")
        INFORMAL = "informal", _("informal / daily work")
        UNEMPLOYED = "unemployed", _("unemployed, looking for work")
        HOMEMAKER = "homemaker", _("homemaker")
        STUDENT = "student", _("student")
        RETIRED = "retired", _("retired")
        UNABLE = "unable", _("unable to work")
        CHILD = "child", _("child (under working age)")

    class Disability(models.TextChoices):
        NONE = "none", _("none")
        PHYSICAL = "physical", _("physical")
        VISUAL = "visual", _("visual")
        HEARING = "hearing", _("hearing")
        INTELLECTUAL = "intellectual", _("intellectual")
        MENTAL = "mental", _("mental health")
        MULTIPLE = "multiple", _("multiple")

    class Insurance(models.TextChoices):
        NONE = "none", _("none")
        HEALTH = "health", _("Iran Health Insurance")
        SOCIAL_SECURITY = "social_security", _("Social Security")
        ARMED_FORCES = "armed_forces", _("Armed Forces")
        RELIEF = "relief", _("Relief Foundation (Komite Emdad)")
        OTHER = "other", _("other")

    class Status(models.TextChoices):
        ACTIVE = "active", _("lives here")
        MOVED_AWAY = "moved_away", _("moved away")
        DECEASED = "deceased", _("deceased")

    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="members", verbose_name=_("household")
    )
    # The household's neighbourhood and its office, copied for scoped lists as index range scans
    # (see Household.office); they follow the resident on a move between households.
    neighbourhood = copied_fk("geo.Neighbourhood", _("neighbourhood"))
    office = copied_fk("geo.Office", _("office"))
    id_type = models.CharField(
        _("ID type"), max_length=16, choices=IdType.choices, default=IdType.NATIONAL_CODE
    )
    # Unique across the whole system when present (a partial unique index: many residents have none).
    national_code = models.CharField(_("national code"), max_length=10, null=True, blank=True)
    document_number = models.CharField(_("card or passport number"), max_length=32, blank=True)
    first_name = models.CharField(_("first name"), max_length=100)
    last_name = models.CharField(_("last name"), max_length=100)
    father_name = models.CharField(_("father's name"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    relation = models.CharField(_("relation to the head"), max_length=12, choices=Relation.choices)
    nationality = models.CharField(
        _("nationality"), max_length=12, choices=Nationality.choices, default=Nationality.IRANIAN
    )
    education = models.CharField(_("education"), max_length=16, choices=Education.choices, blank=True)
    school_enrolled = models.BooleanField(_("enrolled in school"), null=True, blank=True)
    employment = models.CharField(_("employment"), max_length=16, choices=Employment.choices, blank=True)
    disability = models.CharField(_("disability"), max_length=16, choices=Disability.choices, default="none")
    insurance = models.CharField(_("health insurance"), max_length=16, choices=Insurance.choices, blank=True)
    mobile = models.CharField(_("mobile"), max_length=11, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    status_changed_on = models.DateField(_("status changed on"), null=True, blank=True)
    search_key = models.CharField(max_length=300, blank=True, editable=False)
    # Whether this resident's latest registry consent is a "given" one (a withdrawal cancels it);
    # kept by services.consent_record and the demo's bulk load (services.registry_consent_sync), so
    # the home page counts the office's residents without one from an index.
    registry_consent = models.BooleanField(
        _("registry consent in force"), default=False, db_default=False, editable=False
    )
    created_by = user_fk(blank=True, db_index=False)

    class Meta:
        ordering = ["household_id", "pk"]
        verbose_name = _("resident")
        verbose_name_plural = _("residents")
        constraints = [
            models.UniqueConstraint(
                fields=["national_code"],
                condition=Q(national_code__isnull=False),
                name="person_national_code_unique",
            )
        ]
        indexes = [
            models.Index(fields=["mobile"]),
            # No index on birth_date: the age filters ask within a household (its index serves),
            # and each of the two btrees dropped here (birth date, author) cost an import of 200,000
            # residents 1-2 s of a 9 s insert (PostgreSQL, 2026-12-04).
            models.Index(fields=["office", "id"], name="person_office_id"),
            # The office's active residents with no registry consent in force: the home page counts
            # them from this index alone.
            models.Index(
                fields=["office", "id"],
                condition=Q(status="active", registry_consent=False),
                name="person_office_no_consent",
            ),
            models.Index(fields=["neighbourhood", "id"], name="person_neighbourhood_id"),
        ]

    def save(self, *args, **kwargs):
        # The copies of the household's neighbourhood and office (see fill_copies).
        fill_copies(self, kwargs, "household", ("neighbourhood_id", "office_id"))
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def missing_document_number(self) -> bool:
        """A refugee card or passport registered without its number (accepted, to be completed)."""
        return self.id_type in (self.IdType.FOREIGN_ID, self.IdType.PASSPORT) and not self.document_number


class HarmCase(Tracked):
    class Status(models.TextChoices):
        IDENTIFIED = "identified", _("identified")
        IN_CARE = "in_care", _("in care")
        RESOLVED = "resolved", _("resolved")
        RELAPSED = "relapsed", _("relapsed")

    person = models.ForeignKey(
        Person, on_delete=models.PROTECT, related_name="harm_cases", verbose_name=_("resident")
    )
    # The resident's office, copied (like Person.office) so an office's list of cases is an index
    # range scan; it follows the resident on a move.
    office = copied_fk("geo.Office", _("office"))
    harm_type = models.ForeignKey(
        HarmType, on_delete=models.PROTECT, related_name="cases", verbose_name=_("harm")
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.IDENTIFIED)
    identified_on = models.DateField(_("identified on"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-identified_on", "-pk"]
        verbose_name = _("social harm case")
        verbose_name_plural = _("social harm cases")
        indexes = [models.Index(fields=["office", "id"], name="harmcase_office_id")]

    def save(self, *args, **kwargs):
        fill_copies(self, kwargs, "person", ("office_id",))
        super().save(*args, **kwargs)

    def __str__(self) -> str:
        return f"{self.harm_type} — {self.person}"


class HarmCaseEvent(StatusStep):
    """One step of a harm case's history: who moved it to which status, when, and why."""

    case = models.ForeignKey(HarmCase, on_delete=models.CASCADE, related_name="events")
    from_status, to_status = status_change(HarmCase.Status.choices)
    on = models.DateField(_("date"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["on", "pk"]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.transition} ({self.on})"


class Consent(models.Model):
    """Informed consent, given or withdrawn, for one purpose. The latest record per purpose is in force."""

    class Purpose(models.TextChoices):
        REGISTRY = "registry", _("keeping a record in the registry")
        REFERRAL = "referral", _("referral to partner organisations")
        PHOTOS = "photos", _("photos and stories")

    person = models.ForeignKey(
        Person, on_delete=models.CASCADE, related_name="consents", verbose_name=_("resident")
    )
    purpose = models.CharField(_("purpose"), max_length=12, choices=Purpose.choices)
    given = models.BooleanField(_("given"), default=True)
    on = models.DateField(_("date"))
    given_by = models.CharField(
        _("given by"), max_length=120, blank=True, help_text=_("The resident, or the guardian of a child.")
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    recorded_by = user_fk()
    recorded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = _("consent")
        verbose_name_plural = _("consents")

    def __str__(self) -> str:
        return f"{self.get_purpose_display()}: {_('given') if self.given else _('withdrawn')} ({self.on})"


class AssessmentItem(CatalogueEntry):
    """One question of the needs-assessment checklist (configured by the national admin)."""

    label_fa = models.CharField(_("Persian label"), max_length=200)
    label_en = models.CharField(_("English label"), max_length=200, blank=True)
    weight = models.PositiveSmallIntegerField(_("weight"), default=1)

    class Meta:
        ordering = ["order", "pk"]
        verbose_name = _("assessment item")
        verbose_name_plural = _("assessment items")

    def __str__(self) -> str:
        return self.label

    label = in_active_language("label")


class Assessment(Created):
    household = models.ForeignKey(
        Household, on_delete=models.CASCADE, related_name="assessments", verbose_name=_("household")
    )
    on = models.DateField(_("date"))
    assessor = user_fk(_("assessor"))
    answers = models.JSONField(_("answers"), default=dict)
    score = models.PositiveSmallIntegerField(_("vulnerability score (0–100)"))
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-on", "-pk"]
        verbose_name = _("needs assessment")
        verbose_name_plural = _("needs assessments")

    def __str__(self) -> str:
        return f"{self.on}: {self.score}"


class ImportJob(Tracked):
    """One upload of a households-and-members sheet: dry run first, then commit."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("waiting")
        VALIDATING = "validating", _("checking")
        VALIDATED = "validated", _("checked — ready to commit")
        COMMITTING = "committing", _("saving")
        COMMITTED = "committed", _("saved")
        FAILED = "failed", _("failed")

    office = office_fk("imports")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by")
    )
    file = models.FileField(_("file"), upload_to="imports/%Y/%m/")
    # Where the households whose rows name no neighbourhood go (chosen on upload; one of the office's
    # target neighbourhoods). Stored so that the dry run and the commit use the same one.
    default_neighbourhood = optional_fk(
        "geo.Neighbourhood", "+", _("Neighbourhood for rows without one"), on_delete=models.SET_NULL
    )
    original_name = models.CharField(_("file name"), max_length=255)
    file_format = models.CharField(max_length=8)
    sha256 = models.CharField(max_length=64, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress"), default=0)
    message = models.TextField(_("message"), blank=True)
    rows_total = models.PositiveIntegerField(default=0)
    rows_valid = models.PositiveIntegerField(default=0)
    rows_invalid = models.PositiveIntegerField(default=0)
    households_created = models.PositiveIntegerField(default=0)
    households_updated = models.PositiveIntegerField(default=0)
    persons_created = models.PositiveIntegerField(default=0)
    persons_updated = models.PositiveIntegerField(default=0)
    # The first errors, for the page; the full list is in the downloadable XLSX report.
    errors = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    report_file = models.FileField(upload_to="imports/reports/%Y/%m/", blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")

    def __str__(self) -> str:
        return self.original_name
