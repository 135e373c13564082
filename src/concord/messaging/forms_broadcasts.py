"""Forms of the broadcast and group pages. Choices come from the coordinator's scope; the
services apply the scope again, so a forged choice reaches nobody new."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from concord.accounts.scoping import Scope
from concord.directory.models import Organisation, PersonRole
from concord.messaging.broadcasts import Segment, broadcast_event_choices
from concord.messaging.groups import announcement_key
from concord.messaging.messages import TEXT_MAX
from concord.messaging.models import TelegramChat
from concord.programme.forms import scoped_regions
from concord.programme.models import Event
from concord.regions.models import Region

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

TITLE_MAX = 100


def event_label(event: Event) -> str:
    day = timezone.localtime(event.starts_at, event.tz).strftime("%d.%m.%Y")
    return f"{event.title} ({day})"


class MessageField(forms.CharField):
    """Line breaks count as one character, as on the phone and in the counter under the box
    (browsers send them as two)."""

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).replace("\r\n", "\n")


def _text_field(label: StrOrPromise) -> forms.CharField:
    return MessageField(
        label=label,
        max_length=TEXT_MAX,
        help_text=_("At most %(max)s characters, so that it fits a WhatsApp message.")
        % {"max": TEXT_MAX},
        widget=forms.Textarea(attrs={"rows": 7, "maxlength": TEXT_MAX, "data-counter": "1"}),
    )


class BroadcastForm(forms.Form):
    regions = forms.MultipleChoiceField(
        label=_("Regions"), required=False, widget=forms.CheckboxSelectMultiple
    )
    event = forms.ChoiceField(label=_("Participants of the event"), required=False)
    roles = forms.MultipleChoiceField(
        label=_("Roles"),
        required=False,
        choices=PersonRole.Role.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    org_kinds = forms.MultipleChoiceField(
        label=_("Kinds of organisation"),
        required=False,
        choices=Organisation.Kind.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    title = forms.CharField(
        label=_("Title"),
        max_length=TITLE_MAX,
        help_text=_("Shown in bold above the text, and as the subject of emails."),
    )
    text = _text_field(_("Text"))
    # The number of people the preview showed: if it changed, the preview is shown again.
    expected = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        regions = scoped_regions(scope)
        self.fields["regions"].choices = [(r.code, r.name) for r in regions]  # type: ignore[attr-defined]
        events = [(str(e.pk), event_label(e)) for e in broadcast_event_choices(scope=scope)]
        self.fields["event"].choices = [("", _("Any (no event filter)")), *events]  # type: ignore[attr-defined]

    def segment(self) -> Segment:
        data = self.cleaned_data
        return Segment(
            regions=tuple(data.get("regions") or ()),
            event=int(data["event"]) if data.get("event") else None,
            roles=tuple(data.get("roles") or ()),
            org_kinds=tuple(data.get("org_kinds") or ()),
        )


class AnnounceForm(forms.Form):
    text = _text_field(_("Announcement"))
    whatsapp = forms.BooleanField(
        label=_("Also send it one by one to participants who use WhatsApp"),
        required=False,
        initial=True,
    )
    # One key per form shown: pressing "Send" twice posts the announcement once.
    key = forms.CharField(widget=forms.HiddenInput, max_length=64)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {}).setdefault("key", announcement_key())
        super().__init__(*args, **kwargs)


class EventGroupForm(forms.Form):
    chat = forms.ModelChoiceField(
        label=_("Telegram group"), queryset=TelegramChat.objects.none(), empty_label=None
    )

    def __init__(self, *args: Any, groups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["chat"].queryset = groups  # type: ignore[attr-defined]


class GroupRegionForm(forms.Form):
    region = forms.ModelChoiceField(
        label=_("Region of the group"), queryset=Region.objects.none(), empty_label="—"
    )

    def __init__(self, *args: Any, scope: Scope, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = scoped_regions(scope)  # type: ignore[attr-defined]
