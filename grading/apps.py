from django.apps import AppConfig


class GradingConfig(AppConfig):
    name = "grading"

    def ready(self) -> None:
        from grading import inuse

        inuse.register()
