"""Writing to the audit trail. Entries are only ever added, never changed or deleted."""

from mahalleh.audit.models import AuditEntry
from mahalleh.core.services import save_changes


def _place(obj):
    """The office and province an audited object belongs to (for scoped browsing)."""
    neighbourhood = None
    for path in ("neighbourhood", "household.neighbourhood", "person.household.neighbourhood"):
        cur = obj
        for attr in path.split("."):
            cur = getattr(cur, attr, None)
            if cur is None:
                break
        if cur is not None:
            neighbourhood = cur
            break
    if neighbourhood is None:
        # Objects that belong to an office rather than a neighbourhood (an import job).
        office = getattr(obj, "office", None)
        if office is not None and hasattr(office, "county"):
            return office.pk, office.county.province_id
        return None, None
    return neighbourhood.office_id, neighbourhood.county.province_id


def audit_record(
    *,
    user,
    action: str,
    obj=None,
    object_type: str = "",
    object_id="",
    changes=None,
    via="web",
    office_id=None,
    province_id=None,
):
    """Add one entry. The office and province come from the object; an entry about no single
    object (an export, a search) passes them, so it still shows in the audit of that scope."""
    if obj is not None and office_id is None and province_id is None:
        office_id, province_id = _place(obj)
    return AuditEntry.objects.create(
        user=user if user is not None and user.is_authenticated else None,
        action=action,
        object_type=object_type or (obj._meta.model_name if obj is not None else ""),
        object_id=str(object_id or (obj.pk if obj is not None else "")),
        object_repr=str(obj)[:200] if obj is not None else "",
        changes=changes or {},
        via=via,
        office_id=office_id,
        province_id=province_id,
    )


def diff(before: dict, after: dict) -> dict:
    """{field: [old, new]} for the fields that changed, as strings (JSON-safe)."""
    out = {}
    for key, new in after.items():
        old = before.get(key)
        if old != new:
            out[key] = [None if old is None else str(old), None if new is None else str(new)]
    return out


def audited_create(obj, *, actor, values: dict, via: str = "web"):
    """Validate and save a new record, and audit its creation with `values` (what it was given)."""
    obj.full_clean()
    obj.save()
    audit_record(user=actor, action="create", obj=obj, changes=diff({}, values), via=via)
    return obj


def audited_update(obj, data: dict, *, actor, via: str = "web"):
    """Set `data` on a record, validate and save it, and audit what changed."""
    before = save_changes(obj, data)
    audit_record(user=actor, action="update", obj=obj, changes=diff(before, data), via=via)
    return obj
