"""Reports API: the same selectors and services as the report pages, so the same scope and rules.

- ``GET /reports/`` lists the reports the caller may read (``selectors.report_list``, i.e.
  ``report_q``): an office manager their office's, a coordinator the approved office reports and
  the province reports of their province, the national roles theirs; other roles get an empty list.
  A report outside that is a 404, never a 403.
- ``POST /reports/`` asks for a report through ``services.report_request`` exactly as the page's
  form does (the same scopes per role, the same period rules and messages in the caller's
  language); a role that may not generate any report gets a 403. The report is generated in the
  background: poll it until ``status`` is ``ready`` (or ``approved``).
- ``GET /reports/{id}/pdf/`` and ``/xlsx/`` download the finished files (binary; 404 while the
  report is still being generated, when it failed, or outside your scope).
"""

from django.core.exceptions import ValidationError
from django.http import FileResponse
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import exceptions, serializers, status
from rest_framework.decorators import action
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response

from mahalleh.api import base as api
from mahalleh.api.serializers import StrictInput
from mahalleh.audit.services import audit_record
from mahalleh.core.jalali import Period
from mahalleh.geo.selectors import province_list
from mahalleh.reports import selectors, services
from mahalleh.reports.models import Report

PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
LANGUAGES = [("fa", "فارسی"), ("en", "English")]


@extend_schema_field({"type": "string", "enum": Report.Scope.values}, component_name="ReportScopeEnum")
class ScopeField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Report.Scope.choices, **kwargs)


@extend_schema_field({"type": "string", "enum": Report.Status.values}, component_name="ReportStatusEnum")
class StatusField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=Report.Status.choices, **kwargs)


@extend_schema_field(
    {"type": "string", "enum": [code for code, _n in LANGUAGES]}, component_name="ReportLanguageEnum"
)
class LanguageField(serializers.ChoiceField):
    def __init__(self, **kwargs):
        super().__init__(choices=LANGUAGES, **kwargs)


class ReportOut(serializers.ModelSerializer):
    scope = ScopeField(read_only=True)
    status = StatusField(read_only=True)
    language = LanguageField(read_only=True)
    place_name = serializers.CharField(
        read_only=True, help_text="The office, the province or the whole country."
    )
    period_label = serializers.CharField(
        read_only=True, help_text="The period in words, e.g. آبان ۱۴۰۵ / Aban 1405."
    )
    pdf_url = serializers.SerializerMethodField(
        help_text="Where to download the PDF; null until it is ready."
    )
    xlsx_url = serializers.SerializerMethodField(
        help_text="Where to download the XLSX; null until it is ready."
    )

    class Meta:
        model = Report
        fields = [
            "id",
            "scope",
            "office",
            "province",
            "place_name",
            "period",
            "period_label",
            "language",
            "version",
            "suppressed",
            "status",
            "progress",
            "message",
            "narrative",
            "has_data",
            "sha256",
            "created_by",
            "created_at",
            "approved_by",
            "approved_at",
            "pdf_url",
            "xlsx_url",
        ]
        extra_kwargs = {
            "suppressed": {"help_text": "Counts under 5 hidden: the version aggregate-only roles receive."},
            "progress": {"help_text": "Percent done while the report is generated."},
            "message": {"help_text": "Why generation failed, in the report's language; empty otherwise."},
            "sha256": {"help_text": "SHA-256 of the PDF; frozen once the report is approved."},
        }

    def _url(self, report, kind) -> str | None:
        if not (report.pdf if kind == "pdf" else report.xlsx) or report.running:
            return None
        return reverse(f"report-{kind}", args=[report.pk])

    def get_pdf_url(self, report) -> str | None:
        return self._url(report, "pdf")

    def get_xlsx_url(self, report) -> str | None:
        return self._url(report, "xlsx")


class ReportCreateIn(StrictInput):
    scope = ScopeField(help_text="office (office manager), province (coordinator, national roles), nation.")
    period = serializers.CharField(
        max_length=12,
        help_text="1403-05 is a month, 1403-S2 a season (summer), 1403 a year; it must have ended.",
    )
    province = api.IdField(
        required=False, help_text="For a province report by a national role: which province."
    )
    language = LanguageField(
        required=False, help_text="The report's language; the request's language by default."
    )

    def __init__(self, *args, scopes=None, **kwargs):
        super().__init__(*args, **kwargs)
        if scopes is not None:  # as the page's form: only the scopes this role may generate
            self.fields["scope"].choices = [c for c in Report.Scope.choices if c[0] in scopes]


class ReportFilterIn(serializers.Serializer):
    scope = ScopeField(required=False)
    period = serializers.CharField(required=False, max_length=12, help_text="A period code, e.g. 1403-05.")
    status = StatusField(required=False)
    office = api.IdField(required=False)
    province = api.IdField(required=False)

    def validate_period(self, value):
        try:
            return Period.from_code(value).code
        except ValueError as exc:
            raise serializers.ValidationError(
                _("Not a period: write 1403-05 (a month), 1403-S2 (a season) or 1403 (a year).")
            ) from exc


class FirstRendererNegotiation(BaseContentNegotiation):
    """The downloads answer their file whatever `Accept` says (and errors as JSON): a client that
    asks for `application/pdf` must not get a 406."""

    def select_parser(self, request, parsers):
        return parsers[0]

    def select_renderer(self, request, renderers, format_suffix=None):
        return (renderers[0], renderers[0].media_type)


def _download_schema(media_type: str, what: str):
    return extend_schema(
        responses={(200, media_type): OpenApiResponse(OpenApiTypes.BINARY, description=what)},
    )


@extend_schema_view(
    list=extend_schema(parameters=[ReportFilterIn], responses=ReportOut(many=True)),
    retrieve=extend_schema(responses=ReportOut),
    create=extend_schema(request=ReportCreateIn, responses={201: ReportOut}),
)
class ReportViewSet(api.ScopedReadViewSet):
    """Periodic office, province and national reports you may read, newest first. Ask for one with
    a POST; it is generated in the background (poll `status` and `progress`), then its PDF and XLSX
    can be downloaded."""

    output = ReportOut
    filter_in = ReportFilterIn

    def list_selector(self, user, scope=None, period=None, status=None, office=None, province=None):
        qs = selectors.report_list(user=user, scope=scope)
        lookups = {"period": period, "status": status, "office_id": office, "province_id": province}
        return qs.filter(**{key: value for key, value in lookups.items() if value is not None})

    def create(self, request):
        user = request.user
        scopes = selectors.generate_scopes(user)
        api.require_role(bool(scopes))
        data = ReportCreateIn(data=request.data, scopes=scopes)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        province = None
        if "province" in d:
            if d["scope"] != Report.Scope.PROVINCE:
                raise ValidationError({"province": _("Only a province report names a province.")})
            province = api.chosen(
                province_list(user=user), "province", _("Choose the province."), pk=d["province"]
            )
        active = (get_language() or "fa").split("-")[0]
        report = services.report_request(
            user=user,
            scope=d["scope"],
            period=d["period"],
            province=province,
            language=d.get("language") or ("en" if active == "en" else "fa"),
        )
        report = selectors.report_get(user=user, pk=report.pk)
        return Response(ReportOut(report).data, status=status.HTTP_201_CREATED)

    def _file(self, request, kind: str):
        report = self.get_object()
        field = report.pdf if kind == "pdf" else report.xlsx
        if report.running or not field:
            raise exceptions.NotFound(_("This report's files are not ready yet."))
        audit_record(user=request.user, action="export", obj=report)
        return FileResponse(
            field.open("rb"),
            as_attachment=True,
            filename=f"report-{report.period}-v{report.version}.{kind}",
            content_type=PDF if kind == "pdf" else XLSX,
        )

    @_download_schema(PDF, "The report as PDF.")
    @action(detail=True, methods=["get"], url_path="pdf", content_negotiation_class=FirstRendererNegotiation)
    def pdf(self, request, pk=None):
        """The finished report as PDF (404 while it is generated, when it failed, or outside your scope)."""
        return self._file(request, "pdf")

    @_download_schema(XLSX, "The report as XLSX, one sheet per section.")
    @action(detail=True, methods=["get"], url_path="xlsx", content_negotiation_class=FirstRendererNegotiation)
    def xlsx(self, request, pk=None):
        """The finished report as XLSX (404 while it is generated, when it failed, or outside your scope)."""
        return self._file(request, "xlsx")
