from django.urls import path

from . import views

app_name = "deregistration"

urlpatterns = [
    path("", views.home, name="home"),
    path("verify/", views.verify_form, name="verify-form"),
    path("verify/<str:code>/", views.verify, name="verify"),
]
