"""The figures of UNTOC COP12 that the demonstration reproduces (domain.md), and where its side events go."""

from __future__ import annotations

from datetime import time

CODE = "cop12"
DEFAULT_PARTICIPANTS = 1400
MIN_PARTICIPANTS = 600
SEED = 12

# The three events of domain.md and the figures the demonstration reproduces.
REVIEW_MECHANISM_EVENT = ("Advancing Effective Responses to Transnational Organized Crime - "
                          "The Strategic Role of the UNTOC Review Mechanism")
REVIEW_MECHANISM_ATTENDEES = 112
ROUNDTABLE = "Partners' engagement roundtable"
ROUNDTABLE_ATTENDEES, ROUNDTABLE_STATES, ROUNDTABLE_INVITED = 37, 21, 40
GATHERING = "Governmental officials' gathering"
GATHERING_ATTENDEES, GATHERING_COUNTRIES = 96, 57
DONOR_STATES = ["USA", "DEU", "FRA", "GBR", "ITA", "JPN", "NOR", "SWE", "NLD", "CAN", "AUS", "CHE", "AUT",
                "BEL", "DNK", "FIN", "ESP", "KOR", "QAT", "ARE", "SAU", "IRL", "LUX"]

# Side-event slots outside the plenary sittings (10:00-13:00, 15:00-18:00), local time.
SLOTS = {"morning": (time(8, 45), time(9, 45)), "lunch": (time(13, 15), time(14, 45)),
         "evening": (time(18, 15), time(19, 45))}
SIDE_EVENT_ROOMS = ["boardroom-b", "c3", "m1", "m2", "m3", "m4", "m5", "m6", "m7"]
SIDE_EVENTS = 48
