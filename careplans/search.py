"""Finding a patient from one search box (the header's and the patients list's): the text's shape
says what it is. A date is a date of birth; digits (with a phone's punctuation) are a phone number
or part of an MRN; "Last, First" is that; other words are each part of the patient's name, in
either order, and a single word may also be part of the MRN.

On PostgreSQL every condition below is served by an index (careplans migration 0011): trigram
GIN indexes on UPPER(last_name), UPPER(first_name), UPPER(mrn) and the phone's digits, so a part
found anywhere in the field is an index probe, and a btree on birth_date. A part shorter than a
trigram is matched at the field's start, which the trigram index serves too ('%ab%' has no
trigram to look up, 'ab%' has). On SQLite (the embedded practice, thousands of patients) the
same conditions scan the table.
"""

import datetime as dt
import re

from django.db.models import F, Q, Value
from django.db.models.functions import Replace

# What people type around a phone's digits; the expression index strips exactly these.
PHONE_PUNCTUATION = ("(", ")", "-", " ", ".", "+")
PHONE_MIN_DIGITS = 7
DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
PHONE_LIKE = re.compile(r"[\d()\-. +]+")
TRIGRAM = 3


def phone_digits():
    """The phone number's digits, as the database computes them: the same expression as the
    trigram index on it, so `contains` on it is an index probe."""
    expression = F("phone")
    for character in PHONE_PUNCTUATION:
        expression = Replace(expression, Value(character), Value(""))
    return expression


def _part(field: str, text: str) -> Q:
    """`text` anywhere in `field`, any case; at its start when shorter than a trigram."""
    lookup = "icontains" if len(text) >= TRIGRAM else "istartswith"
    return Q(**{f"{field}__{lookup}": text})


def _birth_date(text: str) -> dt.date | None:
    """MM/DD/YYYY (or M/D/YYYY), or YYYY-MM-DD; None when that day does not exist."""
    if match := DATE.fullmatch(text):
        month, day, year = (int(n) for n in match.groups())
    else:
        year, month, day = (int(n) for n in ISO_DATE.fullmatch(text).groups())
    try:
        return dt.date(year, month, day)
    except ValueError:
        return None


def _phone_or_mrn(text: str) -> Q | None:
    """Digits, perhaps with a phone's punctuation: part of the MRN, or from 7 digits on part of
    the phone number (a leading 1, the US country code, dropped)."""
    if not PHONE_LIKE.fullmatch(text):
        return None
    digits = re.sub(r"\D", "", text)
    if not digits:
        return None
    found = _part("mrn", text)
    if len(digits) >= PHONE_MIN_DIGITS:
        if len(digits) == 11 and digits.startswith("1"):
            digits = digits[1:]
        found |= Q(phone_digits__contains=digits)
    return found


def _name(text: str) -> Q:
    """With a comma, "Last, First": the last name contains Last, the first name starts with First.
    Otherwise each word starts the first name or is part of the last name, so "First Last" and
    "Last First" both find the patient; a single word may also be part of the MRN."""
    if "," in text:
        last, first = (part.strip() for part in text.split(",", 1))
        found = Q()
        if last:
            found &= _part("last_name", last)
        if first:
            found &= Q(first_name__istartswith=first)
        return found
    words = text.split()
    found = Q()
    for word in words:
        found &= Q(first_name__istartswith=word) | _part("last_name", word)
    if len(words) == 1:
        found |= _part("mrn", text)
    return found


def search_patients(patients, text: str):
    """`patients` (already scoped: Patient.objects.visible_to(user)) narrowed to those `text`
    finds; all of them when `text` is blank."""
    text = " ".join(text.split())
    if not text.strip(", "):
        return patients
    if DATE.fullmatch(text) or ISO_DATE.fullmatch(text):
        born = _birth_date(text)
        return patients.filter(birth_date=born) if born else patients.none()  # 02/30/1950: nobody
    phone_or_mrn = _phone_or_mrn(text)
    if phone_or_mrn is not None:
        return patients.alias(phone_digits=phone_digits()).filter(phone_or_mrn)
    return patients.filter(_name(text))
