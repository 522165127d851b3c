from __future__ import annotations

from django.urls import path

from dajiuzhu.intake import views_public as views

app_name = "notices"
urlpatterns = [
    path("", views.browse, name="browse"),
    path("<str:village_code>/", views.board, name="board"),
    path("<str:village_code>/<int:notice_id>/objection/", views.objection, name="objection"),
    path("<str:village_code>/thanks/", views.thanks, name="thanks"),
]
