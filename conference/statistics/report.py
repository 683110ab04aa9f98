"""The attendance report: its tables (the same for the page, the CSV files and the PDF) and its PDF.

The page and the PDF are in the language of the person asking; the CSV files keep English headers and ISO dates
(a machine format, read by spreadsheets and scripts).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime, time

from flask import render_template
from markupsafe import Markup

from conference.conferences.models import Conference
from conference.core.i18n import CLOCK, _, _l, current_language, force_locale, format_day, format_moment, format_number
from conference.core.pdf import STATIC, render_pdf
from conference.programme.models import SessionKind
from conference.programme.services import BALANCE_SHARE
from conference.statistics import charts
from conference.statistics.services import CATEGORIES, GROUPS, NO_GROUP

CATEGORY_LABELS = {
    "STATE_PARTY": _l("States parties"), "SIGNATORY": _l("Signatory States"),
    "NON_SIGNATORY": _l("Non-signatory States"), "REIO": _l("Regional economic integration organization"),
    "UN_ENTITY": _l("United Nations Secretariat units and bodies"),
    "SPECIALIZED_AGENCY": _l("Specialized agencies and related organizations"),
    "IGO": _l("Other intergovernmental organizations"), "NGO_ECOSOC": _l("NGOs in consultative status with ECOSOC"),
    "NGO_OTHER": _l("Other NGOs"), "MEDIA": _l("Media"), "SECRETARIAT": _l("Secretariat"),
    "HOST_COUNTRY": _l("Host country"), "OTHER": _l("Others"),
}
GROUP_LABELS = {"AFRICAN": _l("African States"), "ASIA_PACIFIC": _l("Asia-Pacific States"),
                "EASTERN_EUROPEAN": _l("Eastern European States"),
                "GRULAC": _l("Latin American and Caribbean States"),
                "WEOG": _l("Western European and other States"),
                NO_GROUP: _l("States in no regional group")}
# Rows the categories table always shows, even at zero: the headline's three kinds of participant.
ALWAYS_SHOWN = ("STATE_PARTY", "IGO", "NGO_ECOSOC")


def definitions(conference: Conference) -> list[str]:
    """The definitions printed on the report, in the language of the request; the panel rule's share comes from the
    code that applies it."""
    return [
        _("A participant is a person whose registration was approved by the secretariat, in any category."),
        _("A participant attended when at least one badge scan admitted them, at the building's gate or at a "
          "session's door, on one of the session's days within the venue's opening hours (%(opens)s to %(closes)s).",
          opens=_clock(conference, conference.venue_opens), closes=_clock(conference, conference.venue_closes)),
        _("States are States parties, signatories and non-signatory States with at least one participant. The "
          "European Union, a party as a regional economic integration organization, is not a State: it has a row "
          "of its own and is not counted among States parties."),
        _("Intergovernmental organizations include the units and bodies of the United Nations Secretariat (its funds "
          "and programmes among them), the specialized agencies and related organizations, and the other "
          "intergovernmental organizations; each has its own row in the tables."),
        _("Medians and shares are given per category: a State delegation's size is not comparable with an NGO's."),
        _("A side-event panel is gender-balanced when it has at least two panellists whose gender is known and "
          "neither women nor men hold more than %(share)s per cent of those seats.",
          share=format_number(round(100 * BALANCE_SHARE))),
        _("Registrations per day count every registration submitted that day, whatever became of it."),
    ]


def _clock(conference: Conference, clock: time) -> str:
    return format_moment(datetime.combine(conference.starts_on, clock), skeleton=CLOCK)


@dataclass
class Table:
    name: str
    title: str
    headers: list[str]
    rows: list[list]
    total: list | None = None  # the row of totals, printed last and checked against the figures beside it


def _share(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f} %" if whole else "—"


def _day(iso: str, machine: bool) -> str:
    return iso if machine else format_day(date.fromisoformat(iso))


def _moment(iso: str | None, machine: bool) -> str:
    if not iso:
        return ""
    return iso if machine else format_moment(datetime.fromisoformat(iso))  # written at the venue's offset


def _kind(value: str) -> str:
    try:
        return SessionKind(value).label
    except ValueError:
        return value


def tables(figures: dict, *, machine: bool = False) -> list[Table]:
    """Every table of the report, in its order, in the language of the request; `machine`: days as ISO dates (CSV)."""
    total = figures["participants"]
    women_all = figures["by_gender"]["female"]
    shown = [c for c in CATEGORIES if figures["by_category"][c] or c in ALWAYS_SHOWN]
    out = [Table("categories", _("Participation by category"),
                 [_("Category"), _("Entities represented"), _("Participants"), _("Share of participants"),
                  _("Share of women"), _("Participants who attended")],
                 [[str(CATEGORY_LABELS[c]), figures["entities_by_category"][c], figures["by_category"][c],
                   _share(figures["by_category"][c], total),
                   _share(figures["women_by_category"][c], figures["by_category"][c]),
                   figures["attended_by_category"][c]] for c in shown],
                 [_("Total"), sum(figures["entities_by_category"].values()), total, _share(total, total),
                  _share(women_all, total), figures["attended"]])]
    groups = figures["regional_groups"]
    state_total = {k: sum(g[k] for g in groups.values()) for k in ("states", "participants", "women", "heads",
                                                                   "women_heads")}
    out.append(Table("regional-groups", _("States by United Nations regional group"),
                     [_("Regional group"), _("States represented"), _("Participants"), _("Women"),
                      _("Heads of delegation"), _("Women among heads")],
                     [[str(GROUP_LABELS[g]), groups[g]["states"], groups[g]["participants"],
                       _share(groups[g]["women"], groups[g]["participants"]), groups[g]["heads"],
                       _share(groups[g]["women_heads"], groups[g]["heads"])]
                      for g in GROUPS if g != NO_GROUP or groups[g]["states"]],
                     [_("Total"), state_total["states"], state_total["participants"],
                      _share(state_total["women"], state_total["participants"]), state_total["heads"],
                      _share(state_total["women_heads"], state_total["heads"])]))
    gender = figures["by_gender"]
    delegates = figures["delegates_by_gender"]
    heads = figures["heads_by_gender"]
    speakers = figures["panels"]["speakers"]

    def women(d: dict) -> str:
        return _share(d.get("female", 0), sum(d.values()))

    out.append(Table("gender", _("Gender"), [_("Who"), _("Women"), _("Men"), _("Other or not disclosed"),
                                             _("Share of women")], [
        [_("All participants"), gender["female"], gender["male"], gender["other"] + gender["undisclosed"],
         women(gender)],
        [_("Delegates of States"), delegates["female"], delegates["male"],
         delegates["other"] + delegates["undisclosed"], women(delegates)],
        [_("Heads of delegation"), heads["female"], heads["male"], heads["other"] + heads["undisclosed"],
         women(heads)],
        [_("Side-event panellists"), speakers["female"], speakers["male"], speakers["other or undisclosed"],
         women(speakers)],
    ]))
    panels = figures["panels"]
    out.append(Table("panels", _("Side-event panels"), [_("Panels"), _("Gender-balanced"), _("Share")],
                     [[panels["with_speakers"], panels["balanced"], _share(panels["balanced"],
                                                                          panels["with_speakers"])]]))
    d = figures["delegations"]
    out.append(Table("delegations", _("Delegation size by category"),
                     [_("Category"), _("Delegations"), _("Median size"), _("Largest")],
                     [[str(CATEGORY_LABELS[c]), v["delegations"], v["median"], v["largest"]]
                      for c, v in d["by_category"].items()],
                     [_("Total"), d["count"], d["median"], max((r["participants"] for r in d["largest"]), default=0)]))
    out.append(Table("largest-delegations", _("Largest delegations"), [_("Delegation"), _("Participants")],
                     [[row["name"], row["participants"]] for row in d["largest"]]))
    cred = figures["credentials"]
    out.append(Table("credentials", _("Credentials of States parties represented"),
                     [_("Credentials"), _("States parties")],
                     [[_("Originals received"), cred.get("RECEIVED", 0)],
                      [_("Copies received"), cred.get("PROVISIONAL", 0)],
                      [_("Not yet received"), cred.get("PENDING", 0)]],
                     [_("Total"), sum(cred.values())]))
    out.append(Table("sessions", _("Side events, roundtables and networking sessions"),
                     [_("Date and time"), _("Session"), _("Kind"), _("Seats"), _("Sign-ups"), _("Invited"),
                      _("Attendees"), _("States represented")],
                     [[_moment(s["starts"], machine), s["title"], _kind(s["kind"]), s["seats"] or _("open"),
                       s["signups"], s["invited"], s["attendees"], s["states"]] for s in figures["sessions"]]))
    by_organizer = panels["side_events_by_organizer"]
    out.append(Table("side-events-by-organizer", _("Side events by their lead organizer"),
                     [_("Lead organizer"), _("Side events")],
                     [[str(CATEGORY_LABELS[k]), v] for k, v in by_organizer.items()],
                     [_("Total"), sum(by_organizer.values())]))
    weeks = figures["registrations_per_week"]
    out.append(Table("registrations-per-week", _("Registrations submitted per week"),
                     [_("Week of"), _("Registrations")],
                     [[_day(day, machine), n] for day, n in weeks.items()],
                     [_("Total"), sum(weeks.values())]))
    out.append(Table("checkins-per-day", _("Participants at the building per day"), [_("Day"), _("Participants")],
                     [[_day(day, machine), n] for day, n in figures["checkins_per_day"].items()]))
    return out


def csv_tables(figures: dict) -> list[Table]:
    """The tables as the CSV files give them: English headers and labels, ISO dates, whoever asks."""
    with force_locale("en"):
        return tables(figures, machine=True)


def table_csv(table: Table) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(table.headers)
    for row in table.rows + ([table.total] if table.total else []):
        # Cells that a spreadsheet would run as a formula are written as text.
        writer.writerow([f"'{c}" if isinstance(c, str) and c[:1] in ("=", "+", "-", "@", "\t", "\r") else c
                         for c in row])
    return out.getvalue()


def chart_set(figures: dict) -> dict[str, Markup]:
    """The report's four charts, in the language of the request (mirrored on a right-to-left page)."""
    rtl = current_language().direction == "rtl"
    by_category = [(str(CATEGORY_LABELS[k]), v) for k, v in figures["by_category"].items() if v]
    by_group = [(str(GROUP_LABELS[k]), v) for k, v in figures["by_regional_group"].items()
                if k != NO_GROUP or v]
    return {
        "categories": Markup(charts.bar_chart(_("Participants by category"), by_category,
                                              axis=_("Participants"), rtl=rtl)),
        "groups": Markup(charts.bar_chart(_("Participants from States, by regional group"), by_group,
                                          axis=_("Participants"), rtl=rtl)),
        "registrations": Markup(charts.timeline(_("Registrations per day"), figures["registrations_per_day"],
                                                axis=_("Registrations submitted each day"), rtl=rtl)),
        "checkins": Markup(charts.timeline(_("Participants at the building per day"), figures["checkins_per_day"],
                                           axis=_("Participants admitted at the gate each day"), rtl=rtl)),
    }


def key_figures(figures: dict) -> list[tuple[str, str]]:
    """The figures a press release quotes, first on the report: (number, what it counts)."""
    women = figures["by_gender"]["female"]
    return [
        (format_number(figures["participants"]), _("participants")),
        (format_number(figures["states"]), _("States")),
        (format_number(figures["igos"] + figures["ngos"]),
         _("organizations (%(igos)s intergovernmental, %(ngos)s non-governmental)",
           igos=format_number(figures["igos"]), ngos=format_number(figures["ngos"]))),
        (_share(women, figures["participants"]), _("women (%(num)s participants)", num=format_number(women))),
        (format_number(figures["side_events"]),
         _("side events (%(num)s organized or co-organized by NGOs)",
           num=format_number(figures["side_events_co_organized_by_ngos"]))),
    ]


def _css_string(text: str) -> str:
    """`text` as a CSS string; `<` escaped too, so that no translation can close the <style> it is written in."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ").replace("<", "\\3c ")
    return f'"{escaped}"'


def page_numbers_css() -> Markup:
    """The PDF's page footer ("Page 2 of 9") in the reader's language, as CSS for the report's <style>: the words
    are translated, the numbers are the page counters."""
    words = _("Page %(page)s of %(pages)s", page="\0page\0", pages="\0pages\0")
    content = " ".join(f"counter({part})" if i % 2 and part in ("page", "pages") else _css_string(part)
                       for i, part in enumerate(words.split("\0")) if part)
    return Markup("@page { @bottom-right { content: %s; } }") % Markup(content)


def context(conference: Conference, figures: dict) -> dict:
    cut_off = datetime.fromisoformat(figures["cut_off"])
    return {"conference": conference, "figures": figures, "tables": tables(figures), "charts": chart_set(figures),
            "key_figures": key_figures(figures), "definitions": definitions(conference), "cut_off": cut_off}


def render(conference: Conference, figures: dict) -> bytes:
    """The report as a PDF, through the project's one PDF helper, in the language of the request (of the person
    asking; English on the command line)."""
    html = render_template("statistics/report.html", **context(conference, figures), printing=True,
                           page_numbers=page_numbers_css())
    return render_pdf(html, base_url=STATIC, stylesheets=["css/report.css", "css/charts.css"])
