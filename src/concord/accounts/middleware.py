from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from concord.accounts.scoping import OutOfScope
from concord.accounts.services import access_denied_record


class ScopeAuditMiddleware:
    """Writes every out-of-scope request to the audit log; the user just sees a 404."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, OutOfScope):
            user = request.user if request.user.is_authenticated else None
            access_denied_record(actor=user, path=request.get_full_path(), detail=exception.detail)
