"""Staff pages of the one window, mounted at /intake/."""

from __future__ import annotations

from django.urls import path

from dajiuzhu.intake import views

app_name = "intake"
urlpatterns = [
    path("", views.start, name="start"),
    path("receipts/<int:receipt_id>/", views.receipt_view, name="receipt"),
    path("applications/", views.application_list, name="applications"),
    path("applications/<int:application_id>/", views.application_view, name="application"),
    path("applications/<int:application_id>/act/<str:action>/", views.application_act, name="act"),
    path("applications/<int:application_id>/letter/", views.letter_view, name="letter"),
    path("photos/<int:photo_id>/", views.photo_view, name="photo"),
    path("queue/", views.queue, name="queue"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<int:item_id>/", views.catalogue_edit, name="catalogue_edit"),
    path("households/<int:household_id>/chain/", views.household_chain, name="chain"),
]
