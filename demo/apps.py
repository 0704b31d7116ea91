from django.apps import AppConfig


class DemoConfig(AppConfig):
    """The demo practice a newcomer sees on `make run` (`seed_demo`). Development tooling: no
    models, and no product app imports it."""

    name = "demo"
    verbose_name = "Demo practice"
