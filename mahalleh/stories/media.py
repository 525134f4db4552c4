"""Story photos: public once the story is published; before that only for staff who may read the story."""

import mimetypes

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404

from mahalleh.stories import selectors


def story_media(request, token, name):
    image = selectors.public_image(token=token)
    if image is None:
        raise Http404
    path = f"stories/{token}/{name}"
    if path not in {r[k] for r in image.renditions for k in ("webp", "jpeg")}:
        raise Http404
    story = image.story
    if story.is_published:
        cache_control = "public, max-age=31536000, immutable"
    elif selectors.story_list(user=request.user).filter(pk=story.pk).exists():
        cache_control = "private, no-store"
    else:
        raise Http404
    try:
        handle = default_storage.open(path, "rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(handle, content_type=mimetypes.guess_type(name)[0] or "application/octet-stream")
    response["Cache-Control"] = cache_control
    return response
