from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render

from accounts.permissions import allowed
from accounts.roles import Perm, has_any_role


def home(request):
    """Send each user to the first page their role opens."""
    user = request.user
    if not user.is_authenticated:
        return redirect("login")
    if allowed(user, Perm.UPLOAD_RECORDING):
        return redirect("classifier:recording_list")
    if not has_any_role(user) and not user.is_superuser:
        return redirect("accounts:no_access")
    return render(request, "accounts/home.html")


@login_required
def no_access(request):
    """A signed-in account without a role: nothing to see until an admin grants one."""
    return render(request, "accounts/no_access.html", {"has_role": has_any_role(request.user)})
