"""Staff pages of stories: the list, a story with its review, the forms, and the live preview.

Thin views: reads through `selectors` (scoped; out of scope is a 404), writes through `services`
(their refusals land at the form's fields or at the top of the form).
"""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from mahalleh.core.access import create_page, edit_page, form_page, page_for, page_of, run_service
from mahalleh.core.forms import initial_from
from mahalleh.stories import markdown, names, selectors, services
from mahalleh.stories.forms import (
    ImageEditForm,
    ImageForm,
    ReturnForm,
    StoryFilterForm,
    StoryForm,
    UnpublishForm,
)
from mahalleh.stories.models import Story

PAGE_SIZE = 30

stories_view = page_for(selectors.can_read_stories)
writers_view = page_for(selectors.can_write_stories)


@stories_view
def story_list(request):
    user = request.user
    form = StoryFilterForm(request.GET)
    form.is_valid()
    data = getattr(form, "cleaned_data", {})
    stories = selectors.story_list(user=user, status=data.get("status") or None, query=data.get("q") or "")
    page = page_of(request, stories, PAGE_SIZE)
    return render(
        request,
        "stories/story_list.html",
        {"form": form, "page": page, "can_write": selectors.can_write_stories(user)},
    )


def _editable(user, story):
    """`story`, when the user may edit it (else 404)."""
    if not selectors.can_edit(user, story):
        raise Http404
    return story


def _story_url(story) -> str:
    return reverse("stories:detail", args=[story.pk])


def _story_form_page(request, form, save, message, story=None):
    title = _("Edit story") if story else _("New story")
    page = edit_page if story else create_page
    return page(
        request,
        form=form,
        save=save,
        message=message,
        done=_story_url,
        template="stories/story_form.html",
        context={"story": story, "title": title},
    )


@writers_view
def story_create(request):
    user = request.user
    form = StoryForm(request.POST or None, actor=user)
    return _story_form_page(
        request,
        form,
        lambda d: services.story_create(actor=user, **form.story_fields()),
        _("The draft was saved. Add photos, then send it for review."),
    )


@writers_view
def story_edit(request, pk):
    user = request.user
    story = _editable(user, selectors.story_get(user=user, pk=pk))
    initial = initial_from(
        story, *services.TEXT_FIELDS, "neighbourhood", themes=[t.theme for t in story.theme_tags.all()]
    )
    form = StoryForm(request.POST or None, actor=user, initial=initial)
    return _story_form_page(
        request,
        form,
        lambda d, version: services.story_update(
            actor=user, story=story, version=version, **form.story_fields()
        ),
        _("The story was saved."),
        story,
    )


@writers_view
@require_POST
def story_preview(request):
    """The live preview under the form (htmx): both texts rendered as the portal will show them, and
    the names in the story that belong to registered residents of the office, with their consent."""
    post = request.POST
    texts = [post.get(f, "") for f in services.TEXT_FIELDS]
    office = request.user.office
    return render(
        request,
        "stories/_preview.html",
        {
            "body_fa_html": markdown.render(post.get("body_fa", "")),
            "body_en_html": markdown.render(post.get("body_en", "")),
            "raw_html": markdown.raw_html_tags(post.get("body_fa", ""))
            + markdown.raw_html_tags(post.get("body_en", "")),
            "matches": names.match_residents(office=office, texts=texts),
        },
    )


@stories_view
def story_detail(request, pk):
    user = request.user
    story = selectors.story_get(user=user, pk=pk)
    return render(request, "stories/story_detail.html", _detail_context(user, story))


def _detail_context(user, story, **forms) -> dict:
    editable = selectors.can_edit(user, story)
    reviewer = selectors.is_reviewer(user, story)
    S = Story.Status
    return {
        "story": story,
        "matches": names.story_matches(story),
        "problems": services.publish_problems(story) if story.status != S.PUBLISHED else [],
        "events": story.events.select_related("by"),
        "can_edit": editable,
        "can_submit": selectors.can_write_stories(user)
        and user.office_id == story.office_id
        and story.status in (S.DRAFT, S.RETURNED, S.UNPUBLISHED),
        "can_publish": reviewer and story.status != S.PUBLISHED,
        "can_return": reviewer and story.status == S.IN_REVIEW,
        "can_unpublish": selectors.can_unpublish(user, story) and story.status == S.PUBLISHED,
        "image_form": forms.get("image_form") or (ImageForm() if editable else None),
        "return_form": forms.get("return_form") or ReturnForm(),
        "unpublish_form": forms.get("unpublish_form") or UnpublishForm(),
        "transition_errors": forms.get("transition_errors") or [],
    }


def _transition(request, pk, service, success, *, form_class=None, form_key=None):
    user = request.user
    story = selectors.story_get(user=user, pk=pk)
    form = form_class(request.POST) if form_class else None
    if form is not None and not form.is_valid():
        ctx = _detail_context(user, story, **{form_key: form})
        return render(request, "stories/story_detail.html", ctx, status=400)
    try:
        service(actor=user, story=story, **(form.cleaned_data if form else {}))
    except (ValidationError, PermissionDenied) as exc:
        errors = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
        ctx = _detail_context(user, story, transition_errors=errors)
        return render(request, "stories/story_detail.html", ctx, status=400)
    messages.success(request, success)
    return redirect("stories:detail", pk=story.pk)


def _transition_page(service, success, *, form_class=None, form_key=None):
    """The page (POST only) that moves a story with `service(actor=…, story=…, **the form's data)`:
    back to the story with `success`, or the story again with the refusal (400)."""

    @stories_view
    @require_POST
    def page(request, pk):
        return _transition(request, pk, service, success, form_class=form_class, form_key=form_key)

    return page


story_submit = _transition_page(
    services.story_submit, gettext_lazy("The story was sent to the PR officer for review.")
)
story_publish = _transition_page(
    services.story_publish, gettext_lazy("The story is published on the public portal.")
)
story_return = _transition_page(
    services.story_return,
    gettext_lazy("The story was returned to its writer with your comment."),
    form_class=ReturnForm,
    form_key="return_form",
)
story_unpublish = _transition_page(
    services.story_unpublish,
    gettext_lazy("The story was taken off the public portal."),
    form_class=UnpublishForm,
    form_key="unpublish_form",
)


@writers_view
@require_POST
def image_add(request, pk):
    user = request.user
    story = _editable(user, selectors.story_get(user=user, pk=pk))
    form = ImageForm(request.POST, request.FILES)
    if form.is_valid():
        image = run_service(
            request,
            form,
            lambda: services.image_add(
                actor=user, story=story, upload=form.cleaned_data["photo"], **form.image_fields()
            ),
            _("The photo was added. Its location and camera data were removed."),
        )
        if image:
            return redirect("stories:detail", pk=story.pk)
    story = selectors.story_get(user=user, pk=pk)
    return render(
        request, "stories/story_detail.html", _detail_context(user, story, image_form=form), status=400
    )


@writers_view
def image_edit(request, pk):
    user = request.user
    image = selectors.image_get(user=user, pk=pk)
    story = _editable(user, image.story)
    initial = {
        "alt_fa": image.alt_fa,
        "alt_en": image.alt_en,
        "caption_fa": image.caption_fa,
        "caption_en": image.caption_en,
        "make_cover": story.cover_id == image.pk,
    }
    form = ImageEditForm(request.POST or None, initial=initial)
    if request.method == "POST" and request.POST.get("delete") == "1":
        services.image_delete(actor=user, image=image)
        messages.success(request, _("The photo was removed."))
        return redirect("stories:detail", pk=story.pk)
    return form_page(
        request,
        form=form,
        save=lambda d: services.image_update(actor=user, image=image, **form.image_fields()),
        message=_("The photo's descriptions were saved."),
        done=lambda saved: _story_url(story),
        template="stories/image_form.html",
        context={"image": image, "story": story},
    )
