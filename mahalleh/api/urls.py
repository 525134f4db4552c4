from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView
from rest_framework.routers import DefaultRouter

from mahalleh.accounts import api as accounts_api
from mahalleh.activities import api as activities_api
from mahalleh.api.auth import TokenObtainView
from mahalleh.audit import api as audit_api
from mahalleh.community import api as community_api
from mahalleh.evaluation import api as evaluation_api
from mahalleh.geo import api as geo_api
from mahalleh.indicators import api as indicators_api
from mahalleh.referrals import api as referrals_api
from mahalleh.registry import api as registry_api
from mahalleh.registry import api_import
from mahalleh.reports import api as reports_api
from mahalleh.stories import api as stories_api

router = DefaultRouter()
router.register("provinces", geo_api.ProvinceViewSet, basename="province")
router.register("counties", geo_api.CountyViewSet, basename="county")
router.register("offices", geo_api.OfficeViewSet, basename="office")
router.register("neighbourhoods", geo_api.NeighbourhoodViewSet, basename="neighbourhood")
router.register("users", accounts_api.UserViewSet, basename="user")
router.register("households", registry_api.HouseholdViewSet, basename="household")
router.register("persons", registry_api.PersonViewSet, basename="person")
router.register("harm-types", registry_api.HarmTypeViewSet, basename="harm-type")
router.register("harm-cases", registry_api.HarmCaseViewSet, basename="harm-case")
router.register("consents", registry_api.ConsentViewSet, basename="consent")
router.register("assessments", registry_api.AssessmentViewSet, basename="assessment")
router.register("audit", audit_api.AuditEntryViewSet, basename="audit-entry")
router.register("activities", activities_api.ActivityViewSet, basename="activity")
router.register("enrolments", activities_api.EnrolmentViewSet, basename="enrolment")
router.register("sessions", activities_api.SessionViewSet, basename="session")
router.register("partners", referrals_api.PartnerViewSet, basename="partner")
router.register("partner-services", referrals_api.ServiceViewSet, basename="partner-service")
router.register("referrals", referrals_api.ReferralViewSet, basename="referral")
router.register("partner-referrals", referrals_api.PartnerReferralViewSet, basename="partner-referral")
router.register("notifications", referrals_api.NotificationViewSet, basename="notification")
router.register("groups", community_api.GroupViewSet, basename="group")
router.register("memberships", community_api.MembershipViewSet, basename="membership")
router.register("meetings", community_api.MeetingViewSet, basename="meeting")
router.register("survey-rounds", evaluation_api.RoundViewSet, basename="survey-round")
router.register("survey-responses", evaluation_api.ResponseViewSet, basename="survey-response")

router.register("stories", stories_api.StoryViewSet, basename="story")
router.register("public/stories", stories_api.PublicStoryViewSet, basename="public-story")

router.register("indicators", indicators_api.IndicatorViewSet, basename="indicator")
router.register("facts", indicators_api.FactViewSet, basename="fact")
router.register("targets", indicators_api.TargetViewSet, basename="target")
router.register("manual-values", indicators_api.ManualValueViewSet, basename="manual-value")

router.register("reports", reports_api.ReportViewSet, basename="report")

urlpatterns = [
    path("v1/auth/token/", TokenObtainView.as_view(), name="api-token"),
    path("v1/me/", accounts_api.me, name="api-me"),
    path("v1/", include(api_import.api_urlpatterns)),
    path("v1/evaluation/", evaluation_api.evaluation_nation, name="api-evaluation-nation"),
    path("v1/evaluation/<str:code>/", evaluation_api.evaluation_province, name="api-evaluation-province"),
    path("v1/", include(router.urls)),
    path("schema/", SpectacularAPIView.as_view(), name="api-schema"),
    # The split view serves its start-up script as a file: no inline script under the CSP.
    path("docs/", SpectacularSwaggerSplitView.as_view(url_name="api-schema"), name="api-docs"),
]
