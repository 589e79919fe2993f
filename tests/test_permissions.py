"""cxdash.permissions on its own: which role may do what, the one check, scopes (grants, roll-ups,
what a page's filters resolve to) and access.yaml (the identity provider's groups)."""
from __future__ import annotations

import pandas as pd
import pytest
import yaml

from cxdash.catalogue import load_catalogue
from cxdash.errors import UserError
from cxdash.paths import catalogue_path
from cxdash.permissions import (
    ACTIONS,
    EVERYTHING,
    NOTHING,
    ROLES,
    Principal,
    Refused,
    Scope,
    allowed,
    check,
    check_measure,
    load_access,
    local_scope,
    parse_access,
)
from cxdash.presentation import scorecard

VHA, VBA, IRS = "Veterans Health Administration", "Veterans Benefits Administration", "Internal Revenue Service"
OUTPATIENT = "Receiving outpatient services"
CONTACT = "Contacting the Benefits Administration contact center"
FILING, IRS_GOV = "Filing an individual tax return", "Visiting IRS.gov"

# What measure_result holds: every cell and the roll-ups computed over everything ('all').
OPTIONS = pd.DataFrame(
    [(p, s, "all", 2023, 1) for p, s in [
        ("all", "all"), (VHA, "all"), (VHA, OUTPATIENT), (VBA, "all"), (VBA, CONTACT),
        (IRS, "all"), (IRS, FILING), (IRS, IRS_GOV)]],
    columns=["provider", "service", "channel", "fiscal_year", "fiscal_quarter"])


def test_each_role_may_do_what_it_says_and_everything_below():
    table = {role: {a for a in ACTIONS if allowed(role, a)} for role in ROLES}
    assert table["viewer"] == {"read", "download"}
    assert table["contributor"] == table["viewer"] | {"commentary", "action", "event"}
    assert table["review_lead"] == table["contributor"] | {"freeze", "reopen", "build_pack"}
    assert table["administrator"] == set(ACTIONS)
    assert not allowed("somebody", "read")  # an unknown role may do nothing
    with pytest.raises(KeyError):
        allowed("administrator", "launch")


def test_check_refuses_with_a_sentence_naming_the_role_or_the_scope():
    viewer = Principal("vee", "viewer", EVERYTHING)
    with pytest.raises(Refused, match=r"your role \(viewer\) cannot save commentary"):
        check(viewer, "commentary")
    with pytest.raises(Refused, match="sign in first"):
        check(None, "read")
    contributor = Principal("cee", "contributor", Scope.of([(VHA, "all")]))
    assert check(contributor, "event", VHA, OUTPATIENT) is contributor
    with pytest.raises(Refused, match=f"you cannot add or delete events for {VBA}: it is outside"):
        check(contributor, "event", VBA, "all")
    with pytest.raises(Refused, match="for all providers"):
        check(contributor, "event", "all", "all")
    lead = Principal("lee", "review_lead", Scope.of([(IRS, FILING)]))
    assert check(lead, "freeze", IRS, FILING) is lead
    with pytest.raises(Refused):  # the provider's roll-up includes a service not granted
        check(lead, "freeze", IRS, "all")
    assert Refused("x").status == 403 and isinstance(Refused("x"), UserError)


def test_a_measure_is_written_on_only_when_every_service_it_covers_is_granted():
    catalogue = load_catalogue(catalogue_path())
    contributor = Principal("cee", "contributor", Scope.of([(VHA, "all")]))
    assert check_measure(contributor, "commentary", catalogue, "vha-outpatient-trust") is contributor
    with pytest.raises(Refused, match="covers services outside"):
        check_measure(contributor, "commentary", catalogue, "vba-contact-trust")
    with pytest.raises(Refused, match="agency-wide"):
        check_measure(contributor, "action", catalogue, None)
    everywhere = Principal("eve", "contributor", EVERYTHING)
    assert check_measure(everywhere, "action", catalogue, None) is everywhere


def test_scope_allows_granted_rows_and_roll_ups_only_when_they_hold_nothing_else():
    provider_wide = Scope.of([(VHA, "all")])
    assert provider_wide.allows(VHA, "all") and provider_wide.allows(VHA, OUTPATIENT)
    assert provider_wide.allows(" veterans  health administration ", OUTPATIENT)  # names by name_key
    assert not provider_wide.allows("all", "all") and not provider_wide.allows(VBA, CONTACT)
    one_service = Scope.of([(IRS, FILING)])
    assert one_service.allows(IRS, FILING) and not one_service.allows(IRS, IRS_GOV)
    assert not one_service.allows(IRS, "all")  # IRS's roll-up includes IRS.gov
    assert one_service.allows_provider(IRS) and not one_service.allows_provider(VHA)
    assert Scope.of([("all", "all")]) == EVERYTHING and EVERYTHING.allows("all", "all")
    assert NOTHING.nothing and not NOTHING.allows(VHA, "all")
    assert local_scope("administrator", []) == EVERYTHING and local_scope("viewer", []) == NOTHING


def test_narrow_drops_other_providers_and_every_roll_up_over_them():
    kept = Scope.of([(VHA, "all"), (IRS, FILING)]).narrow(OPTIONS)
    assert set(map(tuple, kept[["provider", "service"]].values)) == {(IRS, FILING), (VHA, "all"), (VHA, OUTPATIENT)}
    assert EVERYTHING.narrow(OPTIONS) is OPTIONS and NOTHING.narrow(OPTIONS).empty


def test_a_page_resolves_within_the_grant_and_never_to_an_agency_wide_figure():
    mine = Scope.of([(VHA, "all"), (IRS, FILING)])
    # The default ('all' providers, the agency-wide roll-up) opens the first granted provider instead
    # (IRS, of which only filing is granted: that service, not IRS's roll-up).
    filters, available = scorecard.resolved_query({}, OPTIONS, scope=mine)
    assert (filters.provider, filters.service) == (IRS, FILING)
    assert available.providers == [IRS, VHA] and not available.all_providers and not available.all_services
    # A link to another provider, or to one of its services, resolves to the person's own scope.
    for query in ({"provider": VBA}, {"service": CONTACT}, {"provider": "all"}):
        filters, available = scorecard.resolved_query(query, OPTIONS, scope=mine)
        assert (filters.provider, filters.service) == (IRS, FILING), query
        assert VBA not in available.providers and CONTACT not in available.services
    # A provider granted as a whole opens on its roll-up, with "All services" offered.
    filters, available = scorecard.resolved_query({"provider": VHA}, OPTIONS, scope=mine)
    assert (filters.provider, filters.service) == (VHA, "all") and available.all_services
    assert available.services == [OUTPATIENT]
    # IRS as a whole is not granted (IRS.gov is not): its first granted service instead of its roll-up.
    filters, available = scorecard.resolved_query({"provider": IRS}, OPTIONS, scope=mine)
    assert (filters.provider, filters.service) == (IRS, FILING)
    assert available.services == [FILING] and not available.all_services
    # Nothing granted that has results: a scope no row has, and no quarter.
    filters, available = scorecard.resolved_query({}, OPTIONS, scope=Scope.of([("Nobody", "all")]))
    assert filters.provider == scorecard.NOTHING_GRANTED and filters.quarter is None and available.providers == []
    # Cross-agency: as before, 'all' included.
    filters, available = scorecard.resolved_query({}, OPTIONS, scope=EVERYTHING)
    assert (filters.provider, filters.service) == ("all", "all") and available.all_providers


def test_access_yaml_maps_groups_to_the_highest_role_and_the_union_of_providers(tmp_path):
    path = tmp_path / "access.yaml"
    path.write_text(yaml.safe_dump({"groups": {
        "vha-cx": {"role": "contributor", "providers": [VHA]},
        "irs-leads": {"role": "review_lead", "providers": [{"provider": IRS, "services": [FILING]}]},
        "executives": {"role": "viewer", "all": True},
        "admins": {"role": "administrator"},
    }}))
    access = load_access(path)
    role, scope = access.for_groups(["vha-cx", "irs-leads", "unmapped"])
    assert role == "review_lead" and scope == Scope.of([(VHA, "all"), (IRS, FILING)])
    assert access.for_groups(["executives"]) == ("viewer", EVERYTHING)
    assert access.for_groups(["admins"]) == ("administrator", EVERYTHING)
    assert access.for_groups(["vha-cx", "executives"]) == ("contributor", EVERYTHING)
    assert access.for_groups([]) == ("viewer", NOTHING)  # in no mapped group: sees nothing
    assert load_access(tmp_path / "missing.yaml").for_groups(["vha-cx"]) == ("viewer", NOTHING)
    for bad, message in (({"groups": {"g": {"role": "boss", "all": True}}}, "groups.g.role: expected one of"),
                         ({"groups": {"g": {"role": "viewer"}}}, "name the providers it may see"),
                         ({"groups": {"g": {"role": "viewer", "all": "yes"}}}, "groups.g.all"),
                         ({"groups": {"g": {"role": "viewer", "providers": [3]}}}, r"providers\[0\]"),
                         ({"groups": {"g": {"role": "viewer", "all": True, "extra": 1}}}, "unknown key"),
                         ([1, 2], "expected a mapping")):
        with pytest.raises(UserError, match=message):
            parse_access(bad, "access.yaml")


def test_the_shipped_access_yaml_is_valid_and_maps_nobody():
    from cxdash.permissions import access_config
    assert access_config().groups == {}
