from django import template

register = template.Library()


def _from_image(method: str, default: str):
    """A filter calling the image's `method` with the filter's argument (`default` without one),
    "" for no image: `{{ story.cover|srcset:"webp" }}`, `{{ image|alt:"en" }}`."""

    def read(image, arg: str = default) -> str:
        return getattr(image, method)(arg) if image else ""

    return read


register.filter("srcset", _from_image("srcset", "jpeg"))
register.filter("image_url", _from_image("url", "jpeg"))
register.filter("alt", _from_image("alt", "fa"))
register.filter("caption", _from_image("caption", "fa"))


@register.filter
def in_lang(story, arg: str) -> str:
    """story|in_lang:"en,title" → the story's English title."""
    lang, field = arg.split(",")
    return story.text(lang, field)
