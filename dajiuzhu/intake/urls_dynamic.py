from __future__ import annotations

from django.urls import path

from dajiuzhu.intake import views_dynamic as views

app_name = "intake_dynamic"
urlpatterns = [
    path("", views.index, name="index"),
    path("entitlements/<int:entitlement_id>/", views.entitlement_view, name="entitlement"),
    path("applications/<int:application_id>/opinion/", views.opinion, name="opinion"),
]
