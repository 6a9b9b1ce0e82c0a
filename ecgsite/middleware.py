"""The web edge's one translation of domain errors (``classifier.core.errors``) into pages.

Views catch what they can explain in place (a form error, a message); anything else lands
here: 404 for NotFound, 403 for PermissionDenied, 400 for InvalidInput, 409 for Conflict,
each on the site's error page with the domain message.
"""

from django.core.exceptions import BadRequest
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from django.shortcuts import render

from classifier.core.errors import Conflict, DomainError, InvalidInput, NotFound, PermissionDenied


class DomainErrorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, DomainError):
            return None
        if isinstance(exception, NotFound):
            raise Http404(str(exception)) from exception
        if isinstance(exception, PermissionDenied):
            raise DjangoPermissionDenied(str(exception)) from exception
        if isinstance(exception, InvalidInput):
            raise BadRequest(str(exception)) from exception
        status = 409 if isinstance(exception, Conflict) else 400
        return render(request, "conflict.html", {"message": str(exception)}, status=status)
