"""A session's badge categories: the colour of the band, the letter and the legend printed on each badge."""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass

from conference.conferences.models import DEFAULT_BADGE_SCHEME, MIN_COLOUR_DIFFERENCE, Conference, colour_difference
from conference.core import audit
from conference.core.errors import Invalid
from conference.core.i18n import _

COLOUR = re.compile(r"^#[0-9a-f]{6}$")
MAX_LEGEND = 40


@dataclass
class BadgeCategory:
    """One category as the secretariat types it; an empty legend prints the category's name in the badge run's
    language."""

    colour: str
    letter: str
    legend: str = ""


def badge_scheme_of(conference: Conference) -> dict[str, BadgeCategory]:
    """Every category with what its badges print now (the session's own choices over the defaults)."""
    own = conference.badge_scheme or {}
    return {category: BadgeCategory(colour=str(conference.badge_style(category)["colour"]),
                                    letter=str(conference.badge_style(category)["letter"]),
                                    legend=str(own.get(category, {}).get("label") or ""))
            for category in DEFAULT_BADGE_SCHEME}


def update_badge_scheme(conference: Conference, scheme: dict[str, BadgeCategory], *, actor=None) -> bool:
    """Check every category at once (a colour as #rrggbb, one or two letters or digits, a legend of at most 40
    characters; no two categories with the same letter or with colours too close to tell apart at a glance) and
    keep only what differs from the defaults. Fields are named badge_<CATEGORY>_colour, _letter, _legend. Returns
    whether anything changed; the change is in the audit log. Does not commit."""
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, BadgeCategory] = {}
    for category in DEFAULT_BADGE_SCHEME:
        given = scheme.get(category) or BadgeCategory(colour="", letter="")
        colour = (given.colour or "").strip().lower()
        letter = (given.letter or "").strip().upper()
        legend = " ".join((given.legend or "").split())
        if not COLOUR.match(colour):
            errors.setdefault(f"badge_{category}_colour", []).append(_("Give a colour as #rrggbb."))
        if not 1 <= len(letter) <= 2 or not letter.isalnum():
            errors.setdefault(f"badge_{category}_letter", []).append(_("One or two letters or digits."))
        if len(legend) > MAX_LEGEND:
            errors.setdefault(f"badge_{category}_legend", []).append(
                _("At most %(most)d characters.", most=MAX_LEGEND))
        cleaned[category] = BadgeCategory(colour, letter, legend)
    names = {category: str(style["label"]) for category, style in DEFAULT_BADGE_SCHEME.items()}
    for (a, first), (b, second) in itertools.combinations(cleaned.items(), 2):
        if f"badge_{b}_letter" not in errors and first.letter and first.letter == second.letter:
            errors.setdefault(f"badge_{b}_letter", []).append(
                _("%(other)s already has the letter %(letter)s.", other=names[a], letter=first.letter))
        if COLOUR.match(first.colour) and COLOUR.match(second.colour) and f"badge_{b}_colour" not in errors \
                and colour_difference(first.colour, second.colour) < MIN_COLOUR_DIFFERENCE:
            errors.setdefault(f"badge_{b}_colour", []).append(
                _("Too close to the colour of %(other)s to tell them apart at a glance: choose a more different "
                  "colour.", other=names[a]))
    if errors:
        raise Invalid(errors)

    stored: dict[str, dict[str, str]] = {}
    for category, chosen in cleaned.items():
        default = DEFAULT_BADGE_SCHEME[category]
        entry = {}
        if chosen.colour != default["colour"]:
            entry["colour"] = chosen.colour
        if chosen.letter != default["letter"]:
            entry["letter"] = chosen.letter
        if chosen.legend:
            entry["label"] = chosen.legend
        if entry:
            stored[category] = entry
    before = conference.badge_scheme or {}
    if stored == before:
        return False
    conference.badge_scheme = stored
    audit.record("conference.badge_scheme_changed", conference, actor=actor, conference_id=conference.id,
                 before={k: str(v) for k, v in before.items()}, after={k: str(v) for k, v in stored.items()})
    return True
