from django.urls import include, path

from config.api import api

urlpatterns = [
    path("api/", api.urls),
    path("accounts/", include("dajiuzhu.accounts.urls")),
    path("registry/", include("dajiuzhu.registry.urls")),
    path("parameters/", include("dajiuzhu.parameters.urls")),
    path("audit/", include("dajiuzhu.audit.urls")),
    path("assessment/", include("dajiuzhu.assessment.urls")),
    path("intake/", include("dajiuzhu.intake.urls")),
    path("intake/dynamic/", include("dajiuzhu.intake.urls_dynamic")),
    path("notices/payments/", include("dajiuzhu.payments.urls_public")),
    path("notices/", include("dajiuzhu.intake.urls_public")),
    path("payments/", include("dajiuzhu.payments.urls")),
    path("verification/", include("dajiuzhu.verification.urls")),
    path("monitoring/", include("dajiuzhu.monitoring.urls")),
    path("eldercare/", include("dajiuzhu.eldercare.urls")),
    path("manage/", include("dajiuzhu.accounts.urls_admin")),
    path("", include("dajiuzhu.web.urls")),
]

handler403 = "dajiuzhu.web.views.error_403"
handler404 = "dajiuzhu.web.views.error_404"
handler500 = "dajiuzhu.web.views.error_500"
