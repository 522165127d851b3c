from django.urls import path

from dajiuzhu.eldercare import views
from dajiuzhu.eldercare import views_homecare as hc
from dajiuzhu.eldercare import views_institutions as inst

app_name = "eldercare"

urlpatterns = [
    path("people/<int:person_id>/assessments/", views.person_assessments, name="person_assessments"),
    path("people/<int:person_id>/assessments/new/", views.assessment_new, name="assessment_new"),
    path("assessments/<int:assessment_id>/", views.assessment_view, name="assessment_view"),
    path("institutions/", inst.institution_list, name="institutions"),
    path("institutions/<int:institution_id>/", inst.institution_view, name="institution"),
    path("institutions/<int:institution_id>/zones/", inst.zone_add, name="zone_add"),
    path("institutions/<int:institution_id>/admit/", inst.admit, name="admit"),
    path("institutions/<int:institution_id>/waiting/", inst.waiting_add, name="waiting_add"),
    path(
        "institutions/<int:institution_id>/stays/<int:stay_id>/transfer/",
        inst.stay_transfer,
        name="stay_transfer",
    ),
    path("institutions/<int:institution_id>/stays/<int:stay_id>/leave/", inst.stay_leave, name="stay_leave"),
    path("institutions/<int:institution_id>/beds/<int:bed_id>/state/", inst.bed_state, name="bed_state"),
    path("unplaced/", inst.unplaced, name="unplaced"),
    path("entitlements/", views.care_month, name="care_month"),
    path("dashboard/", views.dashboard, name="dashboard"),
    path("reassessments/", views.reassessments, name="reassessments"),
    path("desk/", hc.desk, name="desk"),
    path("desk/<int:person_id>/", hc.desk_elder, name="desk_elder"),
    path("orders/", hc.orders, name="orders"),
    path("orders/<int:order_id>/assign/", hc.order_assign, name="order_assign"),
    path("orders/<int:order_id>/decide/", hc.order_decide, name="order_decide"),
    path("orders/<int:order_id>/follow-up/", hc.order_follow_up, name="order_follow_up"),
    path("orders/<int:order_id>/cancel/", hc.order_cancel, name="order_cancel"),
    path("providers/", hc.providers, name="providers"),
    path("statements/", hc.statements, name="statements"),
    path("canteens/", hc.canteen_list, name="canteens"),
    path("community/", hc.community, name="community"),
    path("canteens/<int:canteen_id>/", hc.canteen, name="canteen"),
    path("statements/<int:statement_id>/", hc.statement, name="statement"),
    path("carer/", hc.carer_today, name="carer_today"),
    path("carer/<int:order_id>/check-in/", hc.carer_check_in, name="carer_check_in"),
    path("carer/<int:order_id>/check-out/", hc.carer_check_out, name="carer_check_out"),
    path("carer/<int:order_id>/no-show/", hc.carer_no_show, name="carer_no_show"),
]
