"""Story text is sanitised; photos are checked by content and stored without EXIF or GPS."""

from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from PIL import ExifTags, Image

from mahalleh.stories import markdown, services
from mahalleh.stories.models import Story, StoryImage
from tests.stories.conftest import NOT_AN_IMAGE, fa, photo_bytes, story_data, upload


def test_sanitiser_strips_script_tags_event_handlers_and_javascript_links():
    dirty = (
        '<p onclick="steal()">hi<script>alert(1)</script><img src=x onerror="alert(2)">'
        '<a href="javascript:alert(3)">x</a><iframe src="https://evil"></iframe><a href="https://ok.example">ok</a></p>'
    )
    clean = markdown.sanitize(dirty)
    assert "<script" not in clean and "alert(1)" not in clean
    assert "onerror" not in clean and "onclick" not in clean and "<img" not in clean
    assert "javascript:" not in clean and "<iframe" not in clean
    assert '<a href="https://ok.example" rel="noopener noreferrer nofollow">ok</a>' in clean


def test_markdown_renders_with_headings_below_the_page_title():
    html = markdown.render("# عنوان\n\n**پررنگ** و [پیوند](https://example.org)\n\n- یک\n- دو")
    assert "<h2>عنوان</h2>" in html and "<h1" not in html
    assert "<strong>پررنگ</strong>" in html and "<li>یک</li>" in html


@pytest.mark.parametrize(
    "body",
    [
        "متن <script>alert(1)</script>",
        'عکس <img src="x" onerror="alert(1)">',
        "<div onmouseover='x()'>a</div>",
    ],
)
def test_a_story_with_html_in_its_text_is_refused_at_the_field_and_not_saved(world, body):
    with pytest.raises(ValidationError) as exc:
        services.story_create(actor=world.facilitator_a, **story_data(body_fa=body))
    assert "body_fa" in exc.value.message_dict
    assert "HTML" in exc.value.message_dict["body_fa"][0]
    assert not Story.objects.exists()


def _stored(path: str, media: Path) -> Path:
    return media / path


@pytest.mark.django_db
def test_gps_and_camera_metadata_are_removed_from_every_stored_file(world, media):
    source = photo_bytes()
    assert (
        Image.open(__import__("io").BytesIO(source)).getexif().get_ifd(ExifTags.IFD.GPSInfo)
    )  # the upload has GPS
    story = services.story_create(actor=world.facilitator_a, **story_data())
    image = services.image_add(actor=world.facilitator_a, story=story, upload=upload(source), alt_fa="عکس")
    files = [r[kind] for r in image.renditions for kind in ("webp", "jpeg")]
    assert len(files) == 2 * len(image.renditions) >= 4
    for path in files:
        stored = Image.open(_stored(path, media))
        exif = stored.getexif()
        assert not exif.get_ifd(ExifTags.IFD.GPSInfo), path
        assert ExifTags.Base.Make not in exif and ExifTags.Base.Model not in exif, path
        assert "exif" not in stored.info, path
    assert [r["width"] for r in image.renditions] == [480, 960, 1200]  # never enlarged past the original
    assert Image.open(_stored(image.renditions[0]["webp"], media)).format == "WEBP"
    assert Image.open(_stored(image.renditions[0]["jpeg"], media)).format == "JPEG"


@pytest.mark.django_db
def test_a_file_that_is_not_an_image_is_refused_whatever_its_name(world, media):
    story = services.story_create(actor=world.facilitator_a, **story_data())
    fake = upload(b"%PDF-1.4 not a photo at all" * 10, name="photo.jpg", content_type="image/jpeg")
    with pytest.raises(ValidationError) as exc:
        services.image_add(actor=world.facilitator_a, story=story, upload=fake, alt_fa="عکس")
    assert exc.value.messages == [fa(NOT_AN_IMAGE)]
    assert not StoryImage.objects.exists()
    assert not (media / "stories").exists() or not any((media / "stories").iterdir())


@pytest.mark.django_db
def test_an_oversized_upload_is_refused_and_nothing_is_written(world, media, settings):
    settings.STORIES_MAX_IMAGE_BYTES = 20_000
    story = services.story_create(actor=world.facilitator_a, **story_data())
    big = upload(photo_bytes(size=(2400, 1800), color=(10, 200, 90)) + b"\0" * 30_000)
    with pytest.raises(ValidationError) as exc:
        services.image_add(actor=world.facilitator_a, story=story, upload=big, alt_fa="عکس")
    assert exc.value.code == "too_large"
    assert not StoryImage.objects.exists()


@pytest.mark.django_db
def test_a_png_with_transparency_is_stored_as_opaque_webp_and_jpeg(world, media):
    image = Image.new("RGBA", (600, 400), (0, 0, 255, 0))
    buf = __import__("io").BytesIO()
    image.save(buf, "PNG")
    story = services.story_create(actor=world.facilitator_a, **story_data())
    saved = services.image_add(
        actor=world.facilitator_a, story=story, upload=upload(buf.getvalue(), name="x.png"), alt_fa="عکس"
    )
    assert saved.width == 600 and saved.height == 400
    assert Image.open(_stored(saved.renditions[-1]["jpeg"], media)).mode == "RGB"


@pytest.mark.django_db
def test_persian_alt_text_is_required_for_every_photo(world):
    story = services.story_create(actor=world.facilitator_a, **story_data())
    with pytest.raises(ValidationError) as exc:
        services.image_add(actor=world.facilitator_a, story=story, upload=upload(), alt_fa="  ")
    assert "alt_fa" in exc.value.message_dict
    assert not StoryImage.objects.exists()
