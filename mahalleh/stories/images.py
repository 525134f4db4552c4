"""Photos of a story: checked by their content, re-encoded without metadata, resized to a few widths.

- The type is what Pillow finds in the bytes (JPEG, PNG, WebP, GIF), never the file name or the
  browser's content type; a file Pillow cannot decode is refused.
- Size limits: bytes (``STORIES_MAX_IMAGE_BYTES``, 10 MB) and pixels (40 megapixels: a small file
  that decompresses to a huge bitmap is refused before it is decoded).
- Only the pixels are kept: the image is turned upright by its EXIF orientation, then copied
  into a fresh image and saved with no EXIF, GPS, XMP or ICC data at all.
- Renditions at WIDTHS (never enlarged), each as WebP and as JPEG for browsers without WebP.
"""

import io
import warnings
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

from mahalleh.core.persian import localized_digits

WIDTHS = (480, 960, 1600)
ACCEPTED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "MPO"}
MAX_PIXELS = 40_000_000
MIN_SIDE = 200


def max_bytes() -> int:
    return getattr(settings, "STORIES_MAX_IMAGE_BYTES", 10 * 1024 * 1024)


@dataclass
class Processed:
    width: int
    height: int
    renditions: list[dict]


def _read(upload) -> bytes:
    size = getattr(upload, "size", None)
    limit = max_bytes()
    if size is not None and size > limit:
        raise ValidationError(
            _("The photo is too large (%(size)s MB); the limit is %(limit)s MB.")
            % {
                "size": localized_digits(round(size / 1048576, 1)),
                "limit": localized_digits(limit // 1048576),
            },
            code="too_large",
        )
    upload.seek(0)
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationError(
            _("The photo is too large; the limit is %(limit)s MB.")
            % {"limit": localized_digits(limit // 1048576)},
            code="too_large",
        )
    return data


def open_checked(upload) -> Image.Image:
    """The decoded image of an upload, or a ValidationError that says what is wrong with it."""
    data = _read(upload)
    not_image = ValidationError(
        _("This file is not a photo Mahalleh can use. Upload a JPEG, PNG or WebP image."), code="not_image"
    )
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            probe = Image.open(io.BytesIO(data))
            fmt = probe.format
            width, height = probe.size
            if fmt not in ACCEPTED_FORMATS:
                raise not_image
            if width * height > MAX_PIXELS:
                raise ValidationError(
                    _("The photo has too many pixels (%(w)s×%(h)s); the limit is 40 megapixels.")
                    % {"w": localized_digits(width), "h": localized_digits(height)},
                    code="too_many_pixels",
                )
            probe.verify()  # structure check; the object is unusable afterwards
            image = Image.open(io.BytesIO(data))
            image.load()
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:  # fmt: skip
        raise not_image from exc
    if min(image.size) < MIN_SIDE:
        raise ValidationError(
            _("The photo is too small (%(w)s×%(h)s pixels); it needs at least %(min)s pixels on each side.")
            % {
                "w": localized_digits(image.size[0]),
                "h": localized_digits(image.size[1]),
                "min": localized_digits(MIN_SIDE),
            },
            code="too_small",
        )
    return image


def _pixels_only(image: Image.Image) -> Image.Image:
    """Upright RGB pixels in a brand-new image: nothing of the original's metadata comes along."""
    image = ImageOps.exif_transpose(image)
    if image.mode in ("RGBA", "LA", "P"):
        rgba = image.convert("RGBA")
        background = Image.new("RGB", rgba.size, (255, 255, 255))
        background.paste(rgba, mask=rgba.getchannel("A"))
        image = background
    else:
        image = image.convert("RGB")
    clean = Image.new("RGB", image.size)
    clean.paste(image)
    return clean


def _encode(image: Image.Image, kind: str) -> bytes:
    out = io.BytesIO()
    if kind == "webp":
        image.save(out, "WEBP", quality=80, method=4)
    else:
        image.save(out, "JPEG", quality=82, optimize=True, progressive=True)
    return out.getvalue()


def process(upload, *, token: str) -> Processed:
    """Check, strip and resize an upload; write its renditions under MEDIA_ROOT/stories/<token>/."""
    clean = _pixels_only(open_checked(upload))
    width, height = clean.size
    widths = [w for w in WIDTHS if w < width] + [min(width, WIDTHS[-1])]
    renditions = []
    for w in widths:
        h = max(1, round(height * w / width))
        resized = clean if w == width else clean.resize((w, h), Image.Resampling.LANCZOS)
        entry = {"width": w, "height": h}
        for kind, ext in (("webp", "webp"), ("jpeg", "jpg")):
            name = f"stories/{token}/{w}.{ext}"
            entry[kind] = default_storage.save(name, ContentFile(_encode(resized, kind)))
        renditions.append(entry)
    return Processed(width=renditions[-1]["width"], height=renditions[-1]["height"], renditions=renditions)


def delete_files(renditions: list[dict]) -> None:
    folders = set()
    for entry in renditions:
        for kind in ("webp", "jpeg"):
            if entry.get(kind):
                default_storage.delete(entry[kind])
                folders.add(Path(entry[kind]).parent)
    for folder in folders:
        try:
            (Path(settings.MEDIA_ROOT) / folder).rmdir()
        except OSError:
            pass
