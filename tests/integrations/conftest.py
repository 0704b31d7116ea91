import pytest

from tests.factories import ProgramFactory


@pytest.fixture
def diabetes(db):
    return ProgramFactory(code="diabetes", name="Diabetes care")


@pytest.fixture
def write(tmp_path):
    """write(text, name=..., encoding=...) → the path of a file holding it."""

    def _write(content: str | bytes, *, name: str = "rows.csv", encoding: str = "utf-8"):
        path = tmp_path / name
        path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
        return path

    return _write
