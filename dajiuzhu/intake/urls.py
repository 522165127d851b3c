"""Staff pages of the one window, mounted at /intake/."""

from __future__ import annotations

from django.urls import path

from dajiuzhu.intake import views

app_name = "intake"
# The stored PDF and HTML of an issued document (决定书, 回执).
PDF, HTML = {"fmt": "pdf"}, {"fmt": "html"}
urlpatterns = [
    path("", views.start, name="start"),
    path("receipts/<int:receipt_id>/", views.receipt_view, name="receipt"),
    path("receipts/<int:receipt_id>/pdf/", views.receipt_file, PDF, name="receipt_pdf"),
    path("receipts/<int:receipt_id>/html/", views.receipt_file, HTML, name="receipt_html"),
    path("applications/", views.application_list, name="applications"),
    path("applications/<int:application_id>/", views.application_view, name="application"),
    path("applications/<int:application_id>/act/<str:action>/", views.application_act, name="act"),
    path("applications/<int:application_id>/letter/", views.letter_view, name="letter"),
    path("applications/<int:application_id>/letter/pdf/", views.letter_file, PDF, name="letter_pdf"),
    path("applications/<int:application_id>/letter/html/", views.letter_file, HTML, name="letter_html"),
    path("photos/<int:photo_id>/", views.photo_view, name="photo"),
    path("queue/", views.queue, name="queue"),
    path("catalogue/", views.catalogue, name="catalogue"),
    path("catalogue/<int:item_id>/", views.catalogue_edit, name="catalogue_edit"),
    path("households/<int:household_id>/chain/", views.household_chain, name="chain"),
]
