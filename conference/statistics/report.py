"""The attendance report: its tables (the same for the page, the CSV files and the PDF) and its PDF."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime

from flask import render_template
from markupsafe import Markup

from conference.conferences.models import Conference
from conference.core.pdf import STATIC, render_pdf
from conference.registration.models import EntityType, RegionalGroup
from conference.statistics import charts

CATEGORY_LABELS = {
    "STATE_PARTY": "States parties", "SIGNATORY": "Signatory States", "NON_SIGNATORY": "Non-signatory States",
    "UN_ENTITY": "United Nations entities", "IGO": "Intergovernmental organizations",
    "NGO_ECOSOC": "NGOs in consultative status with ECOSOC", "NGO_OTHER": "Other NGOs", "MEDIA": "Media",
    "SECRETARIAT": "Secretariat", "HOST_COUNTRY": "Host country", "OTHER": "Others",
}
GROUP_LABELS = {"AFRICAN": "African States", "ASIA_PACIFIC": "Asia-Pacific States",
                "EASTERN_EUROPEAN": "Eastern European States", "GRULAC": "Latin American and Caribbean States",
                "WEOG": "Western European and other States"}
DEFINITIONS = [
    "A participant is a person whose registration was approved by the secretariat, in any category.",
    "A participant attended when at least one badge scan admitted them, at the building's gate or at a session's door.",
    "States are States parties, signatories and non-signatory States with at least one participant. The European "
    "Union, a party as a regional economic integration organization, is counted among parties, not among States.",
    "Intergovernmental organizations include the entities of the United Nations system.",
    "A side-event panel is gender-balanced when neither women nor men hold more than 60 per cent of its seats.",
]


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list]


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "—"


def tables(figures: dict) -> list[Table]:
    """Every table of the report, in its order."""
    out = [Table("categories", "Participation by category",
                 ["Category", "Entities represented", "Participants", "Participants who attended"],
                 [[CATEGORY_LABELS[t.value], figures["entities_by_category"][t.value], figures["by_category"][t.value],
                   figures["attended_by_category"][t.value]] for t in EntityType
                  if figures["by_category"][t.value] or t.value in ("STATE_PARTY", "IGO", "NGO_ECOSOC")])]
    groups = figures["regional_groups"]
    out.append(Table("regional-groups", "States by United Nations regional group",
                     ["Regional group", "States represented", "Participants", "Women", "Heads of delegation",
                      "Women among heads"],
                     [[GROUP_LABELS[g.value], groups[g.value]["states"], groups[g.value]["participants"],
                       _share(groups[g.value]["women"], groups[g.value]["participants"]), groups[g.value]["heads"],
                       _share(groups[g.value]["women_heads"], groups[g.value]["heads"])] for g in RegionalGroup]))
    gender = figures["by_gender"]
    delegates = figures["delegates_by_gender"]
    heads = figures["heads_by_gender"]
    speakers = figures["panels"]["speakers"]

    def women(d: dict) -> str:
        return _share(d.get("female", 0), sum(d.values()))

    out.append(Table("gender", "Gender", ["Who", "Women", "Men", "Other or not disclosed", "Share of women"], [
        ["All participants", gender["female"], gender["male"], gender["other"] + gender["undisclosed"],
         women(gender)],
        ["Delegates of States", delegates["female"], delegates["male"],
         delegates["other"] + delegates["undisclosed"], women(delegates)],
        ["Heads of delegation", heads["female"], heads["male"], heads["other"] + heads["undisclosed"], women(heads)],
        ["Side-event panellists", speakers["female"], speakers["male"], speakers["other or undisclosed"],
         women(speakers)],
    ]))
    panels = figures["panels"]
    out.append(Table("panels", "Side-event panels", ["Panels", "Gender-balanced", "Share"],
                     [[panels["with_speakers"], panels["balanced"], _share(panels["balanced"],
                                                                          panels["with_speakers"])]]))
    d = figures["delegations"]
    out.append(Table("delegations", "Delegations", ["Delegation", "Participants"],
                     [[row["name"], row["participants"]] for row in d["largest"]]
                     + [[f"Median of {d['count']} delegations", d["median"]]]))
    cred = figures["credentials"]
    out.append(Table("credentials", "Credentials of States parties represented", ["Credentials", "States parties"],
                     [["Originals received", cred.get("RECEIVED", 0)], ["Copies received", cred.get("PROVISIONAL", 0)],
                      ["Not yet received", cred.get("PENDING", 0)]]))
    out.append(Table("sessions", "Side events, roundtables and networking sessions",
                     ["Session", "Kind", "Seats", "Sign-ups", "Invited", "Attendees", "States represented"],
                     [[s["title"], s["kind"].replace("_", " ").lower(), s["seats"] or "open", s["signups"],
                       s["invited"], s["attendees"], s["states"]] for s in figures["sessions"]]))
    out.append(Table("side-events-by-organizer", "Side events by their lead organizer",
                     ["Lead organizer", "Side events"],
                     [[CATEGORY_LABELS[k], v] for k, v in panels["side_events_by_organizer"].items()]))
    out.append(Table("registrations-per-day", "Registrations per day before the session", ["Day", "Registrations"],
                     [[day, n] for day, n in figures["registrations_per_day"].items()]))
    out.append(Table("checkins-per-day", "Participants at the building per day", ["Day", "Participants"],
                     [[day, n] for day, n in figures["checkins_per_day"].items()]))
    return out


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    for row in table.rows:
        # Cells that a spreadsheet would run as a formula are written as text.
        writer.writerow([f"'{c}" if isinstance(c, str) and c[:1] in ("=", "+", "-", "@", "\t", "\r") else c
                         for c in row])
    return out.getvalue()


def chart_set(figures: dict) -> dict[str, Markup]:
    by_category = [(CATEGORY_LABELS[k], v) for k, v in figures["by_category"].items() if v]
    by_group = [(GROUP_LABELS[k], v) for k, v in figures["by_regional_group"].items()]
    return {
        "categories": Markup(charts.bar_chart("Participants by category", by_category)),
        "groups": Markup(charts.bar_chart("Participants from States, by regional group", by_group)),
        "registrations": Markup(charts.timeline("Registrations per day", figures["registrations_per_day"])),
        "checkins": Markup(charts.timeline("Participants at the building per day", figures["checkins_per_day"])),
    }


def context(conference: Conference, figures: dict) -> dict:
    cut_off = datetime.fromisoformat(figures["cut_off"])
    return {"conference": conference, "figures": figures, "tables": tables(figures), "charts": chart_set(figures),
            "definitions": DEFINITIONS, "cut_off": conference.local(cut_off)}


def render(conference: Conference, figures: dict) -> bytes:
    """The report as a PDF, through the project's one PDF helper."""
    html = render_template("statistics/report.html", **context(conference, figures), printing=True)
    return render_pdf(html, base_url=STATIC, stylesheets=["css/report.css"])
