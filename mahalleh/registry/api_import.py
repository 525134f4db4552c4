"""Import API: upload → job id → status, progress and errors → XLSX report → commit.

The same services and selectors as the pages, so the same rules: only office managers and
facilitators import, into their own office; a job of another office answers 404. The lead mounts
``api_urlpatterns`` under ``/api/v1/``.
"""

from django.urls import path
from django.utils.translation import get_language
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from mahalleh.api import base as api
from mahalleh.api.serializers import StrictInput
from mahalleh.registry.importer.jobs import (
    household_import_commit,
    import_job_get,
    import_job_list,
    import_job_start,
)
from mahalleh.registry.importer.messages import error_text
from mahalleh.registry.importer.report import XLSX, report_download
from mahalleh.registry.models import ImportJob


class ImportUploadIn(StrictInput):
    file = serializers.FileField(help_text="A CSV or XLSX file with one row per person (see the template).")
    default_neighbourhood = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**63 - 1,
        help_text=(
            "Id of one of your office's target neighbourhoods (see /api/v1/neighbourhoods/): the households "
            "whose rows name no neighbourhood go there, and the file then needs no neighbourhood column. "
            "Rows that name a neighbourhood keep theirs. Left out, an office with one neighbourhood uses "
            "that one. Another office's neighbourhood is a 400 at this field."
        ),
    )


class ImportStartedOut(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=ImportJob.Status.choices)


class ImportErrorOut(serializers.Serializer):
    row = serializers.IntegerField(help_text="Row number as shown in the spreadsheet.")
    column = serializers.CharField(help_text="The column header as written in the file.")
    value = serializers.CharField(allow_blank=True)
    code = serializers.CharField(help_text="Machine-readable reason, e.g. national_code.check_digit.")
    reason = serializers.CharField(help_text="The reason in the request's language.")


class ImportPreviewRowOut(serializers.Serializer):
    row = serializers.IntegerField()
    household_key = serializers.CharField()
    neighbourhood = serializers.CharField(allow_blank=True)
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    national_code = serializers.CharField(allow_blank=True)
    birth_date = serializers.DateField(allow_null=True)
    sex = serializers.CharField()
    relation = serializers.CharField()
    person_action = serializers.CharField(
        help_text="“create” (a new resident) or “update” (a registered one)."
    )
    household_action = serializers.CharField(help_text="“create” or “update”, for the row's household.")


class ImportJobOut(serializers.ModelSerializer):
    file_name = serializers.CharField(source="original_name")
    rows_empty = serializers.SerializerMethodField()
    error_count = serializers.SerializerMethodField()
    errors = serializers.SerializerMethodField()
    preview = serializers.SerializerMethodField()
    report_available = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id", "status", "progress", "message", "file_name", "file_format", "rows_total", "rows_valid",
            "rows_invalid", "rows_empty", "households_created", "households_updated", "persons_created",
            "persons_updated", "error_count", "errors", "preview", "report_available",
            "default_neighbourhood", "created_at", "finished_at",
        ]  # fmt: skip
        extra_kwargs = {
            "default_neighbourhood": {
                "help_text": "Id of the neighbourhood the households whose rows name none go to (or null)."
            }
        }

    @staticmethod
    def _meta(job) -> dict:
        return job.preview if isinstance(job.preview, dict) else {"rows": job.preview or []}

    def get_rows_empty(self, job) -> int:
        return int(self._meta(job).get("empty_rows", 0))

    def get_error_count(self, job) -> int:
        return int(self._meta(job).get("error_count", len(job.errors or [])))

    @extend_schema_field(ImportErrorOut(many=True))
    def get_errors(self, job) -> list:
        return [
            {
                "row": e["row"],
                "column": e.get("column", ""),
                "value": e.get("value", ""),
                "code": e["code"],
                "reason": error_text(e["code"], e.get("value", ""), e.get("params")),
            }
            for e in job.errors or []
        ]

    @extend_schema_field(ImportPreviewRowOut(many=True))
    def get_preview(self, job) -> list:
        rows = self._meta(job).get("rows") or []
        return [
            {**{k: r.get(k) for k in ImportPreviewRowOut().fields}, "birth_date": r.get("birth_date") or None}
            for r in rows
        ]

    def get_report_available(self, job) -> bool:
        return bool(job.report_file)


class ImportListCreateView(generics.ListAPIView):
    """GET: the imports of your office, newest first. POST: upload a file; its dry run starts at once."""

    serializer_class = ImportJobOut
    parser_classes = [MultiPartParser]  # the one endpoint that takes a file

    def get_queryset(self):
        return import_job_list(user=self.request.user)

    @extend_schema(request=ImportUploadIn, responses={202: ImportStartedOut})
    def post(self, request):
        data = api.valid_input(ImportUploadIn, request)
        job = import_job_start(
            actor=request.user,
            upload=data["file"],
            language=get_language(),
            default_neighbourhood=data.get("default_neighbourhood"),
        )
        return Response(ImportStartedOut(job).data, status=status.HTTP_202_ACCEPTED)


class ImportDetailView(generics.RetrieveAPIView):
    """Status, progress, counts, the first errors and a preview of the valid rows."""

    serializer_class = ImportJobOut
    lookup_url_kwarg = "id"

    def get_object(self):
        return import_job_get(user=self.request.user, pk=self.kwargs["id"])


class ImportReportView(APIView):
    @extend_schema(
        responses={
            (200, XLSX): OpenApiResponse(
                OpenApiTypes.BINARY, description="Every error: row, column, value, reason."
            ),
        }
    )
    def get(self, request, id):  # noqa: A002 - the URL's name
        """The XLSX report of every error (row, column, value, reason). 404 when the import is not one
        of your office's, or has no report because the file could not be read at all."""
        return report_download(import_job_get(user=request.user, pk=id))


class ImportCommitView(APIView):
    @extend_schema(request=None, responses={202: ImportStartedOut})
    def post(self, request, id):  # noqa: A002 - the URL's name
        """Save the valid rows of a checked import, in one transaction (runs in the background)."""
        job = import_job_get(user=request.user, pk=id)
        job = household_import_commit(actor=request.user, job=job, language=get_language())
        return Response(ImportStartedOut(job).data, status=status.HTTP_202_ACCEPTED)


api_urlpatterns = [
    path("imports/", ImportListCreateView.as_view(), name="api-import-list"),
    path("imports/<int:id>/", ImportDetailView.as_view(), name="api-import-detail"),
    path("imports/<int:id>/report/", ImportReportView.as_view(), name="api-import-report"),
    path("imports/<int:id>/commit/", ImportCommitView.as_view(), name="api-import-commit"),
]
