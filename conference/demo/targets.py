"""The published figures of UNTOC COP12 (Vienna, 14-18 October 2024) that the demonstration must reproduce.

Source: the UNODC's account of the session (press release and the secretariat's notes, quoted in domain.md and in
issue 15). The builder aims at these and tests/test_demo.py compares them with what the statistics report prints;
a figure published as "over", "nearly" or "some" is kept as the bound or the round number it states.
"""

from __future__ import annotations

from datetime import date

OPENING_DAY = date(2024, 10, 14)

# "1,400 participants from 131 States, 15 intergovernmental organizations and 212 NGOs".
PARTICIPANTS = 1400
STATES = 131
IGOS = 15
NGOS = 212
# "over 500 non-governmental stakeholders": the participants of the NGOs (in consultative status or admitted).
NON_GOVERNMENTAL_STAKEHOLDERS_OVER = 500
# What is left for the State delegations: "a little under 800" people (the European Union's delegation apart).
STATE_DELEGATES_UNDER = 800
STATE_DELEGATES_AT_LEAST = 750  # our reading of "a little under"

# "59 side events, 26 of them organized or co-organized by civil society organizations".
SIDE_EVENTS = 59
SIDE_EVENTS_BY_NGOS = 26

# "a briefing for NGOs on Monday 14 October for some 50 participants".
NGO_BRIEFING_DAY = OPENING_DAY
NGO_BRIEFING_ATTENDEES = 50
NGO_BRIEFING_TOLERANCE = 5  # "some 50"

# "a ministerial event on the opening day" (held as a side event: the programme has no kind of its own for it).
MINISTERIAL_DAY = OPENING_DAY

# The Review Mechanism side event: "more than 100 attendees" (the only event above 100).
REVIEW_MECHANISM_ATTENDEES_OVER = 100
# The donors' roundtable: "37 participants from 21 States parties".
ROUNDTABLE_ATTENDEES = 37
ROUNDTABLE_STATES = 21
# The focal points' networking event: "nearly 100 from over 50 countries".
GATHERING_ATTENDEES_NEARLY = 100
GATHERING_COUNTRIES_OVER = 50
