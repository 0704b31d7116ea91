"""`manage.py fhir_import BUNDLE.json [--team TEAM] [--owner USERNAME] [--dry-run]`: import a FHIR
R4 Bundle (integrations.fhir.importer), all or nothing; prints the report, exits non-zero when
the Bundle was refused."""

import json
import sys
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from accounts.models import CareTeam, User
from integrations.fhir.importer import import_bundle


class Command(BaseCommand):
    help = (
        "Import a FHIR R4 Bundle (collection or transaction) of patients, appointments, plans, goals, tasks."
    )

    def add_arguments(self, parser):
        parser.add_argument("bundle", help="The Bundle, as FHIR JSON.")
        parser.add_argument("--team", help="Care team (name or id) new patients go to.")
        parser.add_argument(
            "--owner", help="Username owning tasks (and authoring plans) whose Practitioner is no user here."
        )
        parser.add_argument("--dry-run", action="store_true", help="Check everything, save nothing.")

    def handle(self, *args, bundle, team, owner, dry_run, **options):
        try:
            data = json.loads(Path(bundle).read_text(encoding="utf-8-sig"))
        except OSError as missing:
            raise CommandError(f"cannot read {bundle}: {missing.strerror}") from None
        except ValueError:
            raise CommandError(f"{bundle} is not JSON") from None
        report = import_bundle(data, team=self._team(team), default_owner=self._owner(owner), dry_run=dry_run)
        for line in report.summary_lines():
            self.stdout.write(line)
        if not report.ok:
            sys.exit(1)

    def _team(self, name):
        if not name:
            return None
        found = CareTeam.objects.filter(pk=int(name)).first() if name.isdigit() else None
        found = found or CareTeam.objects.filter(name__iexact=name).first()
        if found is None:
            raise CommandError(f"no care team {name!r}")
        return found

    def _owner(self, username):
        if not username:
            return None
        found = User.objects.filter(username=username, is_active=True).first()
        if found is None:
            raise CommandError(f"no active user {username!r}")
        return found
