"""Wagtail hooks of the staff side: viewsets, menu items, bulk actions, permission policies."""

from django.urls import include, path
from wagtail import hooks

from . import roles, urls
from .bulk_actions import RevokeDocumentsBulkAction, ShareDocumentsBulkAction
from .clients import client_viewset

roles.register_policies()


@hooks.register("register_admin_viewset")
def register_viewsets():
    return [client_viewset]


@hooks.register("register_admin_urls")
def register_admin_urls():
    return [path("clientportal/", include(urls, namespace="clientportal_staff"))]


hooks.register("register_bulk_action", ShareDocumentsBulkAction)
hooks.register("register_bulk_action", RevokeDocumentsBulkAction)
