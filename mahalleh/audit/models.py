"""The audit trail: who read or changed what, when. Append-only."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from mahalleh.core.models import optional_fk


class AuditEntry(models.Model):
    class Action(models.TextChoices):
        VIEW = "view", _("viewed")
        CREATE = "create", _("created")
        UPDATE = "update", _("changed")
        DELETE = "delete", _("deleted")
        IMPORT = "import", _("imported")
        EXPORT = "export", _("exported")
        SEARCH = "search", _("searched")
        LIST = "list", _("listed")

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("user"),
    )
    action = models.CharField(_("action"), max_length=8, choices=Action.choices)
    object_type = models.CharField(_("object type"), max_length=40)
    object_id = models.CharField(_("object id"), max_length=40, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    changes = models.JSONField(_("changed fields"), default=dict, blank=True)
    via = models.CharField(_("via"), max_length=8, default="web")
    # Where the object lives, so managers and coordinators browse the audit of their scope.
    office = optional_fk("geo.Office", "+", on_delete=models.SET_NULL)
    province = optional_fk("geo.Province", "+", on_delete=models.SET_NULL)

    class Meta:
        ordering = ["-at", "-pk"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        # The scoped list is newest first by id: (office, -id) and (province, -id) make an office's
        # or a province's page an index range scan (audit rows are written on every read of a
        # record, so no index beyond those the lists use).
        indexes = [
            models.Index(fields=["object_type", "object_id"]),
            models.Index(fields=["office", "id"], name="audit_office_id"),
            models.Index(fields=["province", "id"], name="audit_province_id"),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.object_type}:{self.object_id}"
