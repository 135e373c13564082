from __future__ import annotations

from django.http import HttpRequest

from concord.accounts.scoping import Scope, scope_for


def scope(request: HttpRequest) -> dict[str, Scope]:
    """The viewer's scope, so templates show only the links that lead somewhere."""
    return {"scope": scope_for(getattr(request, "user", None))}
