from django.urls import include, path

from concord.incidents.views import actions, cases, circles, detail, lessons, reports

app_name = "incidents"

urlpatterns: list = [
    path("", cases.case_list, name="list"),
    path("report/", reports.report_create, name="report"),
    path("phone/", reports.phone_report_create, name="phone"),
    path("cities/", reports.city_options, name="cities"),
    path("<int:pk>/", detail.case_detail, name="case"),
    path(
        "<int:pk>/files/<int:attachment_pk>/",
        detail.attachment_download,
        name="attachment",
    ),
    path("<int:pk>/take/", actions.case_take, name="take"),
    path("<int:pk>/decline/", actions.case_decline, name="decline"),
    path("<int:pk>/step/<str:to_state>/", actions.case_step, name="step"),
    path("<int:pk>/invalidate/", actions.case_invalidate, name="invalidate"),
    path("<int:pk>/resolve/", actions.case_resolve, name="resolve"),
    path("<int:pk>/reopen/", actions.case_reopen, name="reopen"),
    path("<int:pk>/note/", actions.case_note, name="note"),
    path("<int:pk>/severity/", actions.case_severity, name="severity"),
    path("<int:pk>/category/", actions.case_category, name="category"),
    path("circles/", circles.circle_list, name="circles"),
    path("circles/<str:code>/", circles.circle_detail, name="circle"),
    path("circles/<str:code>/add/", circles.circle_add, name="circle_add"),
    path(
        "circles/<str:code>/remove/<int:member_pk>/",
        circles.circle_remove,
        name="circle_remove",
    ),
    path("circles/<str:code>/fill/", circles.circle_fill, name="circle_fill"),
    path("lessons/", lessons.lesson_list, name="lessons"),
    path("tension/", include("concord.incidents.urls_tension")),
]
