"""The "Course instructors" group: the admin's model permissions on course data.

Instructors join it when they are enrolled as instructors (courseapp.roster.
grant_instructor_access); the admin limits what they see to the courses they teach.
"""

from django.db import migrations

GROUP = "Course instructors"
COURSE_APPS = ("courseapp", "schedule", "presentations", "grading")
USER_PERMISSIONS = ("view_user", "change_user")


def create_group(apps, schema_editor):
    # Permissions are normally created after all migrations have run (post_migrate); create
    # them now so that the group can hold them on a fresh database.
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        if app_config.label in (*COURSE_APPS, "auth"):
            app_config.models_module = True
            create_permissions(
                app_config, apps=apps, verbosity=0, using=schema_editor.connection.alias
            )
            app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.add(
        *Permission.objects.filter(content_type__app_label__in=COURSE_APPS),
        *Permission.objects.filter(content_type__app_label="auth", codename__in=USER_PERMISSIONS),
    )


def delete_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("courseapp", "0001_initial"),
        ("schedule", "0001_initial"),
        ("presentations", "0001_initial"),
        ("grading", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_group, delete_group)]
