"""幸福清单, the payment report and the publication of village lists (公布)."""

from django.urls import path

from dajiuzhu.payments import views_reports as views

urlpatterns = [
    path("households/<int:household_id>/benefits/", views.household_benefits, name="household_benefits"),
    path("reports/", views.report, name="reports"),
    path("reports/export.xlsx", views.report_xlsx, name="reports_xlsx"),
    path("publish/", views.publish, name="publish"),
    path("publish/<int:list_id>/withdraw/", views.publish_withdraw, name="publish_withdraw"),
]
