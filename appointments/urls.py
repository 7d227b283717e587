from django.urls import path

from appointments import views

app_name = "appointments"

urlpatterns = [
    path("appointments/request/", views.request_appointment, name="request"),
    path("appointments/request/received/", views.request_received, name="received"),
    path("locations/", views.location_list, name="locations"),
]
