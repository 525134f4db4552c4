from django.urls import path

from mahalleh.evaluation import views

app_name = "evaluation"

urlpatterns = [
    path("", views.index, name="index"),
    path("nation/", views.results_nation, name="nation"),
    path("province/<str:code>/", views.results_province, name="province"),
    path("rounds/new/", views.round_create, name="round_create"),
    path("rounds/<int:pk>/", views.round_detail, name="round"),
    path("rounds/<int:pk>/draw/", views.round_draw, name="round_draw"),
    path("rounds/<int:pk>/households/<int:sample_pk>/", views.household_survey, name="household"),
    path(
        "rounds/<int:pk>/answers/<int:response_pk>/copy/<str:answer>/", views.answer_copy, name="answer_copy"
    ),
    path("rounds/<int:pk>/sheet/", views.survey_sheet, name="sheet"),
    path("rounds/<int:pk>/import/", views.survey_import, name="import"),
    path("rounds/<int:pk>/import/report/", views.survey_import_report, name="import_report"),
]
