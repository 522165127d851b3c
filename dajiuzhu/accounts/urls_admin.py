from django.urls import path

from dajiuzhu.accounts import views_admin

app_name = "manage"
urlpatterns = [
    path("users/", views_admin.user_list, name="users"),
    path("users/<int:user_id>/", views_admin.user_action, name="user_action"),
    path("departments/", views_admin.department_list, name="departments"),
]
