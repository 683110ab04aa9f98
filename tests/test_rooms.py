"""Rooms of the venue: added, renamed, resized, retired; a room that held sessions is never deleted."""

from __future__ import annotations

from datetime import date, time

import pytest
from sqlalchemy import func, select

from conference.accounts.models import Role
from conference.conferences import services
from conference.conferences.models import Room
from conference.conferences.services import RoomData
from conference.core.errors import Invalid, RuleViolation
from conference.core.models import AuditLog
from conference.programme import services as programme
from conference.programme.models import SessionStatus
from tests.conftest import csrf_token
from tests.factories import PASSWORD, make_conference, make_room, make_session, make_user


@pytest.fixture
def cop(db_session):
    c = make_conference("cop13", starts_on=date(2027, 10, 11), ends_on=date(2027, 10, 15))
    db_session.commit()
    return c


def test_add_rename_resize(db_session, cop):
    room = services.add_room(cop, RoomData(name="  Board   Room B ", building="C", capacity=120), actor="t")
    assert (room.name, room.slug, room.building, room.capacity) == ("Board Room B", "board-room-b", "C", 120)
    assert services.update_room(room, RoomData(name="Boardroom B", building="C", capacity=150), actor="t")
    assert (room.name, room.slug, room.capacity) == ("Boardroom B", "board-room-b", 150)  # the address stays
    assert not services.update_room(room, RoomData(name="Boardroom B", building="C", capacity=150), actor="t")
    actions = db_session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all()
    assert actions == ["room.added", "room.changed"]
    change = db_session.scalar(select(AuditLog).where(AuditLog.action == "room.changed"))
    assert change.before == {"name": "Board Room B", "capacity": 120}
    assert change.after == {"name": "Boardroom B", "capacity": 150}


@pytest.mark.parametrize("data, field, message", [
    (RoomData(name="", capacity=10), "name", "Name the room."),
    (RoomData(name="M1", capacity=0), "capacity", "from 1 to 100000"),
    (RoomData(name="M1", capacity=-5), "capacity", "from 1 to 100000"),
    (RoomData(name="M1", capacity=None), "capacity", "Enter the number of seats."),
    (RoomData(name="plenary hall", capacity=10), "name", "already has a room called plenary hall"),
])
def test_bad_rooms_are_refused_at_the_field(db_session, cop, data, field, message):
    services.add_room(cop, RoomData(name="Plenary Hall", capacity=900), actor="t")
    with pytest.raises(Invalid) as refused:
        services.add_room(cop, data, actor="t")
    assert field in refused.value.errors and message in " ".join(refused.value.errors[field])


def test_a_slug_is_unique_in_the_session(db_session, cop):
    make_room(cop, "m1")
    assert services.add_room(cop, RoomData(name="M¹", capacity=5), actor="t").slug == "m1-2"


def test_a_room_with_sessions_is_retired_not_deleted_and_not_offered(db_session, cop):
    used, empty = make_room(cop, "m1"), make_room(cop, "m2")
    make_session(cop, used, day=cop.starts_on, status=SessionStatus.PUBLISHED)
    with pytest.raises(RuleViolation, match="cannot be deleted, only retired"):
        services.delete_room(used, actor="t")
    services.retire_room(used, actor="t")
    assert used.retired and cop.active_rooms == [empty]
    # Scheduling into a retired room is refused by the services, whatever the page offered.
    s = make_session(cop, None, day=cop.starts_on, start=time(18, 15), end=time(19, 45),
                     status=SessionStatus.ACCEPTED, expected_attendance=10)
    with pytest.raises(RuleViolation, match="M1 is retired"):
        programme.schedule(s, used, s.starts_at, s.ends_at, actor="t")
    # The grid still shows it on a day it holds something, not on the others.
    assert used in programme.grid(cop, cop.starts_on)[0]
    assert used not in programme.grid(cop, cop.ends_on)[0]
    services.reinstate_room(used, actor="t")
    assert not used.retired
    services.delete_room(empty, actor="t")
    assert db_session.scalar(select(func.count()).select_from(Room)) == 1
    assert db_session.scalars(select(AuditLog.action).order_by(AuditLog.id)).all() == [
        "room.retired", "room.reinstated", "room.deleted"]


def test_a_copy_leaves_retired_rooms_behind(db_session, cop):
    from conference.conferences.services import CopyRequest, copy_conference

    make_room(cop, "m1")
    services.retire_room(make_room(cop, "old"), actor="t")
    new = copy_conference("cop13", CopyRequest(code="cop14", title="T", starts_on=date(2028, 10, 9),
                                               ends_on=date(2028, 10, 13)))
    assert [r.slug for r in new.rooms] == ["m1"]


# --- The page ----------------------------------------------------------------------------------------------------

@pytest.fixture
def admin(client, db_session):
    make_user("admin@example.org", (Role.ADMIN,))
    client.post("/login", data={"email": "admin@example.org", "password": PASSWORD,
                                "csrf_token": csrf_token(client, "/login")})


def test_rooms_page(client, db_session, cop, admin):
    token = csrf_token(client, "/admin/cop13/rooms")
    response = client.post("/admin/cop13/rooms", data={"csrf_token": token, "new-name": "Plenary Hall",
                                                       "new-capacity": "900"})
    assert response.status_code == 302
    room = db_session.scalar(select(Room))
    # A capacity of 0 or -5 is named at the field, with what was typed kept.
    for capacity in ("0", "-5", "many"):
        response = client.post(f"/admin/cop13/rooms/{room.id}", data={
            "csrf_token": token, f"room{room.id}-name": "Plenary Hall A", f"room{room.id}-capacity": capacity})
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and f'id="room{room.id}-capacity-error"' in page
        assert 'value="Plenary Hall A"' in page
    db_session.expire_all()
    assert db_session.get(Room, room.id).name == "Plenary Hall"
    response = client.post(f"/admin/cop13/rooms/{room.id}", data={
        "csrf_token": token, f"room{room.id}-name": "Plenary Hall A", f"room{room.id}-capacity": "850"})
    assert response.status_code == 302
    make_session(cop, db_session.get(Room, room.id), day=cop.starts_on)
    db_session.commit()
    page = client.get("/admin/cop13/rooms").get_data(as_text=True)
    assert "1 session on the programme" in page and f"/rooms/{room.id}/delete" not in page
    client.post(f"/admin/cop13/rooms/{room.id}/delete", data={"csrf_token": token})
    page = client.get("/admin/cop13/rooms").get_data(as_text=True)
    assert "cannot be deleted, only retired" in page
    client.post(f"/admin/cop13/rooms/{room.id}/retire", data={"csrf_token": token})
    db_session.expire_all()
    assert db_session.get(Room, room.id).retired


def test_only_admins_manage_rooms(client, db_session, cop):
    make_user("coordinator@example.org", (Role.SIDE_EVENT_COORDINATOR,))
    client.post("/login", data={"email": "coordinator@example.org", "password": PASSWORD,
                                "csrf_token": csrf_token(client, "/login")})
    assert client.get("/admin/cop13/rooms").status_code == 403
