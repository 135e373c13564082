from __future__ import annotations

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.utils.translation import gettext_lazy as _


class EmailAuthenticationForm(AuthenticationForm):
    """Log in with email and password; the messages are plain words."""

    username = forms.EmailField(
        label=_("Email"),
        widget=forms.EmailInput(attrs={"autofocus": True, "autocomplete": "email"}),
    )
    error_messages = {
        "invalid_login": _(
            "The email or the password is wrong. Check both and try again. "
            "After several wrong attempts the account is locked for a while."
        ),
        "inactive": _("This account is switched off. Ask your coordinator."),
    }
