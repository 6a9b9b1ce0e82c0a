from django import forms
from django.contrib.auth.validators import UnicodeUsernameValidator

from accounts.models import (
    API_TOKEN_DEFAULT_LIFETIME_DAYS,
    API_TOKEN_LIFETIMES_DAYS,
    API_TOKEN_NAME_MAX_LENGTH,
)
from accounts.roles import Role


class UserSearchForm(forms.Form):
    q = forms.CharField(label="Search", required=False, max_length=150)
    status = forms.ChoiceField(
        label="Show",
        required=False,
        choices=[
            ("", "All accounts"),
            ("pending", "Waiting for a role"),
            ("active", "Active"),
            ("inactive", "Deactivated"),
        ],
    )


class InviteForm(forms.Form):
    """An account an admin creates for someone, who sets their own password from the e-mail."""

    username = forms.CharField(
        label="Username",
        max_length=150,
        validators=[UnicodeUsernameValidator()],
        help_text="What they sign in with: letters, digits and @ . + - _",
    )
    first_name = forms.CharField(label="Given name(s)", max_length=150)
    last_name = forms.CharField(label="Family name", max_length=150, required=False)
    email = forms.EmailField(label="E-mail address", help_text="The invitation goes here.")
    roles = forms.MultipleChoiceField(
        label="Roles",
        choices=[(role.value, role.value) for role in Role],
        widget=forms.CheckboxSelectMultiple,
        help_text="What they may do from their first sign-in.",
    )


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=[(role.value, role.value) for role in Role])


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label="Name",
        max_length=API_TOKEN_NAME_MAX_LENGTH,
        help_text="What the token is for, e.g. the script that uses it.",
    )
    days = forms.TypedChoiceField(
        label="Expires after",
        coerce=int,
        choices=[(days, f"{days} days") for days in API_TOKEN_LIFETIMES_DAYS],
        initial=API_TOKEN_DEFAULT_LIFETIME_DAYS,
    )
