"""The UN list Plenary ships (registration/data/un_entities.csv): its shape, and the UN's names rather than CLDR's."""

from __future__ import annotations

import re
from collections import Counter

import pycountry

from conference.demo import data as demo
from conference.registration.models import RegionalGroup
from conference.registration.services.un_list import LANGUAGES, ORGANIZATION_KINDS, STATE_KINDS, un_list

SCRIPTS = {"ru": re.compile(r"^[\u0400-\u04FF\s()\-—,'/]+$"),
           "zh": re.compile(r"^[\u3000-\u303F\u4E00-\u9FFF（）/、]+$"),
           "ar": re.compile(r"^[\u0600-\u06FF\s()\-/]+$")}


def members():
    return [e for e in un_list() if e.kind == "MEMBER_STATE"]


def by_iso():
    return {e.iso3: e for e in un_list() if e.iso3}


def test_the_193_member_states_in_their_regional_groups():
    states = members()
    assert len(states) == 193
    groups = Counter(e.regional_group for e in states)
    # As the domain rules count them (domain.md): WEOG's 28 members and the United States of America, which observes
    # WEOG and is counted there by choice; Türkiye counted in WEOG only; Kiribati in no group.
    assert groups == {RegionalGroup.AFRICAN: 54, RegionalGroup.ASIA_PACIFIC: 53, RegionalGroup.EASTERN_EUROPEAN: 23,
                      RegionalGroup.GRULAC: 33, RegionalGroup.WEOG: 28 + 1, None: 1}
    states = by_iso()
    assert states["USA"].regional_group == RegionalGroup.WEOG and "observer" in states["USA"].note
    assert states["TUR"].regional_group == states["ISR"].regional_group == RegionalGroup.WEOG
    assert states["KIR"].regional_group is None
    assert states["CYP"].regional_group == RegionalGroup.ASIA_PACIFIC


def test_iso_codes_are_real_and_unique_and_only_states_have_them():
    codes = [e.iso3 for e in un_list() if e.iso3]
    assert len(codes) == len(set(codes)) == 195
    assert all(pycountry.countries.get(alpha_3=code) for code in codes)
    assert all((e.iso3 is not None) == e.is_state for e in un_list())
    assert all(e.regional_group is None for e in un_list() if not e.is_state)


def test_observer_states_and_the_european_union():
    observers = {e.iso3: e for e in un_list() if e.kind == "OBSERVER_STATE"}
    assert {k: e.name for k, e in observers.items()} == {"VAT": "Holy See", "PSE": "State of Palestine"}
    assert observers["VAT"].regional_group is None
    assert observers["PSE"].regional_group == RegionalGroup.ASIA_PACIFIC
    eu = [e for e in un_list() if e.kind == "REIO"]
    assert [(e.name, e.acronym, e.iso3) for e in eu] == [("European Union", "EU", None)]
    assert eu[0].names["fr"] == "Union européenne" and eu[0].names["zh"] == "欧洲联盟"


def test_every_entity_has_its_name_in_the_six_languages_each_in_its_script():
    for e in un_list():
        assert set(e.names) == set(LANGUAGES)
        for lang, name in e.names.items():
            assert name and name == name.strip() and "  " not in name, (e.iso3 or e.acronym, lang, name)
            assert lang not in SCRIPTS or SCRIPTS[lang].match(name), (e.iso3 or e.acronym, lang, name)
            # CLDR's marks that a UN name never has: the typographic apostrophe, "&", "St.", "Congo - Kinshasa".
            assert not re.search(r"[’&]|\bSt\. | - Kinshasa|о-ва", name), (e.iso3 or e.acronym, lang, name)
    for lang in LANGUAGES:
        names = [e.names[lang] for e in un_list()]
        assert len(names) == len(set(names)), lang
    assert {e.kind for e in un_list()} == {*STATE_KINDS, *ORGANIZATION_KINDS}


def test_names_are_the_uns_short_names_not_cldrs():
    states = by_iso()
    english = {
        "TUR": "Türkiye", "CIV": "Côte d'Ivoire", "CZE": "Czechia", "KOR": "Republic of Korea",
        "PRK": "Democratic People's Republic of Korea", "IRN": "Iran (Islamic Republic of)",
        "BOL": "Bolivia (Plurinational State of)", "VEN": "Venezuela (Bolivarian Republic of)",
        "TZA": "United Republic of Tanzania", "MDA": "Republic of Moldova", "RUS": "Russian Federation",
        "SYR": "Syrian Arab Republic", "LAO": "Lao People's Democratic Republic",
        "FSM": "Micronesia (Federated States of)", "NLD": "Netherlands (Kingdom of the)",
        "GBR": "United Kingdom of Great Britain and Northern Ireland", "USA": "United States of America",
        "VNM": "Viet Nam", "SWZ": "Eswatini", "MKD": "North Macedonia", "VAT": "Holy See", "PSE": "State of Palestine",
        "COD": "Democratic Republic of the Congo", "COG": "Congo", "CPV": "Cabo Verde", "BRN": "Brunei Darussalam",
    }
    assert {code: states[code].name for code in english} == english
    french = {"TUR": "Türkiye", "KOR": "République de Corée", "IRN": "Iran (République islamique d')",
              "BLR": "Bélarus", "RUS": "Fédération de Russie", "USA": "États-Unis d'Amérique", "IRQ": "Iraq",
              "VAT": "Saint-Siège", "PSE": "État de Palestine", "CZE": "Tchéquie"}
    assert {code: states[code].names["fr"] for code in french} == french
    spanish = {"TUR": "Türkiye", "NZL": "Nueva Zelandia", "TTO": "Trinidad y Tabago", "KEN": "Kenya",
               "RUS": "Federación de Rusia"}
    assert {code: states[code].names["es"] for code in spanish} == spanish
    assert states["RUS"].names["ru"] == "Российская Федерация" and states["KOR"].names["zh"] == "大韩民国"
    assert states["USA"].names["ar"] == "الولايات المتحدة الأمريكية" and states["VAT"].names["ar"] == "الكرسي الرسولي"


def test_the_usual_organizations_by_kind():
    orgs = {e.acronym: e for e in un_list() if not e.is_state}
    assert len(orgs) == len([e for e in un_list() if not e.is_state])  # acronyms are unique
    assert all(e.acronym for e in orgs.values())
    kinds = {acronym: orgs[acronym].kind for acronym in ("UNODC", "UNDP", "WHO", "IOM", "IAEA", "INTERPOL", "OSCE",
                                                         "CoE")}
    assert kinds == {"UNODC": "UN_ENTITY", "UNDP": "UN_ENTITY", "WHO": "SPECIALIZED_AGENCY",
                     "IOM": "SPECIALIZED_AGENCY", "IAEA": "SPECIALIZED_AGENCY", "INTERPOL": "IGO", "OSCE": "IGO",
                     "CoE": "IGO"}
    english = [e.name for e in orgs.values()]
    assert len(english) == len({n.casefold() for n in english})


def test_the_demonstration_agrees_with_the_list():
    """The replay's States and organizations are the list's, with its names and groups: loading the list into the
    demonstration's database changes none of them."""
    states = by_iso()
    for iso3, name, group, _type, _pool in demo.STATES:
        assert (states[iso3].name, states[iso3].regional_group) == (name, RegionalGroup(group) if group else None)
    orgs = {e.name: e for e in un_list() if not e.is_state}
    for entity_type, name, short, _seat in demo.ORGANIZATIONS:
        assert (ORGANIZATION_KINDS[orgs[name].kind].value, orgs[name].acronym) == (entity_type, short)
    assert orgs[demo.EUROPEAN_UNION[0]].acronym == demo.EUROPEAN_UNION[1]
