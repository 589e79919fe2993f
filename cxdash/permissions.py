"""Who may do what, and see which providers and services: one module, Dash-free.

Roles, each with everything of the roles before it:
- viewer: reads;
- contributor: commentary, decisions, actions and events on the measures of the providers
  (and services) they are granted;
- review_lead: marks a review held, reopens a held review (with a reason), builds packs;
- administrator: sources, loads, maturity ratings, initiatives, users and the audit trail.

A person's scope (``Scope``) is the providers and services they may see: their grants, or
everything for a cross-agency grant (and for administrators). ``check`` is the one function every
write and download calls on the server; it raises ``Refused`` (a UserError the page shows, and
a 403 for machine requests) with a plain sentence.

Roll-ups: measure_result and score_cell keep 'all' rows computed over every provider at compute
time. Only a cross-agency scope may see a provider 'all' row; a provider-level 'all' service row
only for a grant of the whole provider. ``narrow`` drops every other row from a page's filter
options, and ``resolve`` turns any request outside the scope into the person's own default scope,
so no page reads a roll-up that includes data the person may not see.

One exception, the cross-agency benchmark beside a measure (every provider's responses summed):
someone without a cross-agency grant sees it only when it sums at least
MIN_BENCHMARK_PROVIDERS providers (``Scope.may_see_benchmark``), so it never comes down to one
other provider's figure (the sum of two, less one's own).
"""
from __future__ import annotations

import dataclasses
import getpass
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from cxdash.channels import ALL
from cxdash.errors import UserError
from cxdash.metrics.names import name_key

ROLES = ("viewer", "contributor", "review_lead", "administrator")
RANK = {role: i for i, role in enumerate(ROLES)}
ROLE_WORDS = {"viewer": "viewer", "contributor": "contributor", "review_lead": "review lead",
              "administrator": "administrator"}

# action -> the least role that may do it (every role above may too)
ACTIONS = {
    "read": "viewer",
    "download": "viewer",
    "commentary": "contributor",
    "action": "contributor",
    "event": "contributor",
    "freeze": "review_lead",
    "reopen": "review_lead",
    "build_pack": "review_lead",
    "maturity": "administrator",
    "initiatives": "administrator",
    "sources": "administrator",
    "load": "administrator",
    "users": "administrator",
    "audit": "administrator",
}
ACTION_WORDS = {
    "commentary": "save commentary", "action": "record decisions and actions", "event": "add or delete events",
    "freeze": "mark a review as held", "reopen": "reopen a held review", "build_pack": "build review packs",
    "maturity": "save maturity ratings", "initiatives": "change initiatives", "sources": "change sources",
    "load": "load data", "users": "manage users", "audit": "read the audit trail", "download": "download this",
    "read": "see this",
}
ACCESS_FILE = "access.yaml"
MIN_BENCHMARK_PROVIDERS = 3


class Refused(UserError):
    """A request the person's role or scope does not allow (HTTP 403)."""

    status = 403


@dataclass(frozen=True)
class Scope:
    """The providers and services a person may see. ``grants`` holds (provider, service) name keys;
    service 'all' means every service of the provider."""

    everything: bool = False
    grants: frozenset[tuple[str, str]] = frozenset()

    @classmethod
    def of(cls, pairs: Iterable[tuple[str, str]], everything: bool = False) -> Scope:
        keys = set()
        for provider, service in pairs:
            provider, service = (provider or ALL), (service or ALL)
            if name_key(provider) == ALL:
                everything = True
                continue
            keys.add((name_key(provider), name_key(service)))
        return cls(everything, frozenset() if everything else frozenset(keys))

    @property
    def key(self) -> str:
        """A stable text for cache keys: two people with the same scope share cached pages."""
        return "*" if self.everything else "|".join(f"{p}/{s}" for p, s in sorted(self.grants))

    @property
    def nothing(self) -> bool:
        return not self.everything and not self.grants

    def allows(self, provider: str | None, service: str | None = ALL) -> bool:
        """Whether rows of this provider and service (either may be 'all', a roll-up) may be seen."""
        if self.everything:
            return True
        provider, service = name_key(provider or ALL), name_key(service or ALL)
        if provider == ALL:
            return False
        return (provider, ALL) in self.grants or (service != ALL and (provider, service) in self.grants)

    def may_see_benchmark(self, providers: int) -> bool:
        """Whether a sum over ``providers`` providers, most of them perhaps outside the scope, may be
        shown: always with a cross-agency grant, else only when it covers at least
        MIN_BENCHMARK_PROVIDERS providers (with two, it less one's own is the other's figure)."""
        return self.everything or providers >= MIN_BENCHMARK_PROVIDERS

    def allows_provider(self, provider: str) -> bool:
        """Whether some service of the provider may be seen."""
        return self.everything or any(p == name_key(provider) for p, _ in self.grants)

    def narrow(self, options: pd.DataFrame) -> pd.DataFrame:
        """A frame with provider and service columns, without the rows outside the scope (the
        roll-ups included: 'all' providers unless cross-agency, a provider's 'all' services unless
        the whole provider is granted)."""
        if self.everything or options.empty:
            return options
        pairs = options[["provider", "service"]].drop_duplicates()
        keep = {(p, s) for p, s in pairs.itertuples(index=False) if self.allows(p, s)}
        mask = [(p, s) in keep for p, s in options[["provider", "service"]].itertuples(index=False)]
        return options[mask]

    def default(self, options: pd.DataFrame) -> tuple[str, str]:
        """Where a page opens for this person: everything ('all', 'all') when cross-agency, else their
        first granted provider (as a whole when granted, else its first granted service) in
        ``options`` (already narrowed); (None, None) when nothing they may see has results."""
        if self.everything:
            return ALL, ALL
        narrowed = self.narrow(options)
        if narrowed.empty:
            return None, None
        pairs = sorted({(p, s) for p, s in narrowed[["provider", "service"]].itertuples(index=False)},
                       key=lambda ps: (name_key(ps[0]), ps[1] != ALL, name_key(ps[1])))
        return pairs[0]

    def describe(self) -> str:
        if self.everything:
            return "all providers and services"
        if not self.grants:
            return "no providers"
        return "; ".join(p if s == ALL else f"{p}: {s}" for p, s in sorted(self.grants))


EVERYTHING = Scope(everything=True)
NOTHING = Scope()


@dataclass(frozen=True)
class Principal:
    """Who is acting, as the server knows it (never from a form): for the checks and the audit trail."""

    username: str
    role: str = "viewer"
    scope: Scope = NOTHING
    via: str = "local"  # local, oidc, no-sign-in, cli, scheduler
    name: str = ""

    @property
    def shown_as(self) -> str:
        return self.name or self.username


def allowed(role: str, action: str) -> bool:
    """Whether a role may do an action at all (its scope aside)."""
    if action not in ACTIONS:
        raise KeyError(f"unknown action {action!r}")
    return RANK.get(role, -1) >= RANK[ACTIONS[action]]


def check(who: Principal | None, action: str, provider: str | None = None, service: str | None = None) -> Principal:
    """The one permission check: the person's role allows the action and, when a provider is
    named, their scope allows that provider and service. Returns the person; raises Refused."""
    if who is None:
        raise Refused("sign in first")
    if not allowed(who.role, action):
        raise Refused(f"your role ({ROLE_WORDS.get(who.role, who.role)}) cannot {ACTION_WORDS.get(action, action)}; "
                      f"ask an administrator if you need to")
    if provider is not None and not who.scope.allows(provider, service):
        where = "all providers" if (provider or ALL) == ALL else provider + ("" if (service or ALL) == ALL
                                                                               else f", {service}")
        raise Refused(f"you cannot {ACTION_WORDS.get(action, action)} for {where}: it is outside the providers "
                      f"and services you are granted ({who.scope.describe()})")
    return who


def check_measure(who: Principal | None, action: str, catalogue, measure_id: str | None) -> Principal:
    """check() for a write on a measure: every service the measure covers must be in scope (a
    measure with no measure id is agency-wide: cross-agency scope only)."""
    check(who, action)
    if who.scope.everything:
        return who
    if not measure_id:
        raise Refused("an agency-wide decision or action needs a cross-agency grant; choose one of your measures")
    try:
        measure = catalogue.measure(measure_id)
    except KeyError:
        raise UserError(f"measure {measure_id!r} is not in the catalog") from None
    services = [catalogue.service(s) for s in measure.services]
    if not services or not all(who.scope.allows(s.provider, " ".join(s.name.split())) for s in services):
        raise Refused(f"you cannot {ACTION_WORDS.get(action, action)} for {measure.name}: it covers services "
                      f"outside those you are granted ({who.scope.describe()})")
    return who


# --- local accounts and the identity provider's groups --------------------------------------------

def local_scope(role: str, grants: Iterable[tuple[str, str]]) -> Scope:
    """A local account's scope: its grants (provider 'all': cross-agency); administrators see everything."""
    if role == "administrator":
        return EVERYTHING
    return Scope.of(grants)


@dataclass(frozen=True)
class GroupAccess:
    role: str
    everything: bool = False
    grants: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class AccessConfig:
    """config/access.yaml: the identity provider's groups -> role and providers/services."""

    groups: Mapping[str, GroupAccess] = field(default_factory=dict)

    def for_groups(self, groups: Iterable[str]) -> tuple[str, Scope]:
        """The highest role and the union of the scopes of the person's groups; a person in no
        mapped group is a viewer who sees nothing."""
        matched = [self.groups[g] for g in groups if g in self.groups]
        if not matched:
            return "viewer", NOTHING
        role = max((m.role for m in matched), key=RANK.__getitem__)
        if role == "administrator" or any(m.everything for m in matched):
            return role, EVERYTHING
        return role, Scope.of(pair for m in matched for pair in m.grants)


def parse_access(data, where: str = ACCESS_FILE) -> AccessConfig:
    """Checked: every group names a role and either all: true or providers (each a name, or a
    mapping {provider: NAME, services: [NAMES]})."""
    if data is None:
        return AccessConfig()
    if not isinstance(data, dict) or not isinstance(data.get("groups", {}), dict):
        raise UserError(f"{where}: expected a mapping with 'groups:' (group name -> role and providers)")
    out = {}
    for group, entry in (data.get("groups") or {}).items():
        at = f"{where}: groups.{group}"
        if not isinstance(entry, dict):
            raise UserError(f"{at}: expected a mapping with role and providers (or all: true)")
        unknown = set(entry) - {"role", "all", "providers"}
        if unknown:
            raise UserError(f"{at}: unknown key(s) {', '.join(sorted(map(str, unknown)))}")
        role = entry.get("role")
        if role not in ROLES:
            raise UserError(f"{at}.role: expected one of {', '.join(ROLES)}, got {role!r}")
        everything = entry.get("all", False)
        if not isinstance(everything, bool):
            raise UserError(f"{at}.all: expected true or false")
        pairs = []
        for i, item in enumerate(entry.get("providers") or []):
            if isinstance(item, str):
                pairs.append((item, ALL))
            elif isinstance(item, dict) and isinstance(item.get("provider"), str):
                services = item.get("services") or []
                if not isinstance(services, list) or not all(isinstance(s, str) for s in services):
                    raise UserError(f"{at}.providers[{i}].services: expected a list of service names")
                pairs.extend((item["provider"], s) for s in services) if services else pairs.append(
                    (item["provider"], ALL))
            else:
                raise UserError(f"{at}.providers[{i}]: expected a provider name or {{provider: NAME, services: [...]}}")
        if not everything and not pairs and role != "administrator":
            raise UserError(f"{at}: name the providers it may see, or all: true")
        out[str(group)] = GroupAccess(role=role, everything=everything, grants=tuple(pairs))
    return AccessConfig(out)


def load_access(path: Path) -> AccessConfig:
    if not path.is_file():
        return AccessConfig()
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML: {exc}") from None
    return parse_access(data, str(path))


def with_role(who: Principal, role: str) -> Principal:
    return dataclasses.replace(who, role=role)


def access_config() -> AccessConfig:
    """access.yaml from the agency's configuration folder, else the shipped default."""
    from cxdash import paths
    return load_access(paths.config_file(ACCESS_FILE))


def cli_principal() -> Principal:
    """Who runs a command: the operating-system user (a CLI has no sign-in)."""
    try:
        name = getpass.getuser()
    except (KeyError, OSError):
        name = "unknown"
    return Principal(username=name, role="administrator", scope=EVERYTHING, via="cli")
