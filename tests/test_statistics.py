"""Every figure of the statistics, on a small hand-built session whose right answers are known."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import insert

from conference.checkin.models import GATE, CheckIn, CheckInResult
from conference.programme import services as programme_services
from conference.programme.models import SessionKind, SessionSignup, SessionSpeaker, SessionStatus, SignupStatus
from conference.registration.models import (
    DelegationRole as R,
)
from conference.registration.models import (
    EntityType as T,
)
from conference.registration.models import (
    Gender as G,
)
from conference.registration.models import (
    RegionalGroup,
    TreatyStatus,
)
from conference.registration.models import (
    RegistrationStatus as S,
)
from conference.statistics import report
from conference.statistics.services import compute, headline
from tests.factories import make_conference, make_delegation, make_entity, make_registration, make_room, make_session


@pytest.fixture
def small_session(db_session):
    """Two States parties (WEOG, African), a signatory, a State in no regional group, the EU, an IGO, a UN entity, a
    specialized agency, two NGOs, a journalist; a withdrawn and a rejected person, scans outside the session."""
    c = make_conference("cop1")
    other = make_conference("cop2")
    aut = make_delegation(c, make_entity(T.STATE, "Austria", "AUT", RegionalGroup.WEOG))
    ken = make_delegation(c, make_entity(T.STATE, "Kenya", "KEN", RegionalGroup.AFRICAN))
    irn = make_delegation(c, make_entity(T.STATE, "Iran", "IRN", RegionalGroup.ASIA_PACIFIC),
                          treaty_status=TreatyStatus.SIGNATORY)
    eu = make_delegation(c, make_entity(T.REIO, "European Union"))
    igo = make_delegation(c, make_entity(T.IGO, "INTERPOL"))
    un = make_delegation(c, make_entity(T.UN_ENTITY, "UNDP"))
    agency = make_delegation(c, make_entity(T.SPECIALIZED_AGENCY, "UNESCO"))
    # A State that belongs to no UN regional group.
    vat = make_delegation(c, make_entity(T.STATE, "Holy See", "VAT", None),
                          treaty_status=TreatyStatus.NON_SIGNATORY)
    ngo1 = make_delegation(c, make_entity(T.NGO_ECOSOC, "NGO one"))
    ngo2 = make_delegation(c, make_entity(T.NGO_OTHER, "NGO two"))
    press = make_delegation(c, make_entity(T.MEDIA, "Press"))
    # A State with only a rejected registration is not represented.
    nor = make_delegation(c, make_entity(T.STATE, "Norway", "NOR", RegionalGroup.WEOG))

    people = {
        "aut_head": make_registration(aut, role=R.HEAD, gender=G.FEMALE,
                                      submitted_at=datetime(2024, 9, 20, 21, 30, tzinfo=UTC)),
        "aut_1": make_registration(aut, role=R.ADVISER, gender=G.MALE),
        "aut_2": make_registration(aut, role=R.EXPERT, gender=G.FEMALE),
        "ken_head": make_registration(ken, role=R.HEAD, gender=G.MALE),
        "ken_1": make_registration(ken, role=R.ADVISER, gender=G.OTHER),
        "irn_head": make_registration(irn, role=R.HEAD, gender=G.MALE),
        "eu_head": make_registration(eu, role=R.HEAD, gender=G.FEMALE),
        "igo_1": make_registration(igo, role=R.REPRESENTATIVE, gender=G.UNDISCLOSED),
        "un_1": make_registration(un, role=R.REPRESENTATIVE, gender=G.FEMALE),
        "ngo1_1": make_registration(ngo1, role=R.REPRESENTATIVE, gender=G.FEMALE),
        "ngo1_2": make_registration(ngo1, role=R.REPRESENTATIVE, gender=G.MALE),
        "ngo2_1": make_registration(ngo2, role=R.REPRESENTATIVE, gender=G.MALE),
        "press_1": make_registration(press, role=R.REPRESENTATIVE, gender=G.FEMALE),
        "unesco_1": make_registration(agency, role=R.REPRESENTATIVE, gender=G.MALE),
        "vat_head": make_registration(vat, role=R.HEAD, gender=G.MALE),
    }
    # Not participants: pending, rejected, withdrawn, and someone at another session.
    make_registration(aut, status=S.SUBMITTED)
    make_registration(nor, role=R.HEAD, status=S.REJECTED, submitted_at=datetime(2024, 9, 23, 9, tzinfo=UTC))
    make_registration(ken, status=S.WITHDRAWN, submitted_at=datetime(2024, 9, 23, 10, tzinfo=UTC))
    make_registration(make_delegation(other, make_entity(T.STATE, "Chile", "CHL", RegionalGroup.GRULAC)))

    room = make_room(c)
    side = make_session(c, room, title="Side event", capacity=50)
    closed = make_session(c, room, kind=SessionKind.ROUNDTABLE, title="Roundtable", is_closed=True,
                          day=date(2024, 10, 15))
    make_session(c, room, kind=SessionKind.SIDE_EVENT, title="Draft", status=SessionStatus.SUBMITTED,
                 day=date(2024, 10, 16))
    plenary = make_session(c, make_room(c, "plenary", 900), kind=SessionKind.PLENARY, title="Plenary",
                           start=datetime(2024, 1, 1, 10).time(), end=datetime(2024, 1, 1, 13).time())

    signups = [(side, "aut_1", SignupStatus.CONFIRMED), (side, "ken_1", SignupStatus.CONFIRMED),
               (side, "ngo1_1", SignupStatus.WAITLISTED), (closed, "aut_head", SignupStatus.INVITED),
               (closed, "ken_head", SignupStatus.INVITED), (closed, "eu_head", SignupStatus.INVITED)]
    db_session.execute(insert(SessionSignup), [
        {"session_id": s.id, "registration_id": people[p].id, "status": st} for s, p, st in signups])

    at = datetime(2024, 10, 14, 8, tzinfo=UTC)

    def scan(person, session=None, result=CheckInResult.ADMITTED, day=date(2024, 10, 14), when=at):
        return {"conference_id": c.id, "registration_id": people[person].id if person else None,
                "session_id": session.id if session else None,
                "door": f"session-{session.id}" if session else GATE, "venue_day": day, "scanned_at": when,
                "result": result}

    db_session.execute(insert(CheckIn), [
        # Ten of thirteen came through the gate (one twice on two days, one scanned twice the same day).
        *[scan(p) for p in ("aut_head", "aut_1", "ken_head", "ken_1", "irn_head", "eu_head", "igo_1",
                            "ngo1_1", "ngo2_1", "press_1")],
        scan("aut_head", day=date(2024, 10, 15)),
        scan("aut_1", result=CheckInResult.ALREADY_ADMITTED),
        # un_1's only scan was refused: not attended.
        scan("un_1", result=CheckInResult.NOT_APPROVED),
        scan(None, result=CheckInResult.FORGED),
        # Side event: three attendees from two States (Austria, Kenya) and one NGO.
        scan("aut_1", side), scan("aut_2", side), scan("ken_1", side), scan("ngo1_2", side),
        # Roundtable: Austria's head and the EU (not a State) came; a refused scan does not count.
        scan("aut_head", closed, day=date(2024, 10, 15)), scan("eu_head", closed, day=date(2024, 10, 15)),
        scan("igo_1", closed, result=CheckInResult.NOT_INVITED, day=date(2024, 10, 15)),
        scan("irn_head", plenary),
        # Not attendance: a rehearsal scan the day before the opening, a test scan at night (23:00 in Vienna).
        scan("un_1", day=date(2024, 10, 13), when=datetime(2024, 10, 13, 9, tzinfo=UTC)),
        scan("unesco_1", when=datetime(2024, 10, 14, 21, tzinfo=UTC)),
        scan("igo_1", side, when=datetime(2024, 10, 14, 21, tzinfo=UTC)),
    ])
    db_session.commit()
    return c, side, closed


def test_headline_figures(small_session):
    c, _, _ = small_session
    figures = compute(c)
    assert figures["participants"] == 15
    # Gate scans admitted ten; aut_2 and ngo1_2 were admitted only at the side event; un_1 only at a rehearsal the
    # day before, unesco_1 only at night: neither attended.
    assert figures["attended"] == 12
    assert figures["states"] == 4  # Austria, Kenya, Iran, the Holy See; not the EU, not Norway (rejected)
    assert figures["igos"] == 3  # INTERPOL, UNDP, UNESCO
    assert figures["ngos"] == 2
    assert figures["headline"] == ("15 participants from 4 States, 3 intergovernmental organizations "
                                   "and 2 non-governmental organizations")


def test_by_category(small_session):
    figures = compute(small_session[0])
    # The EU is on its own row, never among the States parties.
    assert {k: v for k, v in figures["by_category"].items() if v} == {
        "STATE_PARTY": 5, "SIGNATORY": 1, "NON_SIGNATORY": 1, "REIO": 1, "UN_ENTITY": 1, "SPECIALIZED_AGENCY": 1,
        "IGO": 1, "NGO_ECOSOC": 2, "NGO_OTHER": 1, "MEDIA": 1}
    assert figures["entities_by_category"]["STATE_PARTY"] == 2  # Austria and Kenya
    assert figures["entities_by_category"]["REIO"] == 1
    assert figures["attended_by_category"]["UN_ENTITY"] == 0
    assert figures["attended_by_category"]["SPECIALIZED_AGENCY"] == 0
    assert figures["attended_by_category"]["NGO_ECOSOC"] == 2
    assert figures["women_by_category"]["STATE_PARTY"] == 2
    assert list(figures["by_category"])[:4] == ["STATE_PARTY", "SIGNATORY", "NON_SIGNATORY", "REIO"]
    assert figures["delegations"]["by_category"]["STATE_PARTY"] == {"delegations": 2, "median": 2.5, "largest": 3}
    assert figures["delegations"]["by_category"]["NGO_ECOSOC"] == {"delegations": 1, "median": 2, "largest": 2}


def test_by_regional_group_and_gender(small_session):
    figures = compute(small_session[0])
    # The Holy See belongs to no group: its row makes the groups add up to the State categories.
    assert figures["by_regional_group"] == {"AFRICAN": 2, "ASIA_PACIFIC": 1, "EASTERN_EUROPEAN": 0, "GRULAC": 0,
                                            "WEOG": 3, "NO_GROUP": 1}
    assert figures["regional_groups"]["WEOG"] == {"states": 1, "participants": 3, "women": 2, "heads": 1,
                                                  "women_heads": 1}
    assert figures["regional_groups"]["AFRICAN"] == {"states": 1, "participants": 2, "women": 0, "heads": 1,
                                                     "women_heads": 0}
    assert figures["regional_groups"]["NO_GROUP"] == {"states": 1, "participants": 1, "women": 0, "heads": 1,
                                                      "women_heads": 0}
    assert figures["heads_of_delegation"] == 4  # of every State; the EU's head is not a State's
    assert figures["heads_by_gender"] == {"female": 1, "male": 3, "other": 0, "undisclosed": 0}
    assert figures["by_gender"] == {"female": 6, "male": 7, "other": 1, "undisclosed": 1}


def test_time_series(small_session):
    figures = compute(small_session[0])
    # Submissions, whatever became of them (one rejected, one withdrawn), every day shown, in Vienna's time.
    assert figures["registrations_per_day"] == {"2024-09-20": 1, "2024-09-21": 0, "2024-09-22": 0, "2024-09-23": 2}
    assert figures["registrations_per_week"] == {"2024-09-16": 1, "2024-09-23": 2}
    # Every day of the session, days without anyone as zero; the night scan is not attendance.
    assert figures["checkins_per_day"] == {"2024-10-14": 10, "2024-10-15": 1, "2024-10-16": 0, "2024-10-17": 0,
                                           "2024-10-18": 0}


def assert_tables_add_up(figures: dict) -> None:
    """Every table reconciles with the totals it sits beside."""
    states = sum(figures["by_category"][c] for c in ("STATE_PARTY", "SIGNATORY", "NON_SIGNATORY"))
    assert sum(figures["by_category"].values()) == figures["participants"]
    assert sum(figures["attended_by_category"].values()) == figures["attended"]
    assert sum(figures["by_gender"].values()) == figures["participants"]
    assert sum(figures["women_by_category"].values()) == figures["by_gender"]["female"]
    assert sum(figures["by_regional_group"].values()) == states
    assert sum(g["states"] for g in figures["regional_groups"].values()) == figures["states"]
    assert sum(g["heads"] for g in figures["regional_groups"].values()) == figures["heads_of_delegation"] \
        == sum(figures["heads_by_gender"].values())
    assert sum(figures["delegates_by_gender"].values()) == states
    assert figures["states"] + figures["igos"] + figures["ngos"] <= sum(figures["entities_by_category"].values())
    assert sum(v["delegations"] for v in figures["delegations"]["by_category"].values()) \
        == figures["delegations"]["count"] == sum(figures["entities_by_category"].values())
    assert sum(figures["registrations_per_week"].values()) == sum(figures["registrations_per_day"].values())
    # The printed tables: each row of totals is the sum of the rows above it.
    for table in report.tables(figures):
        if table.total is None:
            continue
        for i, cell in enumerate(table.total):
            if isinstance(cell, int):
                column = [row[i] for row in table.rows]
                if table.name == "delegations" and i > 1:
                    continue  # medians and maxima do not add up
                assert sum(column) == cell, (table.name, table.headers[i])
    by_name = {t.name: t for t in report.tables(figures)}
    assert by_name["categories"].total[2] == figures["participants"]
    assert by_name["regional-groups"].total[2] == states


def test_every_table_adds_up(small_session):
    assert_tables_add_up(compute(small_session[0]))


def test_sessions(small_session):
    _, side, closed = small_session
    figures = compute(small_session[0])
    by_title = {s["title"]: s for s in figures["sessions"]}
    assert set(by_title) == {"Side event", "Roundtable"}  # published side events etc., not sittings or drafts
    expected = {"id": side.id, "kind": "SIDE_EVENT", "seats": 50, "signups": 2, "waitlisted": 1, "attendees": 4,
                "states": 2}
    assert {k: by_title["Side event"][k] for k in expected} == expected
    assert by_title["Roundtable"]["invited"] == 3
    assert by_title["Roundtable"]["attendees"] == 2
    assert by_title["Roundtable"]["states"] == 1
    assert by_title["Roundtable"]["closed"] is True
    assert figures["side_events"] == 1


def test_stats_command_prints_json(runner, small_session):
    result = runner.invoke(args=["stats", "COP1", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for key in ("conference", "participants", "attended", "states", "igos", "ngos", "by_category",
                "by_regional_group", "by_gender", "sessions"):
        assert key in data
    assert data["conference"] == "cop1" and data["participants"] == 15
    assert data["side_events_co_organized_by_ngos"] == 0


def test_stats_command_errors(runner, small_session):
    assert "say how you want" in runner.invoke(args=["stats", "cop1"]).output
    result = runner.invoke(args=["stats", "cop404", "--json"])
    assert result.exit_code == 1 and "no conference with the code 'cop404' (known: cop1, cop2)" in result.output


def test_headline_grammar():
    assert headline(1, 1, 1, 1) == ("1 participant from 1 State, 1 intergovernmental organization and "
                                    "1 non-governmental organization")
    assert headline(1400, 131, 15, 212).startswith("1,400 participants from 131 States")


def test_empty_session(db_session):
    figures = compute(make_conference("cop0"))
    assert figures["participants"] == figures["states"] == figures["attended"] == 0
    assert figures["sessions"] == []


# Panels of published side events: women, men and others; the review list's rule says which are balanced.
PANELS = [
    ("female", "male"),  # half and half: balanced
    ("female", "female", "male"),  # two thirds women: not balanced
    ("female", "female", "female", "male", "male"),  # 60 % women, the limit: balanced
    ("female", "female", "male", "other"),  # others do not count: two thirds women
    ("male",),  # a panel of one is never balanced
    ("female", "other", "undisclosed"),  # one woman and no man: not balanced
    ("male", "male", "male", "female", "female"),  # 60 % men: balanced
]


def test_the_statistics_count_balanced_panels_by_the_review_list_s_rule(db_session):
    """One panel-balance rule: the report's count of balanced panels is the review list's verdict, panel by panel."""
    c = make_conference("cop3")
    sessions = []
    for n, genders in enumerate(PANELS):
        s = make_session(c, title=f"Panel {n}", day=date(2024, 10, 14 + n % 5))
        s.speakers.extend(SessionSpeaker(position=i, name=f"Speaker {n}-{i}", gender=g) for i, g in enumerate(genders))
        sessions.append(s)
    db_session.flush()
    verdicts = [programme_services.is_balanced(s.speakers) for s in sessions]
    assert verdicts == [True, False, True, False, False, False, True]
    panels = compute(c)["panels"]
    assert panels["with_speakers"] == len(PANELS)
    assert panels["balanced"] == sum(verdicts)
