"""Mount with ``path("portal/", include("wagtail_clientportal.portal.urls"))``."""

from django.urls import path

from .views import activation

app_name = "wagtail_clientportal"

urlpatterns = [
    path("activate/<uidb64>/<token>/", activation.ActivateView.as_view(), name="activate"),
]
