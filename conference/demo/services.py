"""The demonstration session: UNTOC COP12 as domain.md describes it, built deterministically.

Everything is drawn from one seeded random generator, so two loads give the
same people, programme and figures. Only the secret tokens (status page,
agenda feed) come from `secrets`: they are secrets even in a demonstration.
"""

from __future__ import annotations

import random
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import insert, select

from conference.badges.models import Badge
from conference.badges.services import CROCKFORD, SERIAL_LENGTH
from conference.checkin.models import GATE, CheckIn, CheckInResult
from conference.conferences.models import Conference, Room
from conference.core import audit
from conference.core.errors import RuleViolation
from conference.core.i18n import _
from conference.demo import data
from conference.extensions import db
from conference.programme.models import (
    OrganizerRole,
    Session,
    SessionFormat,
    SessionKind,
    SessionOrganizer,
    SessionSignup,
    SessionSpeaker,
    SessionStatus,
    SignupStatus,
)
from conference.registration.models import (
    BadgeState,
    CredentialsStatus,
    Delegation,
    DelegationRole,
    EcosocStatus,
    EntityType,
    Gender,
    Modality,
    NgoAdmission,
    NominationDocumentKind,
    ParticipatingEntity,
    RegionalGroup,
    Registration,
    RegistrationStatus,
    ReviewMechanismContact,
    ReviewMechanismRole,
)
from conference.registration.services import name_key as registration_name_key

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


@dataclass
class Person:
    registration: Registration
    entity: ParticipatingEntity
    days: set[date] = field(default_factory=set)
    busy: set[tuple[date, str]] = field(default_factory=set)


def allocate(total: int, weights: list[float], minimum: int = 1) -> list[int]:
    """Split `total` into whole shares proportional to `weights`, each at least `minimum` (largest remainder)."""
    base = total - minimum * len(weights)
    if base < 0:
        raise ValueError("total too small for the minimum shares")
    scale = sum(weights)
    raw = [base * w / scale for w in weights]
    shares = [int(r) for r in raw]
    order = sorted(range(len(weights)), key=lambda i: raw[i] - shares[i], reverse=True)
    for i in order[: base - sum(shares)]:
        shares[i] += 1
    return [s + minimum for s in shares]


class DemoBuilder:
    def __init__(self, participants: int, seed: int = SEED):
        self.n = participants
        self.rng = random.Random(seed)
        self.people: list[Person] = []
        self.by_entity: dict[int, list[Person]] = {}
        self.serial = 0
        self.count = 0
        self.identities: set[tuple[str, date]] = set()

    # -- the session and its venue -------------------------------------------------
    def conference(self) -> Conference:
        c = Conference(
            code=CODE,
            title="Conference of the Parties to the United Nations Convention against Transnational "
                  "Organized Crime, twelfth session",
            short_title="UNTOC COP12",
            venue="Vienna International Centre",
            city="Vienna",
            timezone="Europe/Vienna",
            starts_on=date(2024, 10, 14),
            ends_on=date(2024, 10, 18),
            venue_opens=time(8, 0),
            venue_closes=time(20, 0),
            retention_days=365,
            ngo_quota=10,
            side_events_per_organizer=1,
            badge_scheme={},
        )
        c.opening_at = c.at_venue(date(2024, 10, 14), time(10, 0))
        c.side_event_slots = [{"starts": f"{a:%H:%M}", "ends": f"{b:%H:%M}"} for a, b in SLOTS.values()]
        c.registration_opens_at = c.at_venue(date(2024, 7, 1), time(9, 0))
        c.registration_closes_at = c.at_venue(date(2024, 10, 4), time(18, 0))
        c.side_events_open_at = c.at_venue(date(2024, 7, 15), time(9, 0))
        c.side_events_close_at = c.at_venue(date(2024, 8, 30), time(18, 0))
        db.session.add(c)
        for slug, name, building, capacity in data.ROOMS:
            db.session.add(Room(conference=c, slug=slug, name=name, building=building, capacity=capacity))
        db.session.flush()
        self.c = c
        self.rooms = {r.slug: r for r in c.rooms}
        return c

    # -- who takes part --------------------------------------------------------------
    def entities(self) -> None:
        existing = {(e.entity_type, e.name): e for e in db.session.scalars(select(ParticipatingEntity))}

        def entity(**kw) -> ParticipatingEntity:
            found = existing.get((EntityType(kw["entity_type"]), kw["name"]))
            if found is None:
                found = ParticipatingEntity(**kw)
                db.session.add(found)
            return found

        self.states = [entity(entity_type=t, name=name, iso3=iso3, regional_group=RegionalGroup(group))
                       for iso3, name, group, t, _pool in data.STATES]
        self.pool = {iso3: pool for iso3, _n, _g, _t, pool in data.STATES}
        self.eu = entity(entity_type=EntityType.STATE_PARTY, name=data.EUROPEAN_UNION[0],
                         short_name=data.EUROPEAN_UNION[1])
        self.orgs = [entity(entity_type=t, name=name, short_name=short, country_iso3=seat)
                     for t, name, short, seat in data.ORGANIZATIONS]
        self.media = [entity(entity_type=EntityType.MEDIA, name=name, country_iso3=seat)
                      for name, seat in data.MEDIA_OUTLETS]
        names = list(data.KNOWN_NGOS) + list(data.NGOS_IN_OTHER_SCRIPTS)
        combos = [f"{kind} for {topic} – {city}" for topic in data.NGO_TOPICS for kind in data.NGO_KINDS
                  for city in data.NGO_CITIES]
        self.rng.shuffle(combos)
        names += combos[: 212 - len(names)]
        self.ngos = []
        for i, name in enumerate(names):
            ecosoc = i % 7 not in (3, 6)  # about 150 of 212 in consultative status
            status = (EcosocStatus.SPECIAL if i % 11 else EcosocStatus.GENERAL) if ecosoc else None
            if ecosoc and i % 13 == 5:
                status = EcosocStatus.ROSTER
            self.ngos.append(entity(entity_type=EntityType.NGO_ECOSOC if ecosoc else EntityType.NGO_OTHER,
                                    name=name, ecosoc_status=status,
                                    country_iso3=self.rng.choice(data.STATES)[0]))
        db.session.flush()

    def delegations(self) -> None:
        c = self.c
        self.delegation: dict[int, Delegation] = {}
        received = c.at_venue(date(2024, 10, 11), time(12, 0))
        for i, e in enumerate(self.states + [self.eu] + self.orgs + self.ngos + self.media):
            d = Delegation(conference_id=c.id, entity_id=e.id)
            if e.entity_type in (EntityType.STATE_PARTY, EntityType.SIGNATORY, EntityType.NON_SIGNATORY):
                d.nomination_kind = NominationDocumentKind.NOTE_VERBALE
            elif e.entity_type in (EntityType.UN_ENTITY, EntityType.IGO):
                d.nomination_kind = NominationDocumentKind.OFFICIAL_LETTER
            elif e.entity_type == EntityType.MEDIA:
                d.nomination_kind = NominationDocumentKind.LETTER_OF_ASSIGNMENT
            else:
                d.nomination_kind = NominationDocumentKind.NGO_APPLICATION_LETTER
                d.quota = c.ngo_quota
            d.nomination_received_at = received - timedelta(days=10 + i % 40)
            if e.entity_type == EntityType.STATE_PARTY:
                # Credentials are due 24 hours before opening; a few arrive late or as copies.
                d.credentials_status = (CredentialsStatus.PENDING if i % 17 == 4 else
                                        CredentialsStatus.PROVISIONAL if i % 9 == 2 else CredentialsStatus.RECEIVED)
                if d.credentials_status != CredentialsStatus.PENDING:
                    d.credentials_received_at = received - timedelta(hours=i % 72)
            if e.entity_type == EntityType.NGO_ECOSOC:
                d.ngo_admission = NgoAdmission.ECOSOC
            elif e.entity_type == EntityType.NGO_OTHER:
                d.ngo_admission = NgoAdmission.ADMITTED
                d.ngo_listed_at = c.opens_at - timedelta(days=45)
            db.session.add(d)
            self.delegation[e.id] = d
        db.session.flush()

    # -- people ---------------------------------------------------------------------
    def participants(self) -> None:
        n = self.n
        media = allocate(max(len(self.media), round(14 * n / 1400)), [1.0] * len(self.media))
        eu = [max(2, round(6 * n / 1400))]
        orgs = allocate(max(len(self.orgs), round(60 * n / 1400)), [self.rng.uniform(1, 4) for _ in self.orgs])
        ngo_weights = [self.rng.uniform(0.3, 2.5) for _ in self.ngos]
        ngos = allocate(max(len(self.ngos), round(430 * n / 1400)), ngo_weights)
        if n <= DEFAULT_PARTICIPANTS:
            ngos = [min(s, self.c.ngo_quota) for s in ngos]  # the quota holds at the real session's size
        state_total = n - sum(media) - sum(eu) - sum(orgs) - sum(ngos)
        weights = []
        for e in self.states:
            w = self.rng.uniform(1.0, 3.0)
            if e.iso3 in DONOR_STATES:
                w += 2.5
            if e.iso3 in ("USA", "CHN", "RUS", "BRA", "IND", "NGA", "MEX", "JPN", "DEU", "FRA", "EGY", "AUT", "ITA"):
                w += 4
            weights.append(w)
        states = allocate(state_total, weights, minimum=2)

        # Participation dates: most stay the week, some come for part of it.
        for entities, sizes in ((self.states, states), ([self.eu], eu), (self.orgs, orgs),
                                (self.ngos, ngos), (self.media, media)):
            for e, size in zip(entities, sizes, strict=True):
                for k in range(size):
                    self._person(e, k)

    def _person(self, e: ParticipatingEntity, k: int) -> Person:
        rng = self.rng
        pool = self.pool.get(e.iso3 or e.country_iso3 or "", "english")
        if e.iso3 is None and e.entity_type in (EntityType.UN_ENTITY, EntityType.IGO, EntityType.STATE_PARTY):
            pool = rng.choice(["english", "french", "iberian", "german", "italian", "nordic"])
        elif e.iso3 is None and e.country_iso3:
            pool = self.pool.get(e.country_iso3, "english")
        is_state_delegation = e.entity_type in (EntityType.STATE_PARTY, EntityType.SIGNATORY,
                                                EntityType.NON_SIGNATORY)
        role = (DelegationRole.HEAD if k == 0 else rng.choice(
            [DelegationRole.ALTERNATE, DelegationRole.ADVISER, DelegationRole.ADVISER, DelegationRole.EXPERT,
             DelegationRole.EXPERT, DelegationRole.SUPPORT_STAFF])) if is_state_delegation \
            else DelegationRole.REPRESENTATIVE
        r = rng.random()
        women = 0.31 if role == DelegationRole.HEAD else 0.47
        gender = (Gender.FEMALE if r < women else Gender.MALE if r < 0.993 else
                  Gender.OTHER if r < 0.996 else Gender.UNDISCLOSED)
        female_names, male_names, family_names = data.NAMES[pool]
        given = rng.choice(female_names if gender == Gender.FEMALE else male_names
                           if gender == Gender.MALE else female_names + male_names)
        family = rng.choice(family_names)
        badge_name = f"{family}{given}" if pool in data.FAMILY_NAME_FIRST else f"{given} {family}"
        self.count += 1
        index = self.count
        email = f"participant{index:05d}@{(e.iso3 or e.short_name or 'org').lower()}.delegates.example"
        email = "".join(ch for ch in email if ch.isascii() and (ch.isalnum() or ch in "@.-"))
        name_key = registration_name_key(family, given)
        while True:  # one person per name and date of birth (a unique index holds it)
            birth = date(1950, 1, 1) + timedelta(days=rng.randrange(0, 50 * 365))
            if (name_key, birth) not in self.identities:
                self.identities.add((name_key, birth))
                break
        c = self.c
        submitted = c.registration_opens_at + timedelta(hours=rng.randrange(0, 24 * 90))
        days = c.days
        if rng.random() < 0.7:
            first, last = 0, len(days) - 1
        else:
            first = rng.randrange(0, len(days))
            last = rng.randrange(first, len(days))
        title = {"female": "Ms.", "male": "Mr."}.get(gender.value, "")
        reg = Registration(
            conference_id=c.id, delegation_id=self.delegation[e.id].id, title=title,
            family_name=family, given_names=given, badge_name=badge_name, name_key=name_key,
            gender=gender, nationality=e.iso3 or e.country_iso3, date_of_birth=birth,
            passport_number=f"P{(e.iso3 or 'XX')[:2]}{index:07d}",
            passport_expiry=date(2027, 1, 1) + timedelta(days=rng.randrange(0, 3000)),
            function_title=self._function(e, role), organization=e.short_name or e.name, email=email,
            phone=f"+43 1 2606 {index:04d}", language=rng.choice(["en", "en", "en", "fr", "es", "ru", "ar", "zh"]),
            delegation_role=role, modality=Modality.IN_PERSON,
            attendance_from=days[first], attendance_to=days[last],
            status=RegistrationStatus.APPROVED, submitted_at=submitted, consent_at=submitted,
            approved_at=min(submitted + timedelta(days=rng.randrange(1, 12)), c.opens_at - timedelta(days=1)),
            status_token=secrets.token_urlsafe(32), agenda_token=secrets.token_urlsafe(32),
        )
        person = Person(reg, e, set(days[first:last + 1]))
        self.people.append(person)
        self.by_entity.setdefault(e.id, []).append(person)
        return person

    @staticmethod
    def _function(e: ParticipatingEntity, role: DelegationRole) -> str:
        if role == DelegationRole.HEAD:
            return "Permanent Representative" if e.iso3 else "Head of delegation"
        return {DelegationRole.ALTERNATE: "Deputy Permanent Representative", DelegationRole.ADVISER: "Counsellor",
                DelegationRole.EXPERT: "Senior Prosecutor", DelegationRole.SUPPORT_STAFF: "Assistant",
                DelegationRole.REPRESENTATIVE: "Programme Officer"}[role]

    def other_registrations(self) -> None:
        """Registrations still in the pipeline or turned down: not participants, but the back office sees them."""
        statuses = ([RegistrationStatus.SUBMITTED] * 20 + [RegistrationStatus.PREAPPROVED] * 10
                    + [RegistrationStatus.NEEDS_INFO] * 10 + [RegistrationStatus.REJECTED] * 8
                    + [RegistrationStatus.WITHDRAWN] * 6 + [RegistrationStatus.DRAFT] * 6)
        big = [e for e in self.states if len(self.by_entity.get(e.id, [])) >= 4]
        for i, status in enumerate(statuses):
            e = big[i % len(big)]
            person = self._person(e, k=1)
            self.people.pop()
            self.by_entity[e.id].pop()
            reg = person.registration
            if reg.delegation_role == DelegationRole.HEAD:
                reg.delegation_role = DelegationRole.ADVISER
            reg.status = status
            reg.approved_at = None
            if status == RegistrationStatus.DRAFT:
                reg.submitted_at = None
            reg.status_reason = {RegistrationStatus.REJECTED: "Not nominated by the permanent mission.",
                                 RegistrationStatus.NEEDS_INFO: "Please upload a passport-style photo."}.get(status, "")
            db.session.add(reg)

    # -- the programme --------------------------------------------------------------
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
                                   ("Permanent Representative of the European Union", "", "undisclosed"),
                                   ("Permanent Representative of Italy", "", "undisclosed"),
                                   ("Permanent Representative of El Salvador", "", "undisclosed")])
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
        self._event(SessionKind.BRIEFING, "Briefing for non-governmental organizations",
                    take(c.days[0], "morning", "m3"), lead=None, co=[], expected=80, capacity=140,
                    published=published)
        self._event(SessionKind.BRIEFING, "Briefing for new delegates on the Review Mechanism",
                    take(c.days[0], "morning", "m1"), lead=None, co=[], expected=60, capacity=120,
                    published=published)

        # The other side events, at lunch mostly, in rooms big enough, each lead organizer once.
        candidates = [e for e in self.states + self.orgs + self.ngos if e.id not in leads_used]
        rng.shuffle(candidates)
        slots = sorted(free, key=lambda f: (f[1] != "lunch", rng.random()))
        titles = [f"{topic}: {angle}" for topic in data.SIDE_EVENT_TOPICS for angle in data.SIDE_EVENT_ANGLES]
        rng.shuffle(titles)
        made = 1
        for place in slots:
            if made >= SIDE_EVENTS:
                break
            capacity = self.rooms[place[2]].capacity
            lead = candidates.pop()
            co = [e for e in rng.sample(self.states + self.orgs + self.ngos, rng.randrange(0, 4))
                  if e.id != lead.id]
            self._event(SessionKind.SIDE_EVENT, titles[made], place, lead=lead, co=co,
                        expected=rng.randrange(max(20, capacity // 3), capacity + 1), capacity=capacity,
                        published=published, format=rng.choice(list(SessionFormat)))
            free.discard(place)
            made += 1
        db.session.flush()

    def _state(self, iso3: str) -> ParticipatingEntity:
        return next(e for e in self.states if e.iso3 == iso3)

    def _event(self, kind, title, place, *, lead, co, expected, capacity, published, closed=False,
               description="", speakers=None, format=SessionFormat.IN_PERSON) -> Session:
        day, slot, room = place
        start, end = SLOTS[slot]
        s = self._session(kind, title, room, day, start, end, published, capacity=capacity,
                          expected_attendance=expected, is_closed=closed, format=format,
                          description=description or f"A side event on {title[0].lower()}{title[1:]}.",
                          languages="en")
        s.slot = slot  # transient: used when picking attendees
        if lead is not None:
            s.organizers.append(SessionOrganizer(entity_id=lead.id, role=OrganizerRole.LEAD, position=0,
                                                 confirmed_at=published))
        for i, e in enumerate(co, start=1):
            s.organizers.append(SessionOrganizer(entity_id=e.id, role=OrganizerRole.CO_ORGANIZER, position=i,
                                                 confirmed_at=published))
        if speakers is None and kind == SessionKind.SIDE_EVENT:
            speakers = []
            for _ in range(self.rng.randrange(3, 6)):
                pool = self.rng.choice(["english", "french", "iberian", "west_african", "south_asian", "arabic"])
                female_names, male_names, family_names = data.NAMES[pool]
                gender = self.rng.choice(["female", "male"])
                while True:
                    name = f"{self.rng.choice(female_names if gender == 'female' else male_names)} " \
                           f"{self.rng.choice(family_names)}"
                    if name not in self.speakers_used:  # nobody speaks on two panels at once
                        self.speakers_used.add(name)
                        break
                speakers.append((name, "Panellist", gender))
        for i, (name, function, gender) in enumerate(speakers or []):
            self.speakers_used.add(name)
            s.speakers.append(SessionSpeaker(position=i, name=name, function_title=function, gender=gender))
        return s

    # -- attendance ----------------------------------------------------------------
    def attendance(self) -> tuple[list[dict], list[dict]]:
        """Sign-ups and scans at session doors; the three named events get exactly their figures."""
        rng = self.rng
        signups: list[dict] = []
        scans: list[dict] = []

        def present(people, day, slot):
            return [p for p in people if (day, slot) not in p.busy]

        def admit(session: Session, chosen: list[Person], signup_status: SignupStatus | None):
            day = self.c.local(session.starts_at).date()
            for p in chosen:
                p.days.add(day)  # they came that day, whatever they had planned
                p.busy.add((day, session.slot))
                if signup_status is not None:
                    signups.append({"session_id": session.id, "registration_id": p.registration.id,
                                    "status": signup_status, "created_at": session.published_at
                                    + timedelta(hours=rng.randrange(1, 300))})
                scans.append(self._scan(p, session, session.starts_at - timedelta(minutes=rng.randrange(0, 15))))

        # Roundtable: 40 invited from 22 donor States parties; 37 came, from 21 of them.
        donors = [self.by_entity[self._state(iso3).id] for iso3 in DONOR_STATES[:ROUNDTABLE_STATES + 1]]
        firsts = [members[0] for members in donors[:ROUNDTABLE_STATES]]
        seconds = [members[1] for members in donors[:ROUNDTABLE_STATES]]
        came = firsts + seconds[: ROUNDTABLE_ATTENDEES - len(firsts)]
        stayed_away = seconds[ROUNDTABLE_ATTENDEES - len(firsts):] + [donors[-1][0]]
        invited = (came + stayed_away)[:ROUNDTABLE_INVITED]
        for p in invited:
            signups.append({"session_id": self.roundtable.id, "registration_id": p.registration.id,
                            "status": SignupStatus.INVITED, "created_at": self.roundtable.published_at})
        admit(self.roundtable, came, None)

        # Gathering: focal points and experts of 57 countries, one or two each.
        g_day = self.c.local(self.gathering.starts_at).date()
        states = [e for e in self.states if e.entity_type == EntityType.STATE_PARTY]
        rng.shuffle(states)
        countries = states[:GATHERING_COUNTRIES]
        chosen = [present(self.by_entity[e.id], g_day, "evening")[0] for e in countries]
        seconds = [present(self.by_entity[e.id], g_day, "evening")[1] for e in countries
                   if len(self.by_entity[e.id]) >= 2]
        chosen += seconds[: GATHERING_ATTENDEES - len(chosen)]
        admit(self.gathering, chosen, SignupStatus.CONFIRMED)
        first_of_country: set[int] = set()
        for p in chosen:
            role = ReviewMechanismRole.FOCAL_POINT if p.entity.id not in first_of_country \
                else ReviewMechanismRole.GOVERNMENTAL_EXPERT
            first_of_country.add(p.entity.id)
            db.session.add(ReviewMechanismContact(
                entity_id=p.entity.id, role=role, family_name=p.registration.family_name,
                given_names=p.registration.given_names, email=p.registration.email, since=date(2020, 1, 1)))

        # Review Mechanism side event: more than 100 attendees.
        rm_day = self.c.local(self.rm_event.starts_at).date()
        pool = [p for p in self.people if p.entity.entity_type != EntityType.MEDIA]
        rng.shuffle(pool)
        pool = present(pool, rm_day, "lunch")
        admit(self.rm_event, pool[:REVIEW_MECHANISM_ATTENDEES], SignupStatus.CONFIRMED)

        # Every other side event and briefing: some of those at the venue that day.
        for s in self.sessions:
            if s.kind in (SessionKind.SIDE_EVENT, SessionKind.BRIEFING) and s not in (self.rm_event,):
                day = self.c.local(s.starts_at).date()
                here = present([p for p in self.people if day in p.days], day, s.slot)
                rng.shuffle(here)
                # Fewer than the Review Mechanism event's 112, which domain.md singles out.
                n = min(len(here), 95, rng.randrange(max(10, s.capacity // 5), max(11, int(s.capacity * 0.85))))
                admit(s, here[:n], SignupStatus.CONFIRMED)
        return signups, scans

    def _scan(self, p: Person, session: Session | None, at: datetime) -> dict:
        return {"conference_id": self.c.id, "registration_id": p.registration.id,
                "session_id": session.id if session else None,
                "door": f"session-{session.id}" if session else GATE, "scanned_at": at,
                "venue_day": self.c.local(at).date(), "device": "demo-scanner",
                "result": CheckInResult.ADMITTED, "serial": p.registration.badge_serial or ""}

    def badges_and_gate(self) -> tuple[list[dict], list[dict]]:
        """Everyone collected a badge and came through the gate on each day at the venue."""
        c, rng = self.c, self.rng
        badges, scans = [], []
        printed = c.opens_at - timedelta(days=3)
        for p in self.people:
            reg = p.registration
            first_day = min(p.days)
            collected = c.at_venue(first_day, time(8, 0)) + timedelta(minutes=rng.randrange(0, 90))
            reg.badge_serial = self._serial()
            reg.badge_state = BadgeState.COLLECTED
            badges.append({"registration_id": reg.id, "serial": reg.badge_serial, "issued_at": printed,
                           "printed_at": printed, "collected_at": collected})
            reg.attendance_from, reg.attendance_to = min(p.days), max(p.days)
            for day in sorted(p.days):
                at = c.at_venue(day, time(8, 0)) + timedelta(minutes=rng.randrange(0, 150))
                scans.append(self._scan(p, None, max(at, collected) if day == first_day else at))
        # Doors see mistakes too: a badge scanned twice, a forged code.
        for p in self.people[:25]:
            scan = self._scan(p, None, c.at_venue(min(p.days), time(10, 40)))
            scan["result"] = CheckInResult.ALREADY_ADMITTED
            scans.append(scan)
        scans.append({"conference_id": c.id, "registration_id": None, "session_id": None, "door": GATE,
                      "scanned_at": c.at_venue(c.days[1], time(9, 5)), "venue_day": c.days[1],
                      "device": "demo-scanner", "result": CheckInResult.FORGED, "serial": "FORGED-0000"})
        return badges, scans

    def _serial(self) -> str:
        # Serials as the badge desk issues them (door staff can type them), but from the seeded generator: the same
        # demonstration every time.
        self.serial += 1
        return "".join(self.rng.choice(CROCKFORD) for _ in range(SERIAL_LENGTH))


def _ordinal(n: int) -> str:
    return "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")


def load_demo(participants: int = DEFAULT_PARTICIPANTS, seed: int = SEED) -> tuple[Conference, bool]:
    """Build the demonstration session `cop12`, or return it as it is when it exists.

    Returns the conference and whether it was created. Flushes, does not commit:
    the caller commits, so a failure leaves nothing behind.
    """
    existing = db.session.scalar(select(Conference).where(Conference.code == CODE))
    if existing is not None:
        return existing, False
    if participants < MIN_PARTICIPANTS:
        raise RuleViolation(_("the demonstration needs at least %(least)d participants for its 131 States, 15 IGOs "
                              "and 212 NGOs (asked for %(asked)d)", least=MIN_PARTICIPANTS, asked=participants))
    b = DemoBuilder(participants, seed)
    c = b.conference()
    b.entities()
    b.delegations()
    b.participants()
    b.other_registrations()
    db.session.add_all(p.registration for p in b.people)
    b.sittings()
    b.side_events()
    db.session.flush()
    signups, session_scans = b.attendance()
    badges, gate_scans = b.badges_and_gate()
    db.session.flush()
    if badges:
        db.session.execute(insert(Badge), badges)
    if signups:
        db.session.execute(insert(SessionSignup), signups)
    db.session.execute(insert(CheckIn), gate_scans + session_scans)
    audit.record("conference.demo_loaded", c, actor="command line",
                 after={"participants": participants, "seed": seed})
    return c, True
