from django import forms
from django.urls import reverse_lazy
from django.utils.translation import gettext_lazy as _

from mahalleh.core.forms import StyledFormMixin, VersionField
from mahalleh.stories import selectors
from mahalleh.stories.models import Story, Theme

PREVIEW_ATTRS = {
    "hx-post": reverse_lazy("stories:preview"),
    "hx-trigger": "input changed delay:600ms",
    "hx-target": "#story-preview",
    "hx-include": "closest form",
}


class StoryForm(StyledFormMixin, forms.Form):
    title_fa = forms.CharField(label=_("Title (Persian)"), max_length=200)
    summary_fa = forms.CharField(
        label=_("Summary (Persian)"), max_length=400, widget=forms.Textarea(attrs={"rows": 2})
    )
    body_fa = forms.CharField(
        label=_("Text (Persian)"),
        widget=forms.Textarea(attrs={"rows": 12, "dir": "rtl", **PREVIEW_ATTRS}),
        help_text=_(
            "Markdown: **bold**, *italic*, ## heading, - list item, [link](https://…). HTML is not allowed."
        ),
    )
    title_en = forms.CharField(label=_("Title (English)"), max_length=200, required=False)
    summary_en = forms.CharField(
        label=_("Summary (English)"), max_length=400, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    body_en = forms.CharField(
        label=_("Text (English)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 12, "dir": "ltr", **PREVIEW_ATTRS}),
        help_text=_("Optional. The English page exists only when the title, summary and text are all given."),
    )
    neighbourhood = forms.ModelChoiceField(
        label=_("Neighbourhood"), queryset=None, required=False, empty_label=_("the whole office")
    )
    themes = forms.MultipleChoiceField(
        label=_("Themes"), choices=Theme.choices, required=False, widget=forms.CheckboxSelectMultiple
    )
    version = VersionField()

    def __init__(self, *args, actor, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["neighbourhood"].queryset = selectors.writable_neighbourhoods(user=actor)
        for name in ("title_en", "summary_en", "body_en"):
            self.fields[name].widget.attrs["dir"] = "ltr"
            self.fields[name].widget.attrs["lang"] = "en"
        self.fields["themes"].widget.attrs["class"] = "form-check-input"

    def story_fields(self) -> dict:
        data = self.cleaned_data
        return {
            k: data[k] for k in ("title_fa", "summary_fa", "body_fa", "title_en", "summary_en", "body_en")
        } | {
            "neighbourhood": data["neighbourhood"],
            "themes": data["themes"],
        }


class ImageForm(StyledFormMixin, forms.Form):
    photo = forms.FileField(
        label=_("Photo"),
        help_text=_("JPEG, PNG or WebP, up to 10 MB. Location and camera data are removed."),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )
    alt_fa = forms.CharField(
        label=_("Description for screen readers (Persian)"),
        max_length=300,
        help_text=_("What the photo shows, for people who cannot see it."),
    )
    alt_en = forms.CharField(
        label=_("Description for screen readers (English)"),
        max_length=300,
        required=False,
        help_text=_("Required before publishing when the story has an English version."),
    )
    caption_fa = forms.CharField(label=_("Caption (Persian)"), max_length=300, required=False)
    caption_en = forms.CharField(label=_("Caption (English)"), max_length=300, required=False)
    make_cover = forms.BooleanField(label=_("Use as the cover image"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("alt_en", "caption_en"):
            self.fields[name].widget.attrs.update({"dir": "ltr", "lang": "en"})

    def image_fields(self) -> dict:
        data = self.cleaned_data
        return {k: data[k] for k in ("alt_fa", "alt_en", "caption_fa", "caption_en", "make_cover")}


class ImageEditForm(ImageForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["photo"]


class ReturnForm(StyledFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("What should the writer change?"), widget=forms.Textarea(attrs={"rows": 3})
    )


class UnpublishForm(StyledFormMixin, forms.Form):
    comment = forms.CharField(
        label=_("Reason for unpublishing"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class StoryFilterForm(StyledFormMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    status = forms.ChoiceField(
        label=_("Status"), required=False, choices=[("", _("all"))] + list(Story.Status.choices)
    )
