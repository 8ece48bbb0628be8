from django.apps import AppConfig


class EncryptionConfig(AppConfig):
    name = "accord.encryption"
    label = "encryption"
    verbose_name = "Encryption at rest"

    def ready(self) -> None:
        from .keys import keyring

        keyring()  # misconfigured keys fail at start-up, not at the first victim record
