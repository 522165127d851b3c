from django.urls import path

from dajiuzhu.parameters import views

app_name = "parameters"
urlpatterns = [
    path("", views.parameter_list, name="list"),
    path("<str:name>/", views.parameter_detail, name="detail"),
    path("<str:name>/withdraw/<int:change_id>/", views.parameter_withdraw, name="withdraw"),
]
