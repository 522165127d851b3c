from __future__ import annotations

from django.urls import path

from . import views

app_name = "monitoring"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("export/", views.kpi_export, name="export"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:task_id>/", views.task_detail, name="task"),
    path("feeds/", views.feed_upload, name="feeds"),
    path("feeds/<int:delivery_id>/", views.delivery, name="delivery"),
    path("rules/", views.rules, name="rules"),
    path("report/", views.report, name="report"),
]
