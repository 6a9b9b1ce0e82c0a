from django import forms

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


class RoleForm(forms.Form):
    role = forms.ChoiceField(choices=[(role.value, role.value) for role in Role])
