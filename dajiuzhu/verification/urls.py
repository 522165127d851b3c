from __future__ import annotations

app_name = "verification"
urlpatterns: list = []
