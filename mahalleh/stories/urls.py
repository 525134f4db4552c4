from django.urls import path

from mahalleh.stories import views

app_name = "stories"

urlpatterns = [
    path("", views.story_list, name="list"),
    path("new/", views.story_create, name="create"),
    path("preview/", views.story_preview, name="preview"),
    path("<int:pk>/", views.story_detail, name="detail"),
    path("<int:pk>/edit/", views.story_edit, name="edit"),
    path("<int:pk>/submit/", views.story_submit, name="submit"),
    path("<int:pk>/publish/", views.story_publish, name="publish"),
    path("<int:pk>/return/", views.story_return, name="return"),
    path("<int:pk>/unpublish/", views.story_unpublish, name="unpublish"),
    path("<int:pk>/images/", views.image_add, name="image_add"),
    path("images/<int:pk>/", views.image_edit, name="image_edit"),
]
