"""Pages of the monthly roll (发放名册), its lines and bank files, and the budget authority (资金指标)."""

from django.urls import path

from dajiuzhu.payments import views

urlpatterns: list = [
    path("", views.roll_list, name="rolls"),
    path("rolls/<int:roll_id>/", views.roll_view, name="roll"),
    path("rolls/<int:roll_id>/act/<str:action>/", views.roll_act, name="roll_act"),
    path("rolls/<int:roll_id>/lines/", views.roll_lines, name="roll_lines"),
    path("rolls/<int:roll_id>/lines.xlsx", views.roll_lines_xlsx, name="roll_lines_xlsx"),
    path("bank-files/<int:bank_file_id>/download/", views.bank_file_download, name="bank_file_download"),
    path("bank-files/<int:bank_file_id>/return/", views.bank_file_return, name="bank_file_return"),
    path("authorities/", views.authorities, name="authorities"),
]
