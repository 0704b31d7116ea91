from django.apps import AppConfig


class BenchmarkConfig(AppConfig):
    """The scale practice (`seed_scale`) and the page and job timings `make bench` runs
    against it (`bench`). Development tooling: no models, and no product app imports it."""

    name = "benchmark"
    verbose_name = "Benchmark"
