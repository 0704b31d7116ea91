from django.apps import AppConfig


class CcmConfig(AppConfig):
    name = "ccm"
    verbose_name = "Chronic care management"

    def ready(self):
        # A refused request for a time entry is logged like one for its patient's record
        # (tasks.access_log reads this table; ccm, above tasks, adds its own URLs to it).
        from ccm.access import REFUSED_TARGETS
        from tasks.access_log import REFUSED_TARGETS as logged

        logged.update(REFUSED_TARGETS)
