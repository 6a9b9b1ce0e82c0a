from allauth.account.adapter import get_adapter
from django import template

register = template.Library()


@register.simple_tag(takes_context=True)
def signup_open(context) -> bool:
    """Whether local sign-up is open (the account adapter decides, from SIGNUP_OPEN)."""
    request = context["request"]
    return get_adapter(request).is_open_for_signup(request)
