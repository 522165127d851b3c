"""Pages of 资金发放: the rolls (urls_rolls), the people's side — accounts, failed payments, recoveries,
notices (urls_people) — and 幸福清单, reports and the published list (urls_reports)."""

from dajiuzhu.payments.urls_people import urlpatterns as people_patterns
from dajiuzhu.payments.urls_reports import urlpatterns as report_patterns
from dajiuzhu.payments.urls_rolls import urlpatterns as roll_patterns

app_name = "payments"
urlpatterns = [*roll_patterns, *people_patterns, *report_patterns]
