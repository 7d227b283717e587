from django.urls import path

from appointments import views
from core.edge_cache import cache_public_page

app_name = "appointments"

urlpatterns = [
    path("appointments/request/", views.request_appointment, name="request"),
    path("appointments/request/received/", views.request_received, name="received"),
    path("locations/", cache_public_page(views.location_list), name="locations"),
]
