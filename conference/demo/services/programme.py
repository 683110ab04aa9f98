"""The demonstration's programme: plenary and committee sittings, the three events of domain.md, side events."""

from __future__ import annotations

from datetime import time, timedelta

from conference.demo import data, names
from conference.demo.services.figures import (
    GATHERING,
    MINISTERIAL_EVENT,
    NGO_BRIEFING,
    REVIEW_MECHANISM_EVENT,
    ROUNDTABLE,
    SIDE_EVENT_ROOMS,
    SIDE_EVENTS,
    SIDE_EVENTS_BY_NGOS,
    SLOTS,
)
from conference.extensions import db
from conference.programme.models import (
    OrganizerRole,
    Session,
    SessionFormat,
    SessionKind,
    SessionOrganizer,
    SessionSpeaker,
    SessionStatus,
)
from conference.registration.models import ParticipatingEntity

# Panellists of side events come from everywhere, with the functions such panels list.
PANEL_POOLS = ["english", "french", "iberian", "nigerian", "indian", "arabic", "german", "italian", "filipino",
               "east_african", "portuguese", "polish", "kazakh", "malay_indonesian", "ukrainian", "west_african"]
PANEL_FUNCTIONS = ["Senior Prosecutor", "Director, National Anti-Trafficking Agency", "Professor of Criminology",
                   "Executive Director", "Programme Officer, UNODC", "Investigative Journalist", "Judge",
                   "Head of the Financial Intelligence Unit", "Deputy Permanent Representative",
                   "Researcher", "Survivor Advocate", "Chief of Section, UNODC", "Commissioner of Police"]


class Programme:
    """The steps of `DemoBuilder` that make the programme (a mixin: the builder holds the state)."""

    def sittings(self) -> None:
        c = self.c
        self.sessions: list[Session] = []
        published = c.opens_at - timedelta(days=20)
        for n_day, day in enumerate(c.days):
            for n_sitting, (start, end) in enumerate(((time(10), time(13)), (time(15), time(18)))):
                number = 2 * n_day + n_sitting + 1
                self._session(SessionKind.PLENARY, f"Plenary, {number}{_ordinal(number)} meeting", "plenary-hall",
                              day, start, end, published, description="Open to all participants.")
                if 1 <= n_day <= 3:
                    self._session(SessionKind.COMMITTEE, "Committee of the Whole", "boardroom-d", day, start, end,
                                  published, description="Restricted to States parties and signatories.",
                                  restricted_to_parties=True)

    def _session(self, kind, title, room_slug, day, start, end, published_at, **kw) -> Session:
        c = self.c
        s = Session(conference_id=c.id, kind=kind, title=title, room_id=self.rooms[room_slug].id,
                    starts_at=c.at_venue(day, start), ends_at=c.at_venue(day, end),
                    status=SessionStatus.PUBLISHED, published_at=published_at,
                    submitted_at=published_at - timedelta(days=30),
                    **kw)
        db.session.add(s)
        self.sessions.append(s)
        return s

    def side_events(self) -> None:
        c, rng = self.c, self.rng
        published = c.opens_at - timedelta(days=14)
        free = {(day, slot, room) for day in c.days for slot in SLOTS for room in SIDE_EVENT_ROOMS}
        leads_used: set[int] = set()
        self.speakers_used: set[str] = set()

        def take(day, slot, room):
            free.remove((day, slot, room))
            return day, slot, room

        # The three events of domain.md, in their places first.
        italy = self._state("ITA")
        rm = self._event(SessionKind.SIDE_EVENT, REVIEW_MECHANISM_EVENT, take(c.days[0], "lunch", "boardroom-b"),
                         lead=italy, co=[self._state("UGA"), self._state("SLV"), self.eu], expected=150,
                         capacity=180, published=published,
                         speakers=[("Ghada Waly", "Executive Director, UNODC", "female"),
                                   ("Kiryowa Kiwanuka", "Attorney-General of Uganda", "male"),
                                   self._speaker("french", "Ambassador, Head of the Delegation of the European "
                                                 "Union to the International Organisations in Vienna"),
                                   self._speaker("italian", "Ambassador, Permanent Representative of Italy"),
                                   self._speaker("iberian", "Ambassador, Permanent Representative of "
                                                 "El Salvador")])
        leads_used.add(italy.id)
        self.rm_event = rm
        self.roundtable = self._event(
            SessionKind.ROUNDTABLE, ROUNDTABLE, take(c.days[2], "lunch", "m6"), lead=None, co=[],
            expected=40, capacity=45, published=published, closed=True,
            description="Closed meeting of donors and the secretariat, by invitation only.")
        self.gathering = self._event(
            SessionKind.NETWORKING, GATHERING, take(c.days[3], "evening", "c3"), lead=None, co=[],
            expected=110, capacity=130, published=published,
            description="Country focal points and governmental experts of the Review Mechanism meet informally.")
        self.ngo_briefing = self._event(
            SessionKind.BRIEFING, NGO_BRIEFING, take(c.days[0], "morning", "m3"), lead=None, co=[], expected=60,
            capacity=140, published=published,
            description="The secretariat briefs non-governmental organizations on the session and how to take part.")
        self._event(SessionKind.BRIEFING, "Briefing for new delegates on the Review Mechanism",
                    take(c.days[0], "morning", "m1"), lead=None, co=[], expected=60, capacity=120,
                    published=published)
        # The ministerial event of the opening day: convened by the secretariat, ministers on the panel.
        self.ministerial = self._event(
            SessionKind.SIDE_EVENT, MINISTERIAL_EVENT, take(c.days[0], "evening", "boardroom-b"), lead=None, co=[],
            expected=120, capacity=180, published=published,
            description="Ministers of justice and of the interior take stock of the Convention's implementation.",
            speakers=self._ministers())

        # The other side events, at lunch mostly, in rooms big enough, each lead organizer once. Exactly 26 of the
        # 59 have an NGO among their organizers (lead or co-organizer), as published; the others have none.
        ngos = [e for e in self.ngos]
        others = [e for e in self.states + self.orgs if e.id not in leads_used]
        rng.shuffle(ngos)
        rng.shuffle(others)
        free_ngos = list(ngos)
        slots = sorted(free, key=lambda f: (f[1] != "lunch", rng.random()))
        titles = list(data.SIDE_EVENT_TITLES)
        rng.shuffle(titles)
        remaining = SIDE_EVENTS - 2  # the Review Mechanism's and the ministerial event are made
        with_ngos = [True] * SIDE_EVENTS_BY_NGOS + [False] * (remaining - SIDE_EVENTS_BY_NGOS)
        rng.shuffle(with_ngos)
        for made, (place, ngo_event) in enumerate(zip(slots, with_ngos, strict=False)):
            capacity = self.rooms[place[2]].capacity
            co = [e for e in rng.sample(self.states + self.orgs, rng.randrange(0, 3))]
            if ngo_event and rng.random() < 0.65:  # an NGO leads, perhaps with other NGOs
                lead = free_ngos.pop()
                co += rng.sample([e for e in ngos if e.id != lead.id], rng.randrange(0, 2))
            else:
                lead = others.pop()
                if ngo_event:  # a State or an IGO leads with civil society as co-organizer
                    co += rng.sample(ngos, rng.randrange(1, 3))
            co = list(dict.fromkeys(e for e in co if e.id != lead.id))
            self._event(SessionKind.SIDE_EVENT, titles[made], place, lead=lead, co=co,
                        expected=rng.randrange(max(20, capacity // 3), capacity + 1), capacity=capacity,
                        published=published, format=rng.choice(list(SessionFormat)))
        db.session.flush()

    def _speaker(self, pool: str, function: str) -> tuple[str, str, str]:
        """A named speaker of either gender from the pool, never one already on a panel."""
        while True:
            gender = self.rng.choice(["female", "male"])
            female_names, male_names, family_names = names.NAMES[pool]
            given = self.rng.choice(female_names if gender == "female" else male_names)
            family = names.family_form(self.rng.choice(family_names), gender == "female")
            name = f"{family}{given}" if pool in names.FAMILY_NAME_FIRST else f"{given} {family}"
            if name not in self.speakers_used:
                self.speakers_used.add(name)
                return name, function, gender

    def _ministers(self) -> list[tuple[str, str, str]]:
        """The ministerial panel: ministers of a few States, named in their own pool."""
        return [self._speaker(self.pool[iso3], f"{office}, {self._state(iso3).name}")
                for iso3, office in (("AUT", "Federal Minister of Justice"),
                                     ("NGA", "Attorney General and Minister of Justice"),
                                     ("MEX", "Secretary of Security and Citizen Protection"),
                                     ("IDN", "Minister of Law and Human Rights"), ("FRA", "Minister of Justice"))]

    def _state(self, iso3: str) -> ParticipatingEntity:
        return next(e for e in self.states if e.iso3 == iso3)

    def _event(self, kind, title, place, *, lead, co, expected, capacity, published, closed=False,
               description="", speakers=None, format=SessionFormat.IN_PERSON) -> Session:
        day, slot, room = place
        start, end = SLOTS[slot]
        s = self._session(kind, title, room, day, start, end, published, capacity=capacity,
                          expected_attendance=expected, is_closed=closed, format=format,
                          description=description or f"Side event: {title}.",
                          languages="en")
        s.slot = slot  # transient: used when picking attendees
        if lead is not None:
            s.organizers.append(SessionOrganizer(entity_id=lead.id, role=OrganizerRole.LEAD, position=0,
                                                 confirmed_at=published))
        for i, e in enumerate(co, start=1):
            s.organizers.append(SessionOrganizer(entity_id=e.id, role=OrganizerRole.CO_ORGANIZER, position=i,
                                                 confirmed_at=published))
        if speakers is None and kind == SessionKind.SIDE_EVENT:
            speakers = [self._speaker(self.rng.choice(PANEL_POOLS), self.rng.choice(PANEL_FUNCTIONS))
                        for _ in range(self.rng.randrange(3, 6))]
        for i, (name, function, gender) in enumerate(speakers or []):
            self.speakers_used.add(name)
            s.speakers.append(SessionSpeaker(position=i, name=name, function_title=function, gender=gender))
        return s


def _ordinal(n: int) -> str:
    return "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
