from django.urls import path

from . import views

app_name = "api"

urlpatterns = [
    path("auth/token/", views.TokenView.as_view(), name="token"),
    path("me/", views.MeView.as_view(), name="me"),
    path("dwellings/", views.DwellingListView.as_view(), name="dwelling-list"),
    path("applications/", views.ApplicationListView.as_view(), name="application-list"),
    path("applications/<str:number>/", views.ApplicationDetailView.as_view(), name="application-detail"),
    path(
        "applications/<str:number>/complete/",
        views.ApplicationCompleteView.as_view(),
        name="application-complete",
    ),
    path(
        "applications/<str:number>/reject/", views.ApplicationRejectView.as_view(), name="application-reject"
    ),
    path(
        "applications/<str:number>/subjects/<str:iin>/slip/",
        views.SlipIssueView.as_view(),
        name="application-subject-slip",
    ),
    path("notifications/", views.NotificationListView.as_view(), name="notification-list"),
    path("notifications/<int:id>/read/", views.NotificationReadView.as_view(), name="notification-read"),
    path("consents/", views.ConsentListView.as_view(), name="consent-list"),
    path("consents/<int:id>/approve/", views.ConsentApproveView.as_view(), name="consent-approve"),
    path("consents/<int:id>/decline/", views.ConsentDeclineView.as_view(), name="consent-decline"),
    path("registry-records/", views.RegistryRecordListView.as_view(), name="registry-record-list"),
    path("slips/verify/<str:code>/", views.SlipVerifyView.as_view(), name="slip-verify"),
    path("slips/<str:number>/", views.SlipDetailView.as_view(), name="slip-detail"),
    path("slips/<str:number>/pdf/", views.SlipPdfView.as_view(), name="slip-pdf"),
]
