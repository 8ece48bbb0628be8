from django.urls import path

from . import views, views_list, views_team

app_name = "cases"

urlpatterns = [
    path("", views_list.case_list, name="list"),
    path("export.csv", views_list.case_list_export, name="list_export"),
    path("new/", views.case_open, name="open"),
    path("<int:case_id>/", views.case_detail, name="detail"),
    path("<int:case_id>/facts/", views.case_facts, name="facts"),
    path("<int:case_id>/timeline/", views.case_timeline, name="timeline"),
    path("<int:case_id>/stage/", views.case_stage, name="stage"),
    path("victims/<int:victim_id>/edit/", views.victim_edit, name="victim_edit"),
    path("operations/<int:operation_id>/edit/", views.operation_edit, name="operation_edit"),
    path("<int:case_id>/referrals/new/", views.referral_new, name="referral_new"),
    path("<int:case_id>/new/<slug:kind>/", views.record_new, name="record_new"),
    path("referrals/<int:referral_id>/<slug:action>/", views.referral_act, name="referral_act"),
    path("operations/<int:operation_id>/<slug:action>/", views.operation_act, name="operation_act"),
    path("relief/<int:relief_id>/", views.relief_update, name="relief_update"),
    path("interpreters/", views.interpreter_board, name="interpreter_board"),
    path("interpreters/<int:request_id>/book/", views.interpreter_book, name="interpreter_book"),
    path(
        "interpreters/<int:request_id>/attest/",
        views.interpreter_attest,
        name="interpreter_attest",
    ),
    path("placements/<int:placement_id>/end/", views.placement_end, name="placement_end"),
    path("tasks/mine/", views.my_tasks, name="my_tasks"),
    path("tasks/agency/", views.agency_tasks, name="agency_tasks"),
    path("tasks/<int:task_id>/<slug:action>/", views.task_act, name="task_act"),
    path("notifications/", views.notifications, name="notifications"),
    path("referrals/inbox/", views.referral_inbox, name="referral_inbox"),
    path("unanswered/", views.unanswered_questions, name="unanswered"),
    path("immigration-access/", views.relief_access, name="relief_access"),
    path("<int:case_id>/team/", views_team.case_team, name="team"),
    path("<int:case_id>/prosecution/", views_team.case_prosecution, name="prosecution"),
]
