"""Spreadsheet import: a file's rows → patients, appointments, enrollments, care plans.

- reading: the file (CSV of any delimiter and encoding, XLSX), as rows, streamed;
- values: what a cell means (dates in the common US formats, times, names);
- mapping: which column is which field, guessed from the headers;
- patients, appointments, plans: one handler per kind (check a chunk of rows, save it);
- runner: a run, in two passes (check every row; then, if none was refused, save them all in one
  transaction), with its progress and summary.
"""
