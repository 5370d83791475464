from django.apps import AppConfig
from django.db.models.signals import post_migrate


def _sync_instructor_group(sender, using, **kwargs) -> None:
    # Permissions are created by post_migrate too; this runs after they exist (it is
    # connected to the last app's signal), so the group holds exactly the listed ones even
    # when a new model brought new permissions.
    from courseapp.enrollments import instructor_group

    instructor_group()


class CourseappConfig(AppConfig):
    name = "courseapp"
    verbose_name = "Courses"

    def ready(self) -> None:
        post_migrate.connect(_sync_instructor_group, dispatch_uid="courseapp.instructor_group")
