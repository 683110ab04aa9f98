"""A COP28-shaped session, `cop28`, at any size up to and beyond 100,000 participants, built in bounded memory.

The UNFCCC's COP28 (Dubai, 30 November - 12 December 2023) registered some 97,000 people in person: 198 Parties'
delegations, the host's of 4,409, a few others over 1,000 and most far smaller; Party overflow and Party guest
badges beside the delegates; some 2,000 admitted observer organizations; thousands of journalists. This builder makes
a session of that shape for N approved participants (and some 6 % more registrations still pending, rejected or
withdrawn), with check-ins over the session's days for most of those approved.

Unlike the COP12 replay (conference/demo/services), which builds ORM objects to reproduce published figures exactly,
this one is about size: the entities and delegations are a few thousand rows (planned in memory), while the people,
badges and scans are generated lazily, one delegation at a time, and written with SQLAlchemy Core executemany in
batches of BATCH rows, each batch committed. Memory is bounded by the batch and by the name pools (the names already
given, keyed by name, never by person), not by N. The rows satisfy every constraint and hold what a real registration
would (tokens, serials, approval times); the registration rules of the services (quotas, deadlines) are not run
person by person, but the plan keeps to them (each delegation's quota holds its active registrations).
"""

from __future__ import annotations

import itertools
import math
import random
import secrets
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from statistics import NormalDist

from sqlalchemy import delete, insert, select

from conference.badges.models import Badge
from conference.badges.services import CROCKFORD, SERIAL_LENGTH
from conference.checkin.models import GATE, CheckIn, CheckInResult
from conference.conferences.models import Conference, Room
from conference.core import audit
from conference.core.errors import RuleViolation
from conference.core.i18n import _, fold
from conference.demo import data, names
from conference.demo.bulk import analyze, copy_rows, registration_ids
from conference.extensions import db
from conference.programme.models import OrganizerRole, Session, SessionKind, SessionOrganizer, SessionStatus
from conference.registration.document_models import DelegationDocument, DocumentKind
from conference.registration.models import (
    NGO_TYPES,
    PARTY_KINDS,
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
    Registration,
    RegistrationStatus,
    TreatyStatus,
)
from conference.registration.services.un_list import ORGANIZATION_KINDS, un_list

CODE = "cop28"
SEED = 28
BATCH = 5000  # rows per executemany and per commit: the memory the load needs, whatever N
MIN_PARTICIPANTS = 1000  # 198 Parties, 73 organizations, the observers and the press need that many
LARGE_FROM = 20000  # `demo --participants N` builds this session rather than the COP12 replay above this N

# Shares of the approved participants: Parties' people (delegates, overflow and guests), observer organizations, the
# UN system and other IGOs, the press, the secretariat and technical staff. At 100,000, beside the host's 4,409 and a
# few over 1,000, the other 192 Parties' delegations range from a handful to some 900, most of them 10 to 100 (median
# 85); observer organizations send 8 or so each (median), a few over 100. COP28's own mix gave Parties more (some
# 70 %): the share is lower here so that its delegations keep that shape.
SHARES = {"parties": 0.40, "ngos": 0.36, "igos": 0.07, "media": 0.10, "staff": 0.07}
HOST = "ARE"
# The largest delegations, as shares of all participants: the host's (4,409 of ~100,000), then a few over 1,000.
LARGEST = {HOST: 0.0441, "BRA": 0.031, "CHN": 0.0141, "NGA": 0.0141, "IDN": 0.0120, "JPN": 0.0105}
NGOS_PER_PARTICIPANT = 1 / 50  # ~2,000 admitted observer organizations at 100,000
MEDIA_PER_PARTICIPANT = 1 / 250
# Registrations that are not (or no longer) participants, as shares of the approved ones.
OTHER_STATUSES = {RegistrationStatus.SUBMITTED: 0.02, RegistrationStatus.PREAPPROVED: 0.008,
                  RegistrationStatus.NEEDS_INFO: 0.007, RegistrationStatus.REJECTED: 0.01,
                  RegistrationStatus.WITHDRAWN: 0.01, RegistrationStatus.DRAFT: 0.005}
ATTENDED_SHARE = 0.85  # the others hold a printed badge nobody collected
# States outside the UN list that are Parties to the UNFCCC (no regional group).
EXTRA_PARTIES = [("COK", "Cook Islands"), ("NIU", "Niue")]
GROUP_POOLS = {"AFRICAN": "east_african", "ASIA_PACIFIC": "malay_indonesian", "EASTERN_EUROPEAN": "russian",
               "GRULAC": "iberian", "WEOG": "english", None: "english"}
MEDIA_KINDS = ["Daily", "Herald", "Radio", "Television", "News Agency", "Climate Desk", "Weekly", "Tribune"]
STAFF = [(EntityType.SECRETARIAT, "UNFCCC secretariat"), (EntityType.HOST_COUNTRY, "COP28 Presidency, technical staff"),
         (EntityType.OTHER, "Contractors and service providers")]


@dataclass
class Planned:
    """One delegation to be made: its entity and how many of its people are in each role and state."""

    entity_id: int
    entity_type: EntityType
    pool: str
    domain: str
    approved: int
    nationality: str | None = None
    overflow: int = 0  # of the approved, Party overflow
    guests: int = 0  # of the approved, Party guests
    others: int = 0  # registrations not approved (pending, rejected, withdrawn, drafts)
    delegation_id: int = 0


def tail_sizes(total: int, count: int, cap: int, sigma: float = 1.0, least: int = 3) -> list[int]:
    """`count` delegation sizes adding up to `total`, log-normally spread (the quantiles, not random draws: the
    same shape every time), from `least` to at most `cap`: a long tail of small delegations, a few large ones."""
    weights = [math.exp(sigma * NormalDist().inv_cdf((i + 0.5) / count)) for i in range(count)]
    lo, hi = 0.0, float(total)
    for _step in range(80):  # bisection on the median: the sum grows with it
        median = (lo + hi) / 2
        lo, hi = (median, hi) if sum(min(cap, max(least, int(median * w))) for w in weights) < total else (lo, median)
    sizes = sorted((min(cap, max(least, int(hi * w))) for w in weights), reverse=True)
    for i in itertools.cycle(range(count)):  # the rounding, taken from (or given to) the largest of the tail
        if (gap := total - sum(sizes)) == 0 or not least <= sizes[i] + (1 if gap > 0 else -1) <= cap:
            break
        sizes[i] += 1 if gap > 0 else -1
    return sizes


class LargeBuilder:
    def __init__(self, participants: int, seed: int = SEED):
        self.n = participants
        self.rng = random.Random(seed)
        self.index = 0  # people made so far: emails, passports and serials are numbered by it
        self.births: dict[str, int] = {}  # people per name key: their dates of birth differ (a unique index)
        self.serial_base = self.rng.getrandbits(50)

    # -- the session and its entities (a few thousand rows) -----------------------------------------------------
    def conference(self) -> Conference:
        c = Conference(code=CODE, title="Conference of the Parties to the United Nations Framework Convention on "
                                        "Climate Change, twenty-eighth session",
                       short_title="UNFCCC COP28", venue="Expo City Dubai", city="Dubai",
                       contact_email="secretariat@cop28.example", timezone="Asia/Dubai",
                       starts_on=date(2023, 11, 30), ends_on=date(2023, 12, 12), venue_opens=time(8, 0),
                       venue_closes=time(20, 0), retention_days=365, ngo_quota=10, side_events_per_organizer=1,
                       badge_scheme={})
        c.opening_at = c.at_venue(c.starts_on, time(10, 0))
        c.registration_opens_at = c.at_venue(date(2023, 8, 1), time(9, 0))
        c.registration_closes_at = c.at_venue(date(2023, 11, 20), time(18, 0))
        db.session.add(c)
        for slug, name, building, capacity in (("plenary-al-waha", "Al Waha Theatre", "Blue Zone", 3000),
                                               ("plenary-2", "Plenary 2", "Blue Zone", 1500),
                                               ("meeting-1", "Meeting Room 1", "Blue Zone", 300),
                                               ("side-event-1", "Side Event Room 1", "Blue Zone", 200),
                                               ("side-event-2", "Side Event Room 2", "Blue Zone", 200)):
            db.session.add(Room(conference=c, slug=slug, name=name, building=building, capacity=capacity))
        db.session.flush()
        self.c = c
        return c

    def _entities(self, rows: list[dict], key) -> dict:
        """The entities `rows` describe, inserted when missing (matched by `key`, a function of a row or an entity),
        as {key: id}."""
        existing = {key(e): e.id for e in db.session.scalars(select(ParticipatingEntity))}
        missing = [r for r in rows if key(r) not in existing]
        for start in range(0, len(missing), BATCH):
            db.session.execute(insert(ParticipatingEntity.__table__), missing[start:start + BATCH])
        if missing:
            existing = {key(e): e.id for e in db.session.scalars(select(ParticipatingEntity))}
        return {key(r): existing[key(r)] for r in rows}

    def plan(self) -> list[Planned]:
        """Every delegation and its sizes: 198 Parties, the organizations of the UN list, N/50 NGOs, N/250 outlets,
        the secretariat and the technical staff."""
        rng, n = self.rng, self.n
        pools = {iso3: pool for iso3, _n, _g, _t, pool in data.STATES}
        listed = [u for u in un_list() if u.is_state] + [None]  # None: the European Union
        state_rows = [{"entity_type": EntityType.STATE, "name": u.name, "iso3": u.iso3,
                       "regional_group": u.regional_group, "names": {k: v for k, v in u.names.items() if k != "en"}}
                      for u in listed if u is not None]
        state_rows += [{"entity_type": EntityType.STATE, "name": name, "iso3": iso3, "regional_group": None,
                        "names": {}} for iso3, name in EXTRA_PARTIES]
        states = self._entities(state_rows, lambda r: _get(r, "iso3"))
        eu_name, eu_short = data.EUROPEAN_UNION
        orgs = [u for u in un_list() if not u.is_state]
        org_rows = [{"entity_type": ORGANIZATION_KINDS[u.kind], "name": u.name, "short_name": u.acronym or None,
                     "names": {k: v for k, v in u.names.items() if k != "en"}} for u in orgs]
        organizations = self._entities(org_rows, lambda r: (_get(r, "entity_type"), _get(r, "name")))
        eu = organizations[(EntityType.REIO, eu_name)]
        combos = [(f"{kind} for {topic} – {city}", iso3) for topic in data.NGO_TOPICS for kind in data.NGO_KINDS
                  for city, iso3 in data.NGO_CITIES.items()]
        rng.shuffle(combos)
        n_ngos = max(10, min(len(combos), round(n * NGOS_PER_PARTICIPANT)))
        ngo_rows = []
        for i, (name, seat) in enumerate(combos[:n_ngos]):
            ecosoc = i % 3 != 2
            ngo_rows.append({"entity_type": EntityType.NGO_ECOSOC if ecosoc else EntityType.NGO_OTHER, "name": name,
                             "country_iso3": seat, "ecosoc_status": EcosocStatus.SPECIAL if ecosoc else None})
        # An NGO of the same name from another session is the same organization, whichever its category.
        ngos = self._entities(ngo_rows, lambda r: _get(r, "name") if _get(r, "entity_type") in NGO_TYPES else None)
        outlets = [(f"{city} {kind}", iso3) for kind in MEDIA_KINDS for city, iso3 in data.NGO_CITIES.items()]
        media_rows = [{"entity_type": EntityType.MEDIA, "name": name, "country_iso3": seat}
                      for name, seat in outlets[:max(5, min(len(outlets), round(n * MEDIA_PER_PARTICIPANT)))]]
        media = self._entities(media_rows, lambda r: (_get(r, "entity_type"), _get(r, "name")))
        staff = self._entities([{"entity_type": t, "name": name, "country_iso3": "ARE"} for t, name in STAFF],
                               lambda r: (_get(r, "entity_type"), _get(r, "name")))

        # Parties: the host's and a few others' fixed, the rest falling with rank (shuffled among the States).
        parties = n * SHARES["parties"]
        party_ids = [(iso3, states[iso3]) for iso3 in (r["iso3"] for r in state_rows)] + [(None, eu)]
        fixed = [max(2, round(share * n)) for share in LARGEST.values()]
        others = [p for p in party_ids if p[0] not in LARGEST]
        rng.shuffle(others)
        rest = round(parties) - sum(fixed)  # at the smallest N, some Parties send one person
        sizes = fixed + tail_sizes(rest, len(others), round(min(fixed) * 0.9), sigma=1.1,
                                   least=max(1, min(3, rest // len(others))))
        group = {r["iso3"]: r["regional_group"] for r in state_rows}
        plan = []
        for (iso3, entity_id), size in zip([(i, states[i]) for i in LARGEST] + others, sizes, strict=True):
            pool = pools.get(iso3) or GROUP_POOLS.get(group.get(iso3), "english") if iso3 else "french"
            p = Planned(entity_id, EntityType.STATE, pool, (iso3 or "eu").lower(), size, iso3)
            # Large delegations badge part of their people as overflow (a third of the host's), and bring guests.
            if size >= 40:
                p.overflow = round(size * min(0.45, size / 3000))
                p.guests = round(size * (0.08 if iso3 == HOST else 0.03))
            plan.append(p)
        plan += self._spread(ngos.values(), EntityType.NGO_ECOSOC, n * SHARES["ngos"], "ngo", heavy=True)
        plan += self._spread(organizations.values(), EntityType.IGO, n * SHARES["igos"], "igo", skip={eu})
        plan += self._spread(media.values(), EntityType.MEDIA, n * SHARES["media"], "press")
        plan += self._spread(staff.values(), EntityType.SECRETARIAT, n * SHARES["staff"], "staff")
        # The rounding: the Parties' largest delegation takes up the difference with N exactly.
        plan[0].approved += n - sum(p.approved for p in plan)
        assert plan[0].approved > plan[1].approved, "MIN_PARTICIPANTS too low for the shape"
        types = dict(db.session.execute(select(ParticipatingEntity.id, ParticipatingEntity.entity_type)).all())
        for p in plan:
            p.entity_type = types[p.entity_id]
            p.others = sum(1 for _k in range(p.approved) if rng.random() < sum(OTHER_STATUSES.values())) \
                if p.approved >= 5 else 0
        return plan

    def _spread(self, entity_ids, kind, total, domain, heavy=False, skip=()) -> list[Planned]:
        """`total` people over the entities, at least one each; `heavy`: most send a few, some many (Pareto)."""
        ids = [i for i in entity_ids if i not in skip]
        # Capped: the largest observer organizations send a few hundred at 100,000, never a Party's thousands.
        weights = [min(40.0, self.rng.paretovariate(1.2)) if heavy else self.rng.uniform(0.5, 2.0) for _ in ids]
        total = max(len(ids), round(total))
        scale = (total - len(ids)) / sum(weights)
        # Nobody outgrows half the host's delegation, at any N (with few organizations, a heavy one would).
        cap = max(1, round(LARGEST[HOST] * self.n / 2))
        sizes = [1 + min(cap, int(w * scale)) for w in weights]
        for i in range(total - sum(sizes)):
            sizes[i % len(sizes)] += 1
        pools = list(GROUP_POOLS.values()) + ["french", "arabic", "chinese", "indian", "german"]
        return [Planned(i, kind, self.rng.choice(pools), domain, s) for i, s in zip(ids, sizes, strict=True)]

    def delegations(self, plan: list[Planned]) -> None:
        c = self.c
        received = c.opens_at - timedelta(days=12)
        rows = []
        for i, p in enumerate(plan):
            t = p.entity_type
            active = p.approved + p.others
            row = {"conference_id": c.id, "entity_id": p.entity_id, "quota": None,
                   "credentials_status": CredentialsStatus.NOT_REQUIRED, "credentials_received_at": None,
                   "ngo_admission": NgoAdmission.NOT_APPLICABLE, "ngo_listed_at": None,
                   # The Parties of COP28 are parties to its Convention: each delegation's status at this session.
                   "treaty_status": TreatyStatus.PARTY if t in PARTY_KINDS else None,
                   "nomination_kind": (NominationDocumentKind.NOTE_VERBALE if t in PARTY_KINDS else
                                       NominationDocumentKind.LETTER_OF_ASSIGNMENT if t == EntityType.MEDIA else
                                       NominationDocumentKind.NGO_APPLICATION_LETTER if t in NGO_TYPES else
                                       NominationDocumentKind.OFFICIAL_LETTER), "created_at": received}
            if t in PARTY_KINDS:
                row["credentials_status"] = CredentialsStatus.PENDING if i % 17 == 4 else CredentialsStatus.RECEIVED
                if row["credentials_status"] == CredentialsStatus.RECEIVED:
                    row["credentials_received_at"] = received + timedelta(hours=i % 200)
            if t in NGO_TYPES:
                # The secretariat granted each organization its places: the default, or what it nominated.
                row["quota"] = max(c.ngo_quota, active)
                row["ngo_admission"] = NgoAdmission.ECOSOC if t == EntityType.NGO_ECOSOC else NgoAdmission.ADMITTED
                if t == EntityType.NGO_OTHER:
                    row["ngo_listed_at"] = c.opens_at - timedelta(days=45)
            rows.append(row)
        copy_rows(Delegation.__table__, rows)
        ids = dict(db.session.execute(select(Delegation.entity_id, Delegation.id)
                                      .where(Delegation.conference_id == c.id)).all())
        for p in plan:
            p.delegation_id = ids[p.entity_id]
        copy_rows(DelegationDocument.__table__, [
            {"delegation_id": p.delegation_id, "kind": DocumentKind.NOMINATION, "version": 1,
             "received_at": received - timedelta(days=i % 30), "is_current": True} for i, p in enumerate(plan)])
        db.session.commit()
        analyze()

    def programme(self) -> None:
        """Two plenary sittings a day and a side event a day in each side-event room: a small programme, the
        statistics' list of sessions has rows."""
        c = self.c
        rooms = {r.slug: r.id for r in c.rooms}
        published = c.opens_at - timedelta(days=20)
        organizers = db.session.scalars(select(Delegation.entity_id).where(Delegation.conference_id == c.id)
                                        .order_by(Delegation.id).limit(40)).all()
        for n_day, day in enumerate(c.days):
            for start, end in ((time(10), time(13)), (time(15), time(18))):
                db.session.add(Session(conference_id=c.id, kind=SessionKind.PLENARY, title="Plenary meeting",
                                       room_id=rooms["plenary-al-waha"], starts_at=c.at_venue(day, start),
                                       ends_at=c.at_venue(day, end), status=SessionStatus.PUBLISHED,
                                       published_at=published, submitted_at=published - timedelta(days=30)))
            for k, slug in enumerate(("side-event-1", "side-event-2")):
                s = Session(conference_id=c.id, kind=SessionKind.SIDE_EVENT, room_id=rooms[slug],
                            title=data.SIDE_EVENT_TITLES[(2 * n_day + k) % len(data.SIDE_EVENT_TITLES)],
                            starts_at=c.at_venue(day, time(13, 15)), ends_at=c.at_venue(day, time(14, 45)),
                            status=SessionStatus.PUBLISHED, published_at=published, capacity=200,
                            submitted_at=published - timedelta(days=30), expected_attendance=150, languages="en")
                s.organizers.append(SessionOrganizer(entity_id=organizers[(2 * n_day + k) % len(organizers)],
                                                     role=OrganizerRole.LEAD, position=0, confirmed_at=published))
                db.session.add(s)
        db.session.commit()

    # -- the people, their badges and scans (generated lazily, written in batches) --------------------------------
    def people(self, plan: list[Planned]) -> Iterator[tuple[dict, dict | None, list[dict]]]:
        """(registration, badge or None, gate scans) for each person, one delegation after the other."""
        for p in plan:
            state = p.entity_type in PARTY_KINDS
            roles = ([DelegationRole.PARTY_OVERFLOW] * p.overflow + [DelegationRole.PARTY_GUEST] * p.guests)
            for k in range(p.approved + p.others):
                if k >= p.approved:
                    role = DelegationRole.ADVISER if state else DelegationRole.REPRESENTATIVE
                    status = self._other_status()
                elif k == 0:
                    role, status = (DelegationRole.HEAD if state else DelegationRole.REPRESENTATIVE), None
                elif k > p.approved - 1 - len(roles):
                    role, status = roles[p.approved - 1 - k], None
                else:
                    role = self.rng.choice(_STATE_ROLES) if state else DelegationRole.REPRESENTATIVE
                    status = None
                yield self._person(p, role, status or RegistrationStatus.APPROVED)

    def _other_status(self) -> RegistrationStatus:
        statuses, weights = zip(*OTHER_STATUSES.items(), strict=True)
        return self.rng.choices(statuses, weights)[0]

    def _person(self, p: Planned, role: DelegationRole, status: RegistrationStatus):
        rng, c = self.rng, self.c
        self.index += 1
        index = self.index
        gender = (Gender.FEMALE if (r := rng.random()) < (0.3 if role == DelegationRole.HEAD else 0.44)
                  else Gender.MALE if r < 0.993 else Gender.OTHER if r < 0.996 else Gender.UNDISCLOSED)
        female_names, male_names, family_names = names.NAMES[p.pool]
        female = gender == Gender.FEMALE or (gender != Gender.MALE and rng.random() < 0.5)
        given = rng.choice(female_names if female else male_names)
        family = names.family_form(rng.choice(family_names), female)
        key = fold(f"{family} {given}")[:250]
        nth = self.births.get(key, zlib.crc32(key.encode()) % 20000)
        self.births[key] = nth + 7919  # coprime with 20,000: no date repeats for a name within 20,000 people
        days = c.days
        first = rng.randrange(0, len(days) - 2)
        last = min(len(days) - 1, first + rng.randrange(2, 8))
        submitted = c.registration_opens_at + timedelta(hours=rng.randrange(0, 24 * 100))
        approved = status == RegistrationStatus.APPROVED
        came = approved and rng.random() < ATTENDED_SHARE
        serial = self._serial(index) if approved and (came or rng.random() < 0.5) else None
        badge_state = BadgeState.NOT_PRINTED if serial is None else \
            BadgeState.COLLECTED if came else BadgeState.PRINTED
        badge_name = f"{family}{given}" if p.pool in names.FAMILY_NAME_FIRST else f"{given} {family}"
        reg = {"conference_id": c.id, "delegation_id": p.delegation_id, "title": _TITLES.get(gender, ""),
               "family_name": family, "given_names": given, "badge_name": badge_name, "badge_short_name": None,
               "name_key": key, "gender": gender, "nationality": p.nationality,
               "email": f"p{index:06d}@{p.domain}.cop28.example",
               "date_of_birth": date(1950, 1, 1) + timedelta(days=nth % 20000),
               "passport_number": f"X{index:08d}",
               "passport_expiry": date(2026, 1, 1) + timedelta(days=index % 3000),
               "function_title": _FUNCTIONS[role], "organization": "", "phone": "", "photo": None,
               "language": rng.choice(("en", "en", "en", "fr", "es", "ru", "ar", "zh")), "delegation_role": role,
               "modality": Modality.IN_PERSON, "attendance_from": days[first], "attendance_to": days[last],
               "status": status, "status_reason": "", "late_registration": False,
               "submitted_at": None if status == RegistrationStatus.DRAFT else submitted,
               "consent_at": submitted,
               "approved_at": submitted + timedelta(days=rng.randrange(1, 10)) if approved else None,
               "badge_state": badge_state, "badge_serial": serial, "status_token": secrets.token_urlsafe(32),
               "agenda_token": secrets.token_urlsafe(32), "personal_data_purged_at": None,
               "created_at": submitted, "updated_at": submitted}
        if serial is None:
            return reg, None, []
        printed = c.opens_at - timedelta(days=3)
        collected = c.at_venue(days[first], time(8, 0)) + timedelta(minutes=rng.randrange(0, 90)) if came else None
        badge = {"serial": serial, "issued_at": printed, "printed_at": printed, "collected_at": collected,
                 "superseded_at": None}
        scans = [{"conference_id": c.id, "session_id": None, "door": GATE, "venue_day": day, "device": "gate-1",
                  "result": CheckInResult.ADMITTED, "serial": serial, "typed": False,
                  "scanned_at": max(collected, c.at_venue(day, time(8, 0)) + timedelta(minutes=rng.randrange(0, 150)))}
                 for day in days[first:last + 1] if came and rng.random() < 0.9 or day == days[first] and came]
        return reg, badge, scans

    def _serial(self, index: int) -> str:
        """A badge serial as the badge desk's look (Crockford base32), unique by construction, across sessions too
        (serials are unique in the whole table): the session's id and the person's number, one 50-bit number,
        through a bijection of the 50-bit space (an odd multiplier, then an offset drawn from the seed)."""
        value = ((((self.c.id << 32) + index) * 0x9E3779B97F4A7) + self.serial_base) % (1 << 50)
        return "".join(CROCKFORD[(value >> (5 * i)) & 31] for i in reversed(range(SERIAL_LENGTH)))

    def write(self, plan: list[Planned]) -> None:
        """The people in batches: their registrations, then (with their ids) badges and scans; a commit each."""
        people = self.people(plan)
        for number in itertools.count(1):
            if (batch := list(itertools.islice(people, BATCH))) == []:
                break
            regs = [reg for reg, _b, _s in batch]
            ids = registration_ids(len(regs))
            if ids is None:
                ids = db.session.scalars(insert(_REGISTRATION).returning(_REGISTRATION.c.id,
                                                                         sort_by_parameter_order=True), regs).all()
            else:
                copy_rows(_REGISTRATION, [{"id": i, **reg} for i, reg in zip(ids, regs, strict=True)])
            pairs = list(zip(ids, batch, strict=True))
            copy_rows(Badge.__table__, [{**badge, "registration_id": i} for i, (_r, badge, _s) in pairs if badge])
            db.session.commit()
            if number & (number - 1) == 0:  # batches 1, 2, 4, 8...: while the tables grow fastest
                analyze()
            copy_rows(CheckIn.__table__, [{**scan, "registration_id": i} for i, (_r, _b, s) in pairs for scan in s])
            db.session.commit()


_STATE_ROLES = [DelegationRole.ALTERNATE, DelegationRole.ADVISER, DelegationRole.ADVISER, DelegationRole.EXPERT,
                DelegationRole.EXPERT, DelegationRole.EXPERT, DelegationRole.SUPPORT_STAFF]


_TITLES = {Gender.FEMALE: "Ms.", Gender.MALE: "Mr."}
_FUNCTIONS = {DelegationRole.HEAD: "Head of delegation", DelegationRole.ALTERNATE: "Alternate representative",
              DelegationRole.ADVISER: "Adviser", DelegationRole.EXPERT: "Expert",
              DelegationRole.SUPPORT_STAFF: "Assistant", DelegationRole.REPRESENTATIVE: "Representative",
              DelegationRole.PARTY_OVERFLOW: "Adviser", DelegationRole.PARTY_GUEST: "Guest of the delegation"}
_REGISTRATION = Registration.__table__


def _get(row, name):
    return row[name] if isinstance(row, dict) else getattr(row, name)


def load_large(participants: int, seed: int = SEED) -> tuple[Conference, bool]:
    """Build the COP28-shaped session `cop28` with `participants` approved participants, or return it when it
    exists. Commits batch by batch (the point: bounded memory); should a batch fail, the session is deleted again
    (its rows go with it) and the error raised."""
    existing = db.session.scalar(select(Conference).where(Conference.code == CODE))
    if existing is not None:
        return existing, False
    if participants < MIN_PARTICIPANTS:
        raise RuleViolation(_("the COP28-shaped session needs at least %(least)d participants (asked for %(asked)d)",
                              least=MIN_PARTICIPANTS, asked=participants))
    b = LargeBuilder(participants, seed)
    c = b.conference()
    db.session.commit()
    try:
        plan = b.plan()
        b.delegations(plan)
        b.programme()
        b.write(plan)
        audit.record("conference.demo_loaded", c, actor="command line",
                     after={"participants": participants, "seed": seed, "shape": CODE,
                            "at": datetime.now(UTC).isoformat()})
        db.session.commit()
    except BaseException:
        db.session.rollback()
        try:  # the rows committed so far go with the session (ON DELETE CASCADE)
            db.session.execute(delete(Conference).where(Conference.id == c.id))
            db.session.commit()
        finally:
            raise
    return c, True
