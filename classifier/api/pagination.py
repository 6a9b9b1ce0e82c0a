"""Page numbers as the schema types them: a positive integer in ASCII digits, else 400."""

import re

from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination

_DIGITS = re.compile(r"[0-9]+")


class StrictPageNumberPagination(PageNumberPagination):
    """DRF's page numbers without their leniency: no ``page=last`` and no ``int()``
    spellings (" 2", "٢", "1_0") nor 0; a missing page is the first; past the end, 404."""

    last_page_strings = ()

    def get_page_number(self, request, paginator):
        page = request.query_params.get(self.page_query_param)
        if page is None:
            return 1
        if len(request.query_params.getlist(self.page_query_param)) > 1:
            raise ValidationError({self.page_query_param: "give one page number"})
        if not _DIGITS.fullmatch(page) or int(page) < 1:
            raise ValidationError({self.page_query_param: "must be a positive integer"})
        return page

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
        return parameters
