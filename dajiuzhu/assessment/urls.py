from django.urls import path

from . import views

app_name = "assessment"
urlpatterns = [
    path("check/", views.check, name="check"),
    path("runs/", views.runs, name="runs"),
    path("runs/start/", views.run_start, name="run_start"),
    path("runs/<int:run_id>/", views.run_view, name="run"),
    path("runs/<int:run_id>/retry/", views.run_retry, name="run_retry"),
    path("runs/<int:run_id>/export/", views.run_export, name="run_export"),
]
