"""Uploaded files, kept under settings.IMPORTS_DIR (FOLLOWTHROUGH_VAR_DIR/imports) while their run needs them: the worker
reads them from there, never from the request. They hold patient data: the run deletes its file
when it is done, and nothing else reads the folder."""

from __future__ import annotations

import uuid
from pathlib import Path

from django.conf import settings

MAX_BYTES = 100 * 1024 * 1024


def folder() -> Path:
    path = Path(settings.IMPORTS_DIR)
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path


def store(uploaded) -> str:
    """Save an upload under a name of our own (never the uploader's) and return its path."""
    suffix = ".xlsx" if uploaded.name.lower().endswith(".xlsx") else ".csv"
    path = folder() / f"{uuid.uuid4().hex}{suffix}"
    with open(path, "wb") as f:
        for chunk in uploaded.chunks():
            f.write(chunk)
    return str(path)


def store_bytes(content: bytes, *, suffix: str = ".csv") -> str:
    path = folder() / f"{uuid.uuid4().hex}{suffix}"
    path.write_bytes(content)
    return str(path)


def remove(path: str) -> None:
    if path and Path(path).parent == folder():
        Path(path).unlink(missing_ok=True)
