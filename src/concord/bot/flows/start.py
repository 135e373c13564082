"""`/start`: greet, and link the chat to a person when it comes with a one-time token."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _

from concord.bot.engine import Flow, Turn, flow
from concord.bot.services import LinkError, chat_link
from concord.messaging.rendering import esc, person_language


@flow("start")
class Start(Flow):
    needs_link = False

    def begin(self, turn: Turn, argument: str = "") -> None:
        turn.goto("")
        if argument:
            self._link(turn, argument)
        elif turn.person is not None:
            self._greet(turn, again=True)
        else:
            self._explain(turn)
        turn.menu()

    def _link(self, turn: Turn, token: str) -> None:
        incoming = turn.incoming
        try:
            person = chat_link(channel=incoming.channel, chat_key=incoming.chat_key, token=token)
        except LinkError as error:
            turn.say(str(error))
            if turn.person is None:
                self._explain(turn)
            return
        # From now on the person's own language, for this answer already.
        turn.person, turn.language = person, person_language(person)
        with translation.override(turn.language):
            self._greet(turn, again=False)

    def _greet(self, turn: Turn, *, again: bool) -> None:
        assert turn.person is not None
        name = turn.person.first_name or turn.incoming.first_name
        line = _("Hello, %(name)s!") if again else _("Hello, %(name)s! I know you now.")
        turn.say(line % {"name": name}, html=line % {"name": esc(name)})
        turn.say(
            _(
                "Here you can answer invitations, see your events, find whom to call in "
                "your region and report a problem. Choose a button below."
            )
        )

    def _explain(self, turn: Turn) -> None:
        """Unlinked chats: there is nothing to type; the coordinator sends a link."""
        turn.say(
            _(
                "Hello! I am the bot of the network. I do not know yet who you are. "
                "Please ask your coordinator to send you your personal link, then tap it: "
                "that is all."
            )
        )
        turn.say(_("You can report a problem right away, without the link."))
