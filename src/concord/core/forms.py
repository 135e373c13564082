"""Form parts every app uses the same way."""

from __future__ import annotations

from django import forms


class ConfirmForm(forms.Form):
    """A destructive action is submitted twice: first to read what will happen, then to
    confirm it (the confirmation page sends `confirmed`)."""

    confirmed = forms.BooleanField(required=False, widget=forms.HiddenInput)

    @property
    def is_confirmed(self) -> bool:
        return bool(self.cleaned_data.get("confirmed"))
