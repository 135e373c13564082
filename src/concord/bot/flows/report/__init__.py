"""Report a problem: six short steps, each with buttons, then one call to the incidents app.

    1 what happened  text, and/or photos, voice messages, videos, files; "Next" once given
    2 where          "In <my region>", a shared location (nearest city within 300 km), or a
                     typed city / address / region
    3 when           happening now / already happened / expected (rumours of a planned clash)
    4 people, hurt   how many, and whether anyone is hurt, in one tap
    5 communities    the communities of the region's organisations, several may be chosen
                     (skipped when the region has none)
    6 review, send   with or without consent to be named to the police and officials

The draft is kept in the chat's stored state (`Turn.keep`), so it survives restarts and a
detour through another menu: tapping "Report a problem" again offers to continue it or start
again. Every step has a Cancel button. Anyone may report, linked or not; an unlinked person
is told afterwards how to get linked. `report_submit` acknowledges with the case number itself.

WhatsApp shows at most three reply buttons of 20 characters: longer choices are listed with
numbers, and the person answers with the number.

The modules:
    flow       the Flow: what comes in (text, media, buttons) and which handler answers it
    draft      the draft kept in the chat's state, and the ReportDraft made of it
    places     finding the place: a typed city or region, the nearest city to a location
    buttons    buttons, or WhatsApp's numbered list, and the labels typed back as text
    questions  each step's question, and going to a step
    answers    the answers of steps 1 and 3 to 6 (text and files, when, people, communities,
               send), and Cancel and Continue
    where      the answers of step 2: a typed place, "In my region", a region, a location

`concord.bot.flows.load_all` imports this package, which imports `flow`: the flow registers
itself once, with `@flow("report")`.
"""

from __future__ import annotations

from concord.bot.flows.report.flow import ReportProblem
from concord.bot.flows.report.places import nearest_city, place_from_text

__all__ = ["ReportProblem", "nearest_city", "place_from_text"]
