from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("no-access/", views.no_access, name="no_access"),
    path("me/", views.my_account, name="my_account"),
    path("me/tokens/", views.api_token_create, name="api_token_create"),
    path("tokens/<int:token_id>/revoke/", views.api_token_revoke, name="api_token_revoke"),
    path("users/", views.user_list, name="user_list"),
    path("users/invite/", views.user_invite, name="user_invite"),
    path(
        "invitation/<uidb64>/<token>/",
        views.InvitationAcceptView.as_view(),
        name="invitation_accept",
    ),
    path("users/<int:user_id>/", views.user_detail, name="user_detail"),
    path("users/<int:user_id>/roles/grant/", views.user_role_grant, name="user_role_grant"),
    path("users/<int:user_id>/roles/revoke/", views.user_role_revoke, name="user_role_revoke"),
    path("users/<int:user_id>/deactivate/", views.user_deactivate, name="user_deactivate"),
    path("users/<int:user_id>/invite/", views.user_invite_resend, name="user_invite_resend"),
    path("users/<int:user_id>/activate/", views.user_activate, name="user_activate"),
]
