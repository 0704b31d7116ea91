"""The FHIR Bundle upload page: a manager imports a Bundle into a team they manage, dry run first
by default. The page shows the import's report (counts, and problems by bundle reference); it
names no patient."""

from __future__ import annotations

import json

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import render
from django.views.decorators.http import require_http_methods

from accounts.models import CareTeam
from accounts.scope import team_rights
from integrations.fhir.importer import import_bundle

IMPORT_RIGHT = "integrations.import_rows"
MAX_BYTES = 20 * 1024 * 1024  # a Bundle larger than this goes through `manage.py fhir_import`


class BundleUploadForm(forms.Form):
    bundle = forms.FileField(help_text="A FHIR R4 Bundle (JSON), of type collection or transaction.")
    team = forms.ModelChoiceField(queryset=CareTeam.objects.none(), help_text="Where new patients go.")
    dry_run = forms.BooleanField(
        required=False, initial=True, label="Dry run: check everything, save nothing"
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["team"].queryset = CareTeam.objects.filter(pk__in=team_rights(user)["manage"])

    def clean_bundle(self):
        upload = self.cleaned_data["bundle"]
        if upload.size > MAX_BYTES:
            raise forms.ValidationError(
                f"The file is over {MAX_BYTES // (1024 * 1024)} MB: import it with manage.py fhir_import."
            )
        try:
            return json.loads(upload.read().decode("utf-8-sig"))
        except (UnicodeDecodeError, ValueError):
            raise forms.ValidationError("The file is not JSON: export the Bundle as FHIR JSON.") from None


@require_http_methods(["GET", "POST"])
def upload(request):
    if not request.user.has_perm(IMPORT_RIGHT):
        raise PermissionDenied
    form = BundleUploadForm(request.POST or None, request.FILES or None, user=request.user)
    report = None
    if request.method == "POST" and form.is_valid():
        report = import_bundle(
            form.cleaned_data["bundle"],
            by=request.user,
            team=form.cleaned_data["team"],
            default_owner=request.user,
            dry_run=form.cleaned_data["dry_run"],
        )
    status = 400 if form.errors or (report and not report.ok) else 200
    return render(request, "integrations/fhir_upload.html", {"form": form, "report": report}, status=status)
