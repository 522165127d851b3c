"""The public side (no login): a village's published payment list (公布) on the notice board."""

from django.urls import path

from dajiuzhu.payments import views_public

app_name = "payments_public"
urlpatterns = [
    path("<str:village_code>/", views_public.village, name="village"),
]
