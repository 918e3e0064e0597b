from django.urls import path

from . import views

app_name = "deregistration"

urlpatterns = [
    path("", views.home, name="home"),
]
