"""Attendance in the demonstration: sign-ups, badges, and scans at the gate and at session doors."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from conference.badges.services import CROCKFORD, SERIAL_LENGTH
from conference.checkin.models import GATE, CheckInResult
from conference.demo.services.figures import (
    DONOR_STATES,
    GATHERING_ATTENDEES,
    GATHERING_COUNTRIES,
    NGO_BRIEFING_ATTENDEES,
    NO_SHOW_SHARE,
    REVIEW_MECHANISM_ATTENDEES,
    ROUNDTABLE_ATTENDEES,
    ROUNDTABLE_INVITED,
    ROUNDTABLE_STATES,
)
from conference.demo.services.people import Person
from conference.extensions import db
from conference.programme.models import Session, SessionKind, SignupStatus
from conference.registration.models import (
    NGO_TYPES,
    BadgeState,
    EntityType,
    ReviewMechanismContact,
    ReviewMechanismRole,
    TreatyStatus,
)


class Attendance:
    """The steps of `DemoBuilder` that record who came where (a mixin: the builder holds the state)."""

    def no_shows(self) -> None:
        """Some approved participants never come: they hold a printed badge nobody collects and are never scanned.
        Heads of delegation and the second of each delegation (the named events draw on them) always come."""
        rng = self.rng
        candidates = [p for members in self.by_entity.values() for p in members[2:]]
        for p in rng.sample(candidates, round(NO_SHOW_SHARE * len(self.people))):
            p.no_show = True
            p.days = set()

    def attendance(self) -> tuple[list[dict], list[dict]]:
        """Sign-ups and scans at session doors; the named events get exactly their figures. Sign-ups are not
        attendance: some who signed up stay away, some come without signing up, and a popular event in a small
        room fills up and keeps a waiting list (the full room then admits only those with a seat)."""
        rng = self.rng
        signups: list[dict] = []
        scans: list[dict] = []

        def present(people, day, slot):
            return [p for p in people if not p.no_show and (day, slot) not in p.busy]

        def sign_up(session: Session, people: list[Person], status: SignupStatus, hours: tuple[int, int]):
            for p in people:
                signups.append({"session_id": session.id, "registration_id": p.registration.id, "status": status,
                                "created_at": session.published_at + timedelta(hours=rng.randrange(*hours))})

        def admit(session: Session, chosen: list[Person], signup_status: SignupStatus | None):
            day = self.c.local(session.starts_at).date()
            for p in chosen:
                p.days.add(day)  # they came that day, whatever they had planned
                p.busy.add((day, session.slot))
                scans.append(self._scan(p, session, session.starts_at - timedelta(minutes=rng.randrange(0, 15))))
            if signup_status is not None:
                sign_up(session, chosen, signup_status, (1, 300))

        def fill(session: Session, here: list[Person], *, came_signed: int, walk_ins: int, stayed_away: int,
                 waitlisted: int = 0):
            """`here` (shuffled) are those free at that hour; the absent sign-ups and the waiting list are anyone
            else, the no-shows among them."""
            came = here[:came_signed + walk_ins]
            taken = {id(p) for p in came}
            elsewhere = rng.sample([p for p in self.people if id(p) not in taken], stayed_away + waitlisted)
            admit(session, came, None)
            sign_up(session, came[:came_signed] + elsewhere[:stayed_away], SignupStatus.CONFIRMED, (1, 200))
            sign_up(session, elsewhere[stayed_away:], SignupStatus.WAITLISTED, (200, 300))

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
        states = [e for e in self.states if self.treaty_status[e.iso3] == TreatyStatus.PARTY]
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

        # Review Mechanism side event: more than 100 attendees, a few of them without signing up.
        rm_day = self.c.local(self.rm_event.starts_at).date()
        pool = [p for p in self.people if p.entity.entity_type != EntityType.MEDIA]
        rng.shuffle(pool)
        pool = present(pool, rm_day, "lunch")
        fill(self.rm_event, pool, came_signed=REVIEW_MECHANISM_ATTENDEES - 9, walk_ins=9, stayed_away=23)

        # The NGO briefing on the opening morning: some 50, nearly all from NGOs.
        b_day = self.c.local(self.ngo_briefing.starts_at).date()
        ngo_people = present([p for p in self.people if p.entity.entity_type in NGO_TYPES], b_day, "morning")
        rng.shuffle(ngo_people)
        fill(self.ngo_briefing, ngo_people, came_signed=NGO_BRIEFING_ATTENDEES - 4, walk_ins=4, stayed_away=9)

        # Every other side event and briefing: some of those at the venue that day, fewer than the Review Mechanism
        # event's 112, which the published record singles out. One in four small rooms fills up.
        for s in self.sessions:
            if s.kind in (SessionKind.SIDE_EVENT, SessionKind.BRIEFING) and s not in (self.rm_event,
                                                                                     self.ngo_briefing):
                day = self.c.local(s.starts_at).date()
                here = present([p for p in self.people if day in p.days], day, s.slot)
                rng.shuffle(here)
                if s.capacity <= 100 and rng.random() < 0.25:
                    came = min(len(here), int(s.capacity * rng.uniform(0.8, 0.92)))
                    fill(s, here, came_signed=came, walk_ins=0, stayed_away=s.capacity - came,
                         waitlisted=rng.randrange(5, 30))
                else:
                    signed = rng.randrange(max(10, s.capacity // 5), max(11, int(s.capacity * 0.8)))
                    came_signed = min(len(here), int(signed * rng.uniform(0.7, 0.9)), 90)
                    walk_ins = min(len(here) - came_signed, rng.randrange(0, 1 + signed // 8), 95 - came_signed)
                    fill(s, here, came_signed=came_signed, walk_ins=walk_ins, stayed_away=signed - came_signed)
        return signups, scans

    def _scan(self, p: Person, session: Session | None, at: datetime) -> dict:
        return {"conference_id": self.c.id, "registration_id": p.registration.id,
                "session_id": session.id if session else None,
                "door": f"session-{session.id}" if session else GATE, "scanned_at": at,
                "venue_day": self.c.local(at).date(), "device": "demo-scanner",
                "result": CheckInResult.ADMITTED, "serial": p.registration.badge_serial or ""}

    def badges_and_gate(self) -> tuple[list[dict], list[dict]]:
        """Everyone who came collected a badge and came through the gate on each day at the venue."""
        c, rng = self.c, self.rng
        badges, scans = [], []
        printed = c.opens_at - timedelta(days=3)
        for p in self.people:
            reg = p.registration
            if p.no_show:  # printed for them, never collected, never scanned
                reg.badge_serial = self._serial()
                reg.badge_state = BadgeState.PRINTED
                badges.append({"registration_id": reg.id, "serial": reg.badge_serial, "issued_at": printed,
                               "printed_at": printed, "collected_at": None})
                continue
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
        for p in [p for p in self.people if not p.no_show][:25]:
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
