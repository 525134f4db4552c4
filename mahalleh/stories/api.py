"""Stories API.

- ``/api/v1/stories/``: staff, scoped like the pages (office staff their office, a coordinator the
  province, the national admin everything; other roles see an empty list and 404s). Writers create
  and edit drafts; transitions are POST actions (submit, publish, return, unpublish) with the same
  rules as the pages; photos are uploaded as multipart to ``/stories/{id}/images/``. Refusals are
  400s with the messages (a named resident without consent, a missing English alt text, HTML in
  the text …), a stale edit a 409.
- ``/api/v1/public/stories/``: no login, read-only, published stories only; ``?lang=en`` lists only
  those with an English version and answers in English.
"""

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import exceptions, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from mahalleh.api import base as api
from mahalleh.api.serializers import StrictInput
from mahalleh.stories import names, selectors, services
from mahalleh.stories.models import Story, Theme
from mahalleh.stories.portal import story_path

StoryStatusField = api.enum_field(Story.Status.choices, "StoryStatusEnum")


class RenditionOut(serializers.Serializer):
    width = serializers.IntegerField()
    height = serializers.IntegerField()
    webp = serializers.SerializerMethodField()
    jpeg = serializers.SerializerMethodField()

    def _url(self, path: str) -> str:
        from django.conf import settings

        request = self.context.get("request")
        url = f"{settings.MEDIA_URL}{path}"
        return request.build_absolute_uri(url) if request else url

    def get_webp(self, obj) -> str:
        return self._url(obj["webp"])

    def get_jpeg(self, obj) -> str:
        return self._url(obj["jpeg"])


class SizedImageOut(serializers.Serializer):
    """What every answer says of a photo's file: its size and its renditions."""

    width = serializers.IntegerField()
    height = serializers.IntegerField()
    renditions = RenditionOut(many=True)


class ImageOut(SizedImageOut):
    id = serializers.IntegerField()
    alt_fa = serializers.CharField()
    alt_en = serializers.CharField()
    caption_fa = serializers.CharField()
    caption_en = serializers.CharField()


class NameMatchOut(serializers.Serializer):
    phrase = serializers.CharField(help_text="The words of the story that name a registered resident.")
    residents = serializers.IntegerField(help_text="Registered residents of the office with this name.")
    consented = serializers.BooleanField(help_text="All of them consented to photos and stories.")


@extend_schema_field({"type": "array", "items": {"type": "string", "enum": Theme.values}})
class ThemesField(serializers.ListField):
    def __init__(self, **kwargs):
        super().__init__(child=serializers.ChoiceField(choices=Theme.choices), **kwargs)


class StoryOut(api.VersionMixin, serializers.Serializer):
    id = serializers.IntegerField()
    office = serializers.IntegerField(source="office_id")
    neighbourhood = serializers.IntegerField(source="neighbourhood_id", allow_null=True)
    status = StoryStatusField()
    title_fa = serializers.CharField()
    summary_fa = serializers.CharField()
    body_fa = serializers.CharField()
    body_fa_html = serializers.CharField()
    title_en = serializers.CharField()
    summary_en = serializers.CharField()
    body_en = serializers.CharField()
    body_en_html = serializers.CharField()
    themes = serializers.SerializerMethodField()
    cover = serializers.IntegerField(source="cover_id", allow_null=True)
    images = ImageOut(many=True)
    review_comment = serializers.CharField()
    published_at = serializers.DateTimeField(allow_null=True)
    created_at = serializers.DateTimeField()
    updated_at = serializers.DateTimeField()
    named_residents = serializers.SerializerMethodField()
    publish_problems = serializers.SerializerMethodField()

    @extend_schema_field({"type": "array", "items": {"type": "string", "enum": Theme.values}})
    def get_themes(self, obj) -> list:
        return [t.theme for t in obj.theme_tags.all()]

    @extend_schema_field(NameMatchOut(many=True))
    def get_named_residents(self, obj) -> list:
        return [
            {"phrase": m.phrase, "residents": m.residents, "consented": m.consented}
            for m in names.story_matches(obj)
        ]

    @extend_schema_field({"type": "array", "items": {"type": "string"}})
    def get_publish_problems(self, obj) -> list:
        return (
            [str(p) for p in services.publish_problems(obj)] if obj.status != Story.Status.PUBLISHED else []
        )


class StoryFieldsIn(StrictInput):
    title_fa = serializers.CharField(max_length=200, required=False)
    summary_fa = serializers.CharField(max_length=400, required=False)
    body_fa = serializers.CharField(required=False, help_text="Markdown; HTML is refused.")
    title_en = serializers.CharField(max_length=200, required=False, allow_blank=True)
    summary_en = serializers.CharField(max_length=400, required=False, allow_blank=True)
    body_en = serializers.CharField(required=False, allow_blank=True)
    neighbourhood = serializers.IntegerField(required=False, allow_null=True, min_value=1)
    themes = ThemesField(required=False)


class StoryCreateIn(StoryFieldsIn):
    title_fa = serializers.CharField(max_length=200)
    summary_fa = serializers.CharField(max_length=400)
    body_fa = serializers.CharField(help_text="Markdown; HTML is refused.")


class StoryUpdateIn(StoryFieldsIn):
    version = api.version_in("story")


class StoryFilterIn(serializers.Serializer):
    status = StoryStatusField(required=False)
    q = serializers.CharField(required=False, help_text="Words of the title, summary or text.")


class CommentIn(StrictInput):
    comment = api.OptionalTextField()


class ImageIn(StrictInput):
    photo = serializers.FileField(help_text="JPEG, PNG or WebP; metadata (EXIF, GPS) is removed.")
    alt_fa = serializers.CharField(max_length=300)
    alt_en = api.OptionalTextField(max_length=300)
    caption_fa = api.OptionalTextField(max_length=300)
    caption_en = api.OptionalTextField(max_length=300)
    make_cover = serializers.BooleanField(required=False, default=False)


def _neighbourhood(user, data: dict) -> dict:
    """The neighbourhood id in a request body as the object (one the writer may choose)."""
    return api.with_record(
        data,
        "neighbourhood",
        selectors.writable_neighbourhoods(user=user),
        _("Choose one of your office's neighbourhoods."),
    )


@api.scoped_schema(create_in=StoryCreateIn, update_in=StoryUpdateIn)
class StoryViewSet(api.ScopedViewSet):
    """Experience stories of the offices in your scope, with their review status, photos, the residents
    they name (and whether those consented) and what still stops them from being published."""

    output = StoryOut
    filter_in = StoryFilterIn

    def list_selector(self, user, status=None, q=""):
        return selectors.story_list(user=user, status=status, query=q)

    def output_context(self) -> dict:
        return {"request": self.request}

    def _out(self, story, code=status.HTTP_200_OK):
        fresh = selectors.story_get(user=self.request.user, pk=story.pk)
        return Response(StoryOut(fresh, context=self.output_context()).data, status=code)

    def retrieve(self, request, pk=None):
        return self._out(self.get_object())

    def create(self, request):
        api.require_role(selectors.can_write_stories(request.user))
        data = api.valid_input(StoryCreateIn, request)
        story = services.story_create(actor=request.user, **_neighbourhood(request.user, dict(data)))
        return self._out(story, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        story = selectors.story_get(user=request.user, pk=api.object_id(pk))
        api.require_role(selectors.can_edit(request.user, story))
        d = _neighbourhood(request.user, api.valid_input(StoryUpdateIn, request))
        version = d.pop("version")
        services.story_update(actor=request.user, story=story, version=version, **d)
        return self._out(story)

    def _transition(self, request, pk, call):
        story = selectors.story_get(user=request.user, pk=api.object_id(pk))
        body = api.valid_input(CommentIn, request)
        call(story, body["comment"])
        return self._out(story)

    @extend_schema(request=None, responses=StoryOut)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Send a draft (or a returned or unpublished story) to the office's PR officer."""
        return self._transition(request, pk, lambda s, _c: services.story_submit(actor=request.user, story=s))

    @extend_schema(request=None, responses=StoryOut)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        """The office's PR officer publishes the story (400 with the reasons when it cannot be)."""
        return self._transition(
            request, pk, lambda s, _c: services.story_publish(actor=request.user, story=s)
        )

    @extend_schema(request=CommentIn, responses=StoryOut)
    @action(detail=True, methods=["post"], url_path="return")
    def return_to_writer(self, request, pk=None):
        """The office's PR officer returns a story in review, with a comment (required)."""
        return self._transition(
            request, pk, lambda s, c: services.story_return(actor=request.user, story=s, comment=c)
        )

    @extend_schema(request=CommentIn, responses=StoryOut)
    @action(detail=True, methods=["post"])
    def unpublish(self, request, pk=None):
        """The office manager, the province coordinator or the national admin take a story off the portal."""
        return self._transition(
            request, pk, lambda s, c: services.story_unpublish(actor=request.user, story=s, comment=c)
        )

    @extend_schema(request={"multipart/form-data": ImageIn}, responses={201: StoryOut})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def images(self, request, pk=None):
        """Add a photo (checked by its content, stored without metadata, resized)."""
        story = selectors.story_get(user=request.user, pk=api.object_id(pk))
        api.require_role(selectors.can_edit(request.user, story))
        d = api.valid_input(ImageIn, request)
        services.image_add(actor=request.user, story=story, upload=d.pop("photo"), **d)
        return self._out(story, status.HTTP_201_CREATED)


# --------------------------------------------------------------------------- public


class PublicOfficeOut(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()


class PublicImageOut(SizedImageOut):
    alt = serializers.CharField()
    caption = serializers.CharField()


class PublicStoryOut(serializers.Serializer):
    id = serializers.IntegerField()
    language = serializers.CharField()
    url = serializers.URLField()
    url_fa = serializers.URLField()
    url_en = serializers.URLField(allow_null=True)
    title = serializers.CharField()
    summary = serializers.CharField()
    body_html = serializers.CharField()
    published_at = serializers.DateTimeField()
    office = PublicOfficeOut()
    themes = serializers.ListField(child=serializers.CharField())
    cover = PublicImageOut(allow_null=True)


def _public(story, lang: str, request) -> dict:
    absolute = request.build_absolute_uri

    def image(i):
        return {
            "alt": i.alt(lang),
            "caption": i.caption(lang),
            "width": i.width,
            "height": i.height,
            "renditions": i.renditions,
        }

    office = story.office
    return {
        "id": story.pk,
        "language": lang,
        "url": absolute(story_path(story, lang)),
        "url_fa": absolute(story_path(story, "fa")),
        "url_en": absolute(story_path(story, "en")) if story.has_english else None,
        "title": story.text(lang, "title"),
        "summary": story.text(lang, "summary"),
        "body_html": story.text(lang, "body_html"),
        "published_at": story.published_at,
        "office": {
            "code": office.code,
            "name": (office.name_en or office.name_fa) if lang == "en" else office.name_fa,
        },
        "themes": [t.theme for t in story.theme_tags.all()],
        "cover": image(story.cover) if story.cover else None,
    }


LANG_PARAM = OpenApiParameter(
    "lang", str, enum=["fa", "en"], description="Language of the texts (default fa)."
)


def _lang(request) -> str:
    lang = request.query_params.get("lang", "fa")
    if lang not in ("fa", "en"):
        raise exceptions.ValidationError({"lang": ["fa or en"]})
    return lang


@extend_schema_view(
    list=extend_schema(parameters=[LANG_PARAM], responses=PublicStoryOut(many=True), auth=[]),
    retrieve=extend_schema(parameters=[LANG_PARAM], responses=PublicStoryOut, auth=[]),
)
class PublicStoryViewSet(viewsets.GenericViewSet):
    """Published stories, for anyone (no login). Drafts and unpublished stories do not exist here."""

    serializer_class = PublicStoryOut
    permission_classes = [AllowAny]
    authentication_classes = []

    def get_queryset(self):
        return selectors.public_story_list(lang="fa")

    def list(self, request):
        lang = _lang(request)
        page = self.paginate_queryset(selectors.public_story_list(lang=lang))
        data = [PublicStoryOut(_public(s, lang, request), context={"request": request}).data for s in page]
        return self.get_paginated_response(data)

    def retrieve(self, request, pk=None):
        lang = _lang(request)
        story = selectors.public_story_get(lang=lang, pk=api.object_id(pk))
        return Response(PublicStoryOut(_public(story, lang, request), context={"request": request}).data)
