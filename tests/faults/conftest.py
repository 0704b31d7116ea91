import pytest

from tests.notifications.conftest import seeded  # noqa: F401  (the role groups a flush removed)


@pytest.fixture
def report(request):
    """Figures a fault test states: printed (pytest -s shows them) and kept on the test's report."""
    figures: dict[str, object] = {}
    yield figures
    line = f"{request.node.name}: " + ", ".join(f"{k}={v}" for k, v in figures.items())
    print(line)
    request.node.user_properties.append(("faults", line))
