"""The portal's pages. ``/login/``, ``/logout/``, ``/apply/``, ``/cabinet/`` and
``/cabinet/applications/<number>/`` are a contract (DESIGN.md, "Web pages"); the rest may move."""

from django.shortcuts import render
from django.urls import path

from . import apply, cabinet, consents
from .auth import LoginView, LogoutView

app_name = "portal"


def not_for_you(request):
    return render(request, "portal/not_for_staff.html")


urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", LogoutView.as_view(), name="logout"),
    path("not-for-you/", not_for_you, name="not-for-you"),
    path("apply/", apply.start, name="apply"),
    path("apply/<slug:draft_id>/dwelling/", apply.dwelling, name="apply-dwelling"),
    path("apply/<slug:draft_id>/residents/", apply.residents, name="apply-residents"),
    path("apply/<slug:draft_id>/review/", apply.review, name="apply-review"),
    path("apply/<slug:draft_id>/sign/", apply.sign, name="apply-sign"),
    path("apply/<slug:draft_id>/request.xml", apply.request_xml, name="apply-request-xml"),
    path("apply/<slug:draft_id>/result/", apply.result, name="apply-result"),
    path("cabinet/", cabinet.cabinet, name="cabinet"),
    path("cabinet/notifications/", cabinet.notification_list, name="notifications"),
    path("cabinet/notifications/<int:notification_id>/", cabinet.notification_detail, name="notification"),
    path("cabinet/applications/", cabinet.application_list, name="applications"),
    path("cabinet/property/", cabinet.property_list, name="property"),
    path("cabinet/applications/<str:number>/", cabinet.application_detail, name="application"),
    path("cabinet/slips/<str:number>/pdf/", cabinet.slip_download, name="slip-pdf"),
    path("cabinet/consents/<int:consent_id>/", consents.consent_detail, name="consent"),
    path("cabinet/consents/<int:consent_id>/<str:decision>/", consents.consent_sign, name="consent-sign"),
    path(
        "cabinet/consents/<int:consent_id>/<str:decision>/consent.xml",
        consents.consent_xml,
        name="consent-xml",
    ),
]
