from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and access"

    def ready(self):
        from accounts import (
            operators,  # noqa: F401  (connects the superuser log)
            signals,  # noqa: F401  (connects the sign-in receivers)
            twofactor,  # noqa: F401  (its sign-in signal receiver)
        )
