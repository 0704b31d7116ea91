"""The demo practice's people: the named demo staff (password settings.DEMO_PASSWORD), their
care teams and locations, and at scale as many extra full teams as the practice needs.

Created through the ORM, get-or-create by natural key: a second run finds them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Group
from guardian.shortcuts import assign_perm

from accounts.models import CareTeam, Location
from accounts.roles import Role
from demo.practice import FD, MA, PR, C, ProgramInfo, build_programs, words

WORK_PERM = "accounts.work_in_careteam"
MANAGE_PERM = "accounts.manage_careteam"


@dataclass(frozen=True)
class Person:
    username: str
    first_name: str
    last_name: str
    role: str


ADMIN = Person("admin", "Site", "Administrator", Role.ADMIN)
# Hears of every emergency access (break the glass); works in no team.
COMPLIANCE = Person("compliance", "Cameron", "Reyes", Role.COMPLIANCE)
NAMED_STAFF = {
    # team key -> people working in it (work_in_careteam)
    "riverside-a": (
        Person("coordinator", "Casey", "Rivera", C),
        Person("coordinator2", "Jamie", "Chen", C),
        Person("provider", "Priya", "Shah", PR),
        Person("ma", "Devon", "Price", MA),
        Person("frontdesk", "Frankie", "Dunn", FD),
    ),
    "riverside-b": (
        Person("coordinator3", "Taylor", "Brooks", C),
        Person("provider2", "Samuel", "Okafor", PR),
        Person("ma2", "Lee", "Santos", MA),
        Person("frontdesk2", "Robin", "Kemp", FD),
    ),
    "hillcrest": (
        Person("coordinator4", "Riley", "Patel", C),
        Person("provider3", "Elena", "Marsh", PR),
        Person("ma3", "Sam", "Whitfield", MA),
        Person("frontdesk2", "Robin", "Kemp", FD),
    ),
}
NAMED_MANAGERS = (
    (Person("manager", "Morgan", "Hale", Role.MANAGER), ("riverside-a", "riverside-b")),
    (Person("manager2", "Quinn", "Harper", Role.MANAGER), ("hillcrest",)),
)
CORE_TEAMS = (  # key, team name, location
    ("riverside-a", "Riverside Team A", "Riverside Clinic"),
    ("riverside-b", "Riverside Team B", "Riverside Clinic"),
    ("hillcrest", "Hillcrest Team", "Hillcrest Clinic"),
)
EXTRA_LOCATIONS = ("Lakeside Clinic", "Meadowbrook Clinic")
# A full team at scale: this many people per role.
FULL_TEAM = {PR: 2, C: 4, MA: 2, FD: 2}
STAFF_FIRST = words(
    "Alex Blair Cam Drew Emery Flynn Gray Harley Jules Kendall Logan Marley Noel Parker Reese Sage"
)
STAFF_LAST = words(
    "Abbott Barnes Coleman Dawson Ellison Fischer Garner Holt Ingram Jennings Keller Lowe Monroe"
)
ROLE_SLUG = {PR: "prov", C: "coord", MA: "ma", FD: "desk"}


@dataclass
class TeamInfo:
    id: int
    name: str
    location_id: int
    members: dict[str, list[int]] = field(default_factory=dict)  # role -> user ids
    managers: list[int] = field(default_factory=list)


@dataclass
class Practice:
    teams: list[TeamInfo]
    programs: dict[str, ProgramInfo]
    admin_id: int


class _StaffMaker:
    """Creates (or finds) staff. One password hash for all: hashing is the slow part."""

    def __init__(self):
        self.User = get_user_model()
        self.groups = {g.name: g for g in Group.objects.all()}
        self.password = make_password(settings.DEMO_PASSWORD)

    def get(self, person: Person, **flags):
        user = self.User.objects.filter(username=person.username).first()
        if user is None:
            user = self.User(
                username=person.username,
                first_name=person.first_name,
                last_name=person.last_name,
                email=f"{person.username}@followthrough.example.org",
                password=self.password,
                **flags,
            )
            user.save()
            user.groups.add(self.groups[str(person.role)])
        return user


def build_practice(*, teams: int) -> Practice:
    """The named demo practice (3 teams, 2 locations); with `teams` > 3, as many extra full teams
    over two more locations, and the core teams topped up to full size."""
    staff = _StaffMaker()
    admin = staff.get(ADMIN, is_staff=True)  # the Admin role, not a superuser: sees no patient
    staff.get(COMPLIANCE)
    locations = {}
    team_rows = []
    for key, name, location in CORE_TEAMS:
        loc = locations.get(location) or Location.objects.get_or_create(name=location)[0]
        locations[location] = loc
        team_rows.append((key, CareTeam.objects.get_or_create(name=name, defaults={"location": loc})[0]))
    extra_locations = [Location.objects.get_or_create(name=name)[0] for name in EXTRA_LOCATIONS]
    all_locations = [*locations.values(), *extra_locations]
    for n in range(len(CORE_TEAMS) + 1, teams + 1):
        loc = all_locations[n % len(all_locations)]
        team_rows.append(
            (
                f"t{n:02d}",
                CareTeam.objects.get_or_create(
                    name=f"{loc.name.split()[0]} Team {n:02d}", defaults={"location": loc}
                )[0],
            )
        )

    infos = {key: TeamInfo(team.pk, team.name, team.location_id) for key, team in team_rows}
    people = {key: list(NAMED_STAFF.get(key, ())) for key, _ in team_rows}
    if teams > len(CORE_TEAMS):
        for n, (key, _) in enumerate(team_rows, start=1):
            for role, wanted in FULL_TEAM.items():
                have = sum(1 for p in people[key] if p.role == role)
                for i in range(have + 1, wanted + 1):
                    first = STAFF_FIRST[(n * 7 + i * 3 + len(people[key])) % len(STAFF_FIRST)]
                    last = STAFF_LAST[(n * 5 + i + len(people[key])) % len(STAFF_LAST)]
                    people[key].append(Person(f"t{n:02d}.{ROLE_SLUG[role]}{i}", first, last, role))
    teams_by_key = dict(team_rows)
    for key, persons in people.items():
        for person in persons:
            user = staff.get(person)
            assign_perm(WORK_PERM, user, teams_by_key[key])
            infos[key].members.setdefault(str(person.role), []).append(user.pk)

    managed = [(person, keys) for person, keys in NAMED_MANAGERS]
    extra_keys = [key for key, _ in team_rows[len(CORE_TEAMS) :]]
    for i in range(0, len(extra_keys), 2):
        n = i // 2 + 1
        person = Person(
            f"manager.{n:02d}",
            STAFF_FIRST[n % len(STAFF_FIRST)],
            STAFF_LAST[-n % len(STAFF_LAST)],
            Role.MANAGER,
        )
        managed.append((person, tuple(extra_keys[i : i + 2])))
    for person, keys in managed:
        user = staff.get(person)
        for key in keys:
            assign_perm(MANAGE_PERM, user, teams_by_key[key])
            infos[key].managers.append(user.pk)
    return Practice(teams=[infos[key] for key, _ in team_rows], programs=build_programs(), admin_id=admin.pk)
