"""Story fixtures: photos made with Pillow (with camera and GPS metadata on purpose), drafts and
published stories of office A built through the services, media files in a temporary folder."""

import io
from types import SimpleNamespace

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import ExifTags, Image

from mahalleh.stories import services
from tests.registry.conftest import person_data, reg  # noqa: F401 — fixture reused

GPS = {
    ExifTags.GPS.GPSLatitudeRef: "N",
    ExifTags.GPS.GPSLatitude: (30.0, 17.0, 12.5),
    ExifTags.GPS.GPSLongitudeRef: "E",
    ExifTags.GPS.GPSLongitude: (57.0, 4.0, 45.0),
}


def photo_bytes(fmt="JPEG", size=(1200, 800), color=(200, 120, 40), gps=True) -> bytes:
    image = Image.new("RGB", size, color)
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "TestCam"
    exif[ExifTags.Base.Model] = "Phone 9"
    if gps:
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(GPS)
    out = io.BytesIO()
    image.save(out, fmt, exif=exif)
    return out.getvalue()


def upload(data: bytes | None = None, name="photo.jpg", content_type="image/jpeg"):
    return SimpleUploadedFile(name, data if data is not None else photo_bytes(), content_type=content_type)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    cache.clear()
    return settings.MEDIA_ROOT


def story_data(**overrides) -> dict:
    data = {
        "title_fa": "کودکان کوچه را رنگ کردند",
        "summary_fa": "بچه‌های محله دیوارهای کوچه را نقاشی کردند.",
        "body_fa": "## شروع کار\n\nیک روز **شنبه** بچه‌ها با رنگ آمدند.\n\n- دیوار اول\n- دیوار دوم",
        "title_en": "Children paint their alley",
        "summary_en": "The children of the neighbourhood painted the walls of their alley.",
        "body_en": "## How it began\n\nOne **Saturday** the children came with paint.",
    }
    data.update(overrides)
    return data


@pytest.fixture
def st(reg):  # noqa: F811
    """reg + a draft by facilitator A (with one photo), a published story of office A (with one photo),
    and a published Persian-only story of office B."""
    w = reg.world
    s = SimpleNamespace(reg=reg, **vars(reg))
    s.draft = services.story_create(actor=w.facilitator_a, **story_data(title_fa="پیش‌نویس باغچه"))
    s.draft_image = services.image_add(
        actor=w.facilitator_a, story=s.draft, upload=upload(), alt_fa="باغچه", alt_en="The garden"
    )
    s.published = services.story_create(actor=w.pr_a, **story_data(), themes=["children"])
    s.published_image = services.image_add(
        actor=w.pr_a,
        story=s.published,
        upload=upload(),
        alt_fa="کودکان و دیوار",
        alt_en="Children and a wall",
    )
    services.story_publish(actor=w.pr_a, story=s.published)
    s.published.refresh_from_db()
    s.other = services.story_create(
        actor=w.facilitator_b, **story_data(title_fa="روایت دفتر ب", title_en="", summary_en="", body_en="")
    )
    # Office B has no PR officer in the fixture: its manager's PR colleague is made here.
    from mahalleh.accounts.models import Role, User

    s.pr_b = User.objects.create_user(
        username="pr_b", password="correct-horse-9", role=Role.PR_OFFICER, office=w.office_b
    )
    services.story_publish(actor=s.pr_b, story=s.other)
    s.other.refresh_from_db()
    return s


def fa(msgid: str, **params) -> str:
    """A message as the Persian UI shows it (the compiled catalogue's translation of the msgid)."""
    from django.utils import translation

    with translation.override("fa"):
        text = translation.gettext(msgid)
    return text % params if params else text


NOT_AN_IMAGE = "This file is not a photo Mahalleh can use. Upload a JPEG, PNG or WebP image."
NAMED_WITHOUT_CONSENT = (
    "The story names «%(name)s», a registered resident of the office, who has not consented to "
    "photos and stories. Record the resident's consent in the registry, or remove the name."
)
