"""Admin search on the big tables (tasks, timelines, notices, access logs): every term an index
probe. Django's "=id" search compares `id::text`, and OR-ing it with a patient's MRN across a
join made PostgreSQL read every row (half a second at a million tasks)."""

from django.contrib.auth import get_user_model
from django.db.models import Q

from careplans.models import Patient


class IndexedSearchMixin:
    """A term of digits finds the row whose `search_id` field has that number; any term finds
    the rows of the patients with that MRN (exact, any case: the UPPER(mrn) index) through
    `search_patient`, and of the user with that username through `search_user`."""

    search_id: str | None = None  # e.g. "pk", "task_id"
    search_patient: str | None = None  # path to the patient FK, e.g. "patient"
    search_user: str | None = None  # path to the user FK, e.g. "recipient"

    def get_search_results(self, request, queryset, search_term):
        User = get_user_model()
        term = search_term.strip()
        if not term:
            return queryset, False
        found = Q(pk__in=[])
        if self.search_id and term.isdigit():
            found |= Q(**{self.search_id: int(term)})
        if self.search_patient:
            patients = list(Patient.objects.filter(mrn__iexact=term).values_list("pk", flat=True))
            if patients:
                found |= Q(**{f"{self.search_patient}_id__in": patients})
        if self.search_user:
            users = list(User.objects.filter(username__iexact=term).values_list("pk", flat=True))
            if users:
                found |= Q(**{f"{self.search_user}_id__in": users})
        return queryset.filter(found), False
