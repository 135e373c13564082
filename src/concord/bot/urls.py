from django.urls import path

from concord.bot import views

app_name = "bot"

urlpatterns = [
    path("people/<int:pk>/link/", views.person_link_create, name="person_link_create"),
    path("people/<int:pk>/link/send/", views.person_link_send, name="person_link_send"),
]
