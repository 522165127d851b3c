"""The people's side of 资金发放: payee accounts, the worklist of failed and held payments, recoveries and
the SMS outbox (views_people)."""

from django.urls import path

from dajiuzhu.payments import views_people as views

urlpatterns = [
    path("households/<int:household_id>/payees/", views.household_payees, name="household_payees"),
    path("persons/<int:person_id>/account/", views.account_set, name="account_set"),
    path("accounts/<int:account_id>/reveal/", views.account_reveal, name="account_reveal"),
    path("worklist/", views.worklist, name="worklist"),
    path("lines/<int:line_id>/resolve/", views.line_resolve, name="line_resolve"),
    path(
        "households/<int:household_id>/recoveries/", views.household_recoveries, name="household_recoveries"
    ),
    path("households/<int:household_id>/recoveries/decide/", views.recovery_decide, name="recovery_decide"),
    path(
        "households/<int:household_id>/recoveries/<int:recovery_id>/repay/",
        views.recovery_repay,
        name="recovery_repay",
    ),
    path("outbox/", views.outbox, name="outbox"),
    path("outbox/queued.csv", views.outbox_csv, name="outbox_csv"),
]
