from django.urls import path

from dajiuzhu.registry import views, views_io

app_name = "registry"
urlpatterns = [
    # pages (views.py)
    path("households/", views.household_list, name="household_list"),
    path("households/new/", views.household_new, name="household_new"),
    path("households/<int:household_id>/", views.household_view, name="household_view"),
    path("households/<int:household_id>/edit/", views.household_edit, name="household_edit"),
    path("households/<int:household_id>/members/new/", views.person_new, name="person_new"),
    path("persons/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:person_id>/move/", views.person_move_view, name="person_move"),
    path("persons/<int:person_id>/reveal/<str:field>/", views.person_reveal_view, name="person_reveal"),
    # before record_new, whose <str:kind> would also match "supporters"
    path("households/<int:household_id>/supporters/new/", views.supporter_new, name="supporter_new"),
    path("supporters/<int:supporter_id>/delete/", views.supporter_delete, name="supporter_delete"),
    path("households/<int:household_id>/<str:kind>/new/", views.record_new, name="record_new"),
    path("records/<str:kind>/<int:record_id>/delete/", views.record_delete, name="record_delete"),
    # Excel in and out (views_io.py)
    path("import/", views_io.import_upload, name="import"),
    path("import/template.xlsx", views_io.import_template, name="import_template"),
    path("import/<str:token>/errors.xlsx", views_io.import_error_report, name="import_errors"),
    path("export.xlsx", views_io.export_households, name="export"),
]
