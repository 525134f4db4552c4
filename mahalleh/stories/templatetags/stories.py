from django import template

register = template.Library()


@register.filter
def srcset(image, kind: str = "jpeg") -> str:
    return image.srcset(kind) if image else ""


@register.filter
def image_url(image, kind: str = "jpeg") -> str:
    return image.url(kind) if image else ""


@register.filter
def alt(image, lang: str = "fa") -> str:
    return image.alt(lang) if image else ""


@register.filter
def caption(image, lang: str = "fa") -> str:
    return image.caption(lang) if image else ""


@register.filter
def in_lang(story, arg: str) -> str:
    """story|in_lang:"en,title" → the story's English title."""
    lang, field = arg.split(",")
    return story.text(lang, field)
