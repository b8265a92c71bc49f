from django.urls import path

from channels import views

urlpatterns = [
    path("accounts/<id:account_id>/channels/", views.channel_list, name="channel_list"),
    path("accounts/<id:account_id>/channels/new/", views.channel_edit, name="channel_create"),
    path("accounts/<id:account_id>/channels/<id:channel_id>/", views.channel_edit, name="channel_edit"),
    path("accounts/<id:account_id>/channels/<id:channel_id>/test/", views.channel_test, name="channel_test"),
    path("accounts/<id:account_id>/channels/<id:channel_id>/maps/import/", views.channel_maps_refresh,
         name="channel_maps_import"),
    path("accounts/<id:account_id>/channels/<id:channel_id>/locations/", views.channel_locations,
         name="channel_locations"),
    path("accounts/<id:account_id>/channels/import-products/", views.products_import, name="channel_products_import"),
]
