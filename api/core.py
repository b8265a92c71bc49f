"""The public JSON API (django-ninja), mounted at /api/v1/ on each organization's host."""

from ninja import NinjaAPI

api = NinjaAPI(title="OMS API", version="1", urls_namespace="api")
