"""A practice's data in and out: spreadsheet imports, FHIR R4, the scheduling feed, calendar feeds."""
