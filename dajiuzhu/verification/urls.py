from __future__ import annotations

from django.urls import path

from . import views

app_name = "verification"
urlpatterns = [
    path("", views.index, name="index"),
    path("batches/upload/", views.upload, name="upload"),
    path("batches/<int:batch_id>/", views.batch_view, name="batch"),
    path("authorisations/new/", views.authorisation_new, name="authorisation_new"),
    path("requests/new/", views.request_new, name="request_new"),
    path("reports/<int:request_id>/", views.report_view, name="report"),
]
