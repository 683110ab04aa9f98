"""A participant's own copy of their data, through the private link."""

from __future__ import annotations

import json

from flask import Blueprint, Response

from conference.accounts.permissions import public
from conference.conferences.services import get_conference
from conference.privacy.services import export
from conference.registration.services import get_by_token

bp = Blueprint("privacy", __name__)


@bp.get("/<code>/registration/<token>/my-data.json")
@public("the private link's secret token is the key")
def my_data(code: str, token: str):
    registration = get_by_token(get_conference(code), token)
    body = json.dumps(export(registration), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{code}-my-data.json"', "Cache-Control": "no-store"})
