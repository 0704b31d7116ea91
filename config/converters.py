"""Path converters. An object's id in a URL is at most 18 digits: anything longer is past the
largest id a bigint holds (9223372036854775807), so the URL answers 404 before it reaches a
query, which PostgreSQL would refuse with an error ("bigint out of range") and SQLite with an
OverflowError."""

ID_DIGITS = 18


class IdConverter:
    regex = f"[0-9]{{1,{ID_DIGITS}}}"

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)
