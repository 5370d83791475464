from django.apps import AppConfig


class PresentationsConfig(AppConfig):
    name = "presentations"

    def ready(self) -> None:
        from presentations import inuse

        inuse.register()
