"""Reads of the bot. What a person may see in the chat is decided by the same `Scope` as
on the web (accounts.scoping), never by the bot itself."""

from __future__ import annotations

from concord.accounts.models import User
from concord.accounts.scoping import Scope, scope_for
from concord.directory.models import Person


def person_scope(person: Person) -> Scope:
    """The scope of the person chatting with the bot.

    A person with a web account sees in the chat exactly what they see on the web. Most people
    who use the bot have no account (that is why they use the bot); they see what an NGO
    member of their own region sees: their region's people, and the network's organisations.
    """
    user = User.objects.filter(person=person).first()
    if user is not None:
        return scope_for(user)
    return Scope(user_id=None, role=User.Role.NGO_MEMBER, region_ids=frozenset({person.region_id}))
