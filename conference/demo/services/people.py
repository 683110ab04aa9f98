"""Who takes part in the demonstration: the participating entities, their delegations and their people."""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from conference.demo import data, names
from conference.demo.services.figures import DEFAULT_PARTICIPANTS, DONOR_STATES, SHARES
from conference.extensions import db
from conference.registration.document_models import DelegationDocument, DocumentKind
from conference.registration.models import (
    IGO_TYPES,
    PARTY_KINDS,
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
    TreatyStatus,
)
from conference.registration.services import name_key as registration_name_key


@dataclass
class Person:
    registration: Registration
    entity: ParticipatingEntity
    days: set[date] = field(default_factory=set)
    busy: set[tuple[date, str]] = field(default_factory=set)
    no_show: bool = False  # approved, never came


# Heads of State delegations come from the capital or from the permanent mission in Vienna.
FUNCTIONS_OF_HEADS = [
    "Ambassador, Permanent Representative to the United Nations (Vienna)",
    "Ambassador, Permanent Representative to the United Nations (Vienna)",
    "Ambassador, Permanent Representative to the United Nations (Vienna)",
    "Minister of Justice", "Deputy Minister of Justice", "Deputy Minister of the Interior", "Attorney General",
    "Deputy Attorney General", "Director-General, Ministry of Foreign Affairs",
    "State Secretary, Ministry of Justice", "Director, International Cooperation, Office of the Prosecutor General",
    "Chargé d'affaires a.i., Permanent Mission to the United Nations (Vienna)",
]


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


class People:
    """The steps of `DemoBuilder` that make the entities, delegations and registrations (a mixin: the builder
    holds the state, `self.c` and `self.rng` among it)."""

    def entities(self) -> None:
        existing = {(e.entity_type, e.name): e for e in db.session.scalars(select(ParticipatingEntity))}

        def entity(**kw) -> ParticipatingEntity:
            found = existing.get((EntityType(kw["entity_type"]), kw["name"]))
            if found is None:
                found = ParticipatingEntity(**kw)
                db.session.add(found)
            return found

        # A State outside the UN regional groups (Kiribati) has none.
        self.states = [entity(entity_type=EntityType.STATE, name=name, iso3=iso3,
                              regional_group=RegionalGroup(group) if group else None)
                       for iso3, name, group, _status, _pool in data.STATES]
        # Where each State stood at COP12: its delegation's, not the entity's (a later session may differ).
        self.treaty_status = {iso3: TreatyStatus(status) for iso3, _n, _g, status, _pool in data.STATES}
        self.pool = {iso3: pool for iso3, _n, _g, _t, pool in data.STATES}
        self.eu = entity(entity_type=EntityType.REIO, name=data.EUROPEAN_UNION[0],
                         short_name=data.EUROPEAN_UNION[1])
        self.orgs = [entity(entity_type=t, name=name, short_name=short, country_iso3=seat)
                     for t, name, short, seat in data.ORGANIZATIONS]
        self.media = [entity(entity_type=EntityType.MEDIA, name=name, country_iso3=seat)
                      for name, seat in data.MEDIA_OUTLETS]
        # The real NGOs with their status, then fictional ones: about 150 of 212 in consultative status.
        seated = [(name, seat, EcosocStatus(status)) for name, seat, status in data.KNOWN_NGOS]
        fictional = list(data.NGOS_IN_OTHER_SCRIPTS)
        combos = [(f"{kind} for {topic} – {city}", iso3) for topic in data.NGO_TOPICS for kind in data.NGO_KINDS
                  for city, iso3 in data.NGO_CITIES.items()]
        self.rng.shuffle(combos)
        fictional += combos[: 212 - len(seated) - len(fictional)]
        for i, (name, seat) in enumerate(fictional):
            ecosoc = i % 7 not in (3, 6)
            status = (EcosocStatus.SPECIAL if i % 11 else EcosocStatus.GENERAL) if ecosoc else None
            if ecosoc and i % 13 == 5:
                status = EcosocStatus.ROSTER
            seated.append((name, seat, status))
        self.ngos = [entity(entity_type=EntityType.NGO_ECOSOC if status else EntityType.NGO_OTHER, name=name,
                            ecosoc_status=status, country_iso3=seat) for name, seat, status in seated]
        db.session.flush()

    def delegations(self) -> None:
        c = self.c
        self.delegation: dict[int, Delegation] = {}
        received = c.at_venue(date(2024, 10, 11), time(12, 0))
        nominations: list[tuple[Delegation, datetime]] = []
        for i, e in enumerate(self.states + [self.eu] + self.orgs + self.ngos + self.media):
            d = Delegation(conference_id=c.id, entity_id=e.id)
            if e.entity_type == EntityType.STATE:
                d.treaty_status = self.treaty_status[e.iso3]
            elif e.entity_type == EntityType.REIO:
                d.treaty_status = TreatyStatus.PARTY  # the European Union approved the Convention in 2004
            if e.entity_type in PARTY_KINDS:
                d.nomination_kind = NominationDocumentKind.NOTE_VERBALE
            elif e.entity_type in IGO_TYPES:
                d.nomination_kind = NominationDocumentKind.OFFICIAL_LETTER
            elif e.entity_type == EntityType.MEDIA:
                d.nomination_kind = NominationDocumentKind.LETTER_OF_ASSIGNMENT
            else:
                d.nomination_kind = NominationDocumentKind.NGO_APPLICATION_LETTER
                d.quota = c.ngo_quota
            nominations.append((d, received - timedelta(days=10 + i % 40)))
            if d.is_party:
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
        # Each nominating document on file as received on paper: a date, no file (the replay has none to show).
        db.session.add_all(DelegationDocument(delegation_id=d.id, kind=DocumentKind.NOMINATION, version=1,
                                              received_at=at, is_current=True) for d, at in nominations)
        db.session.flush()

    # -- people ---------------------------------------------------------------------
    def participants(self) -> None:
        n = self.n
        scale = n / DEFAULT_PARTICIPANTS
        media = allocate(max(len(self.media), round(SHARES["media"] * scale)), [1.0] * len(self.media))
        eu = [max(2, round(SHARES["eu"] * scale))]
        orgs = allocate(max(len(self.orgs), round(SHARES["orgs"] * scale)), [self.rng.uniform(1, 4) for _ in self.orgs])
        ngo_weights = [self.rng.uniform(0.3, 2.5) for _ in self.ngos]
        ngos = allocate(max(len(self.ngos), round(SHARES["ngos"] * scale)), ngo_weights)
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
        if e.iso3 is None and e.entity_type in (*IGO_TYPES, EntityType.REIO):
            pool = rng.choice(["english", "french", "iberian", "german", "italian", "swedish", "arabic", "russian"])
        elif e.iso3 is None and e.country_iso3:
            pool = self.pool.get(e.country_iso3, "english")
        is_state_delegation = e.entity_type in PARTY_KINDS
        role = (DelegationRole.HEAD if k == 0 else rng.choice(
            [DelegationRole.ALTERNATE, DelegationRole.ADVISER, DelegationRole.ADVISER, DelegationRole.EXPERT,
             DelegationRole.EXPERT, DelegationRole.SUPPORT_STAFF])) if is_state_delegation \
            else DelegationRole.REPRESENTATIVE
        r = rng.random()
        women = 0.31 if role == DelegationRole.HEAD else 0.47
        gender = (Gender.FEMALE if r < women else Gender.MALE if r < 0.993 else
                  Gender.OTHER if r < 0.996 else Gender.UNDISCLOSED)
        given, family = self._name(e, pool, gender)
        badge_name = f"{family}{given}" if pool in names.FAMILY_NAME_FIRST else f"{given} {family}"
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

    def _name(self, e: ParticipatingEntity, pool: str, gender: Gender) -> tuple[str, str]:
        """A given and a family name from the pool, in the form for the person's gender where the language marks it
        (a person of another or undisclosed gender carries one of the two forms), and not already used in the
        delegation. Beyond the published session's size a large delegation may run out of names: then one repeats
        (the date of birth still tells the two apart)."""
        rng = self.rng
        female_names, male_names, family_names = names.NAMES[pool]
        female = gender == Gender.FEMALE or (gender != Gender.MALE and rng.random() < 0.5)
        taken = self.names_in.setdefault(e.id, set())
        for _ in range(60):
            given = rng.choice(female_names if female else male_names)
            family = names.family_form(rng.choice(family_names), female)
            if given != family and (given, family) not in taken:
                break
        taken.add((given, family))
        return given, family

    def _function(self, e: ParticipatingEntity, role: DelegationRole) -> str:
        """A function as delegations list them: heads of State delegations from the capital or the mission, the
        others by their rank or trade."""
        choice = self.rng.choice
        if role == DelegationRole.HEAD:
            if e.iso3 is None:
                return choice(["Head of delegation", "Director", "Deputy Director", "Permanent Observer"])
            return choice(FUNCTIONS_OF_HEADS)
        if role == DelegationRole.REPRESENTATIVE:
            if e.entity_type in (EntityType.NGO_ECOSOC, EntityType.NGO_OTHER):
                return choice(["Executive Director", "Programme Officer", "Senior Researcher", "Legal Adviser",
                               "Advocacy Officer", "Board Member", "Policy Analyst"])
            if e.entity_type == EntityType.MEDIA:
                return choice(["Correspondent", "Reporter", "Photographer", "Editor"])
            return choice(["Programme Officer", "Legal Officer", "Senior Adviser", "Liaison Officer",
                           "Head of Office", "Policy Specialist"])
        return choice({
            DelegationRole.ALTERNATE: ["Deputy Permanent Representative", "Minister Counsellor", "Ambassador",
                                       "Deputy Director-General, Ministry of Justice"],
            DelegationRole.ADVISER: ["Counsellor", "First Secretary", "Second Secretary", "Legal Adviser",
                                     "Attaché"],
            DelegationRole.EXPERT: ["Senior Prosecutor", "Judge", "Chief Superintendent, National Police",
                                    "Analyst, Financial Intelligence Unit", "Senior Legal Officer, Ministry of "
                                    "Justice", "Director, Central Authority for Mutual Legal Assistance",
                                    "Customs Investigator"],
            DelegationRole.SUPPORT_STAFF: ["Assistant", "Administrative Officer", "Protocol Officer"],
        }[role])

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
