"""How the demonstration reaches the published figures (conference/demo/targets.py), and where its events go."""

from __future__ import annotations

from datetime import time

from conference.demo import targets

CODE = "cop12"
DEFAULT_PARTICIPANTS = targets.PARTICIPANTS
MIN_PARTICIPANTS = 600
SEED = 12

# The three events of domain.md and the figures the demonstration reproduces.
REVIEW_MECHANISM_EVENT = ("Advancing Effective Responses to Transnational Organized Crime - "
                          "The Strategic Role of the UNTOC Review Mechanism")
REVIEW_MECHANISM_ATTENDEES = 112
ROUNDTABLE = "Partners' engagement roundtable"
ROUNDTABLE_ATTENDEES, ROUNDTABLE_STATES = targets.ROUNDTABLE_ATTENDEES, targets.ROUNDTABLE_STATES
ROUNDTABLE_INVITED = 40
GATHERING = "Governmental officials' gathering"
GATHERING_ATTENDEES, GATHERING_COUNTRIES = 96, 57
DONOR_STATES = ["USA", "DEU", "FRA", "GBR", "ITA", "JPN", "NOR", "SWE", "NLD", "CAN", "AUS", "CHE", "AUT",
                "BEL", "DNK", "FIN", "ESP", "KOR", "QAT", "ARE", "SAU", "IRL", "LUX"]

# Side-event slots outside the plenary sittings (10:00-13:00, 15:00-18:00), local time.
SLOTS = {"morning": (time(8, 45), time(9, 45)), "lunch": (time(13, 15), time(14, 45)),
         "evening": (time(18, 15), time(19, 45))}
SIDE_EVENT_ROOMS = ["boardroom-b", "c3", "m1", "m2", "m3", "m4", "m5", "m6", "m7"]
SIDE_EVENTS = targets.SIDE_EVENTS
SIDE_EVENTS_BY_NGOS = targets.SIDE_EVENTS_BY_NGOS
MINISTERIAL_EVENT = "Ministerial event: the Convention at work against organized crime, from Palermo to today"
NGO_BRIEFING = "Briefing for non-governmental organizations"
NGO_BRIEFING_ATTENDEES = targets.NGO_BRIEFING_ATTENDEES

# Who makes up the 1,400 at the real session's size (scaled for another size): the State delegations a little under
# 800, over 500 from NGOs, the rest intergovernmental organizations, the European Union and the press.
SHARES = {"media": 14, "eu": 6, "orgs": 70, "ngos": 520}
# Registered and approved but never came: no badge collected, no scan (attendance below 100 %).
NO_SHOW_SHARE = 0.05
