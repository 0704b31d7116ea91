"""The import pages' forms: the upload, and the column mapping."""

from __future__ import annotations

from django import forms

from accounts.models import CareTeam
from accounts.scope import team_id_list
from integrations.imports.base import sole_team
from integrations.imports.files import MAX_BYTES
from integrations.imports.runner import HANDLERS, mapping_problems, team_problem
from integrations.models import ImportKind, ImportMapping


class UploadForm(forms.Form):
    kind = forms.ChoiceField(label="What the file holds")
    file = forms.FileField(label="Spreadsheet (CSV or XLSX)")
    source = forms.ChoiceField(
        label="Saved mapping", required=False, help_text="Reuse the columns of a source you mapped before."
    )
    team = forms.ModelChoiceField(
        queryset=CareTeam.objects.none(),
        required=False,
        label="Team for rows that name none",
        help_text="Patients only: rows with no team column or an empty one go to this team.",
    )

    def __init__(self, *args, user, kinds, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [(k, ImportKind(k).label) for k in kinds]
        names = ImportMapping.objects.filter(kind__in=kinds).values_list("name", flat=True).distinct()
        self.fields["source"].choices = [
            ("", "— guess from the headers —"),
            *((n, n) for n in sorted(set(names))),
        ]
        if ImportKind.PATIENTS not in kinds:  # front desk imports appointments only: no team to choose
            del self.fields["team"]
            return
        self.fields["team"].queryset = CareTeam.objects.filter(pk__in=team_id_list(user)).order_by("name")
        self.fields["team"].initial = sole_team(user)  # one team: theirs, shown chosen

    def clean_file(self):
        uploaded = self.cleaned_data["file"]
        if uploaded.size > MAX_BYTES:
            raise forms.ValidationError(f"The file is larger than {MAX_BYTES // (1024 * 1024)} MB: split it.")
        if not uploaded.name.lower().endswith((".csv", ".txt", ".tsv", ".xlsx")):
            raise forms.ValidationError("Upload a .csv or .xlsx file.")
        return uploaded


class MappingForm(forms.Form):
    """One choice per column of the file: the field it fills, or none."""

    save_as = forms.CharField(
        label="Save this mapping as",
        max_length=40,
        required=False,
        help_text="A name for the source (“athena export”, “payer gaps”), to reuse for its next file.",
    )

    def __init__(self, *args, kind: str, headers: list[str], mapping: dict[str, str], user, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.headers, self.user = kind, headers, user
        choices = [("", "— not imported —"), *((f.name, f.label) for f in HANDLERS[kind].fields)]
        for i, header in enumerate(headers):
            self.fields[f"col_{i}"] = forms.ChoiceField(
                label=header or f"(column {i + 1}, no header)", choices=choices, required=False
            )
            self.initial.setdefault(f"col_{i}", mapping.get(header, ""))
        if HANDLERS[kind].team_field:
            self.fields["team"] = forms.ModelChoiceField(
                queryset=CareTeam.objects.filter(pk__in=team_id_list(user)).order_by("name"),
                required=False,
                label="Team for rows that name none",
                help_text="Needed unless a column is mapped to Care team.",
            )
            if self.initial.get("team") is None:
                self.initial["team"] = sole_team(user)

    def columns(self):
        return [self[f"col_{i}"] for i in range(len(self.headers))]

    def clean(self):
        data = super().clean()
        mapping = {h: data.get(f"col_{i}") for i, h in enumerate(self.headers) if h and data.get(f"col_{i}")}
        for problem in mapping_problems(self.kind, mapping):
            self.add_error(None, problem)
        if "team" in self.fields:
            data["team"] = data.get("team") or sole_team(self.user)
            missing_team = team_problem(self.kind, mapping, data["team"])
            if missing_team:
                self.add_error(None, missing_team)
        data["mapping"] = mapping
        return data
