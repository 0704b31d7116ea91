"""Render the pages people open most, as several users, and save or compare their HTML.

Made for render work (issue #15): nothing a user sees may change. Save the pages before a change
(`--save DIR`), make it, then `--compare DIR` on the same database: every page is requested
again and diffed, whitespace between tags and the per-request CSRF tokens set aside. Run it on
the demo practice (`manage.py seed_demo`), debug off as in production."""

from __future__ import annotations

import difflib
import re
import warnings
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.test.utils import override_settings
from django.urls import reverse

from benchmark.runner import signed_in
from careplans.models import Patient
from tasks.choices import Status
from tasks.models import Task

USERS = ("coordinator", "manager", "provider", "frontdesk", "ma", "manager2")
QUEUE_QUERIES = ("", "?page=2", "?sort=-priority", "?due=overdue", "?kind=lab", "?status=waiting")


def _pages(user) -> list[tuple[str, str, bool]]:
    """(name, url, htmx) for this user: the lists, and a few of their patients and tasks of
    every status (the first by id, so the same ones each run)."""
    pages = [
        ("my_work", reverse("my_work"), False),
        ("my_work.htmx", reverse("my_work"), True),
        ("patient_list", reverse("patient_list"), False),
        ("patient_list.p2", reverse("patient_list") + "?page=2", False),
        ("inbox", reverse("inbox"), False),
        ("dashboard", reverse("dashboard"), False),
    ]
    for n, query in enumerate(QUEUE_QUERIES):
        pages.append((f"queue.{n}", reverse("team_queue") + query, False))
    pages.append(("queue.htmx", reverse("team_queue"), True))
    tasks = Task.objects.visible_to(user).order_by("pk")
    picked = []
    for status in Status.values:
        picked += list(tasks.filter(status=status).values_list("pk", flat=True)[:2])
    picked += list(tasks.filter(depends_on__isnull=False).values_list("pk", flat=True)[:2])
    picked += list(
        tasks.filter(activities__kind="contact_attempt").distinct().values_list("pk", flat=True)[:2]
    )
    for pk in picked:
        pages.append((f"task.{pk}", reverse("task_detail", args=[pk]), False))
        pages.append((f"task.{pk}.htmx", reverse("task_detail", args=[pk]), True))
    for pk in Patient.objects.visible_to(user).order_by("pk").values_list("pk", flat=True)[:4]:
        pages.append((f"patient.{pk}", reverse("patient_detail", args=[pk]), False))
    return pages


BLOCK_END = re.compile(r" (</(?:div|fieldset|p|li|ul|ol|td|th|tr|tbody|thead|table|form|section|article)>)")
TOKEN = re.compile(r'(name="csrfmiddlewaretoken" value=")[^"]*(")')


def normalise(html: str) -> str:
    """Whitespace runs made one space (a browser shows them alike), then a line per tag: a line
    that starts with a space had whitespace before it, which can show between inline tags, so it
    still counts. Whitespace before a tag's closing ">", or at the end of a block, dropped: a
    browser never shows it. CSRF tokens blanked."""
    html = TOKEN.sub(r"\1-\2", html)
    html = re.sub(r"\s+", " ", html)
    html = re.sub(r" >", ">", html)  # inside a tag (Jinja2's widget attributes end with a newline)
    html = BLOCK_END.sub(r"\1", html)  # a block's trailing space is never laid out
    html = html.replace("> <", ">\n <").replace("><", ">\n<")
    return html.strip() + "\n"


class Command(BaseCommand):
    help = "Save (--save DIR) or compare (--compare DIR) the rendered HTML of the main pages."

    def add_arguments(self, parser):
        group = parser.add_mutually_exclusive_group(required=True)
        group.add_argument("--save")
        group.add_argument("--compare")
        parser.add_argument("--user", action="append", dest="users")

    def handle(self, *args, save=None, compare=None, users=None, **options):
        warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
        folder = Path(save or compare)
        folder.mkdir(parents=True, exist_ok=True)
        differing = total = 0
        with override_settings(DEBUG=False, ALLOWED_HOSTS=[*settings.ALLOWED_HOSTS, "testserver"]):
            for username in users or USERS:
                user = get_user_model().objects.filter(username=username).first()
                if user is None:
                    continue
                client = signed_in(user)
                for name, url, htmx in _pages(user):
                    headers = {"HX-Request": "true"} if htmx else {}
                    response = client.get(url, secure=True, headers=headers)
                    body = f"{response.status_code}\n" + normalise(response.content.decode())
                    path = folder / f"{username}.{name}.html"
                    total += 1
                    if save:
                        path.write_text(body)
                        continue
                    before = path.read_text() if path.exists() else ""
                    if before != body:
                        differing += 1
                        diff = difflib.unified_diff(
                            before.splitlines(), body.splitlines(), str(path), "now", lineterm="", n=1
                        )
                        self.stdout.write("\n".join(list(diff)[:40]))
        self.stdout.write(f"{total} pages {'saved' if save else 'compared'}, {differing} differ")
        if differing:
            raise CommandError(f"{differing} of {total} pages differ")
