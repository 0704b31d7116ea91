from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accounts"
    verbose_name = "Accounts and access"

    def ready(self):
        from accounts import twofactor  # noqa: F401  (its sign-in signal receiver)
