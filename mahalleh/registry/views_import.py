"""Pages of the bulk import: upload → dry-run report (live progress) → commit → done.

Only the roles that edit the registry (office manager, facilitator) import, always into their own
office; anyone else, and any job of another office, gets a 404.
"""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import get_language, gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from mahalleh.core.access import page_for
from mahalleh.core.forms import StyledFormMixin, apply_service_error
from mahalleh.registry.importer.jobs import (
    NEIGHBOURHOOD_NOT_YOURS,
    RUNNING,
    can_import,
    household_import_commit,
    import_job_get,
    import_job_list,
    import_job_start,
    import_neighbourhood_choices,
)
from mahalleh.registry.importer.readers import EXTENSIONS
from mahalleh.registry.importer.report import XLSX, preview_rows, report_download, shown_errors
from mahalleh.registry.importer.template import template_csv, template_xlsx
from mahalleh.registry.models import ImportJob


class NeighbourhoodChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} ({obj.code})"


class ImportUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label=gettext_lazy("File"),
        help_text=gettext_lazy("A CSV or Excel (.xlsx) file with one row per person, as in the template."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(sorted(EXTENSIONS))}),
    )
    default_neighbourhood = NeighbourhoodChoiceField(
        queryset=None,
        required=False,
        label=gettext_lazy("Neighbourhood for rows without one"),
        help_text=gettext_lazy(
            "Households whose rows leave the neighbourhood empty are registered in this neighbourhood; "
            "then the file needs no neighbourhood column. Rows that name a neighbourhood keep theirs."
        ),
        empty_label=gettext_lazy("— none: every row names its neighbourhood —"),
        error_messages={"invalid_choice": NEIGHBOURHOOD_NOT_YOURS},
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        # Only the user's office's target neighbourhoods, through the scoped selector.
        choices = import_neighbourhood_choices(user=user)
        field = self.fields["default_neighbourhood"]
        field.queryset = choices
        only = list(choices[:2])
        if len(only) == 1:  # an office with one neighbourhood: that one, already chosen
            field.initial = only[0].pk


# Signed in, and in a role that edits the registry of an office; otherwise 404.
importer_view = page_for(can_import)


def _household_list_url() -> str:
    try:
        return reverse("registry:household_list")
    except NoReverseMatch:  # the registry pages are not mounted (yet)
        return reverse("core:home")


def _job_context(job: ImportJob) -> dict:
    meta = job.preview if isinstance(job.preview, dict) else {"rows": job.preview}
    return {
        "job": job,
        "running": job.status in RUNNING,
        "errors": shown_errors(job.errors or []),
        "preview": preview_rows(meta.get("rows") or []),
        "empty_rows": meta.get("empty_rows", 0),
        "error_count": meta.get("error_count", len(job.errors or [])),
        "warnings": shown_errors(meta.get("warnings") or []),
        "warning_count": meta.get("warning_count", 0),
        "ignored_columns": meta.get("ignored_columns") or [],
        "can_commit": job.status == ImportJob.Status.VALIDATED and job.rows_valid > 0,
        "household_list_url": _household_list_url(),
    }


@importer_view
def import_upload(request):
    form = ImportUploadForm(request.POST or None, request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            job = import_job_start(
                actor=request.user,
                upload=form.cleaned_data["file"],
                language=get_language(),
                default_neighbourhood=form.cleaned_data["default_neighbourhood"],
            )
        except ValidationError as exc:
            apply_service_error(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            return redirect("registry:import_job", pk=job.pk)
    return render(
        request,
        "registry/import_upload.html",
        {"form": form, "jobs": import_job_list(user=request.user)[:10]},
        status=400 if form.errors else 200,
    )


@importer_view
@require_GET
def import_template(request, fmt: str):
    headers = "en" if request.GET.get("headers") == "en" else "fa"
    if fmt == "csv":
        response = HttpResponse(template_csv(headers), content_type="text/csv; charset=utf-8")
    else:
        codes = list(request.user.office.neighbourhoods.order_by("code").values_list("code", flat=True))
        response = HttpResponse(template_xlsx(headers, neighbourhood_codes=codes), content_type=XLSX)
    name = f"mahalleh-import-template-{headers}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@importer_view
def import_job(request, pk):
    job = import_job_get(user=request.user, pk=pk)
    return render(request, "registry/import_job.html", _job_context(job))


@importer_view
def import_job_status(request, pk):
    """The part of the job page that htmx polls every second while the job runs."""
    job = import_job_get(user=request.user, pk=pk)
    return render(request, "registry/import_status.html", _job_context(job))


@importer_view
@require_POST
def import_commit(request, pk):
    job = import_job_get(user=request.user, pk=pk)
    try:
        household_import_commit(actor=request.user, job=job, language=get_language())
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    except PermissionDenied:
        raise Http404 from None
    return redirect("registry:import_job", pk=job.pk)


@importer_view
@require_GET
def import_report(request, pk):
    return report_download(import_job_get(user=request.user, pk=pk))
