from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Permission


class ModelPermissionBackend(ModelBackend):
    """Django's ModelBackend, reading a user's own permissions and their roles' (groups')
    permissions in one query instead of two: every page asks for a permission."""

    def get_all_permissions(self, user_obj, obj=None):
        if not user_obj.is_active or user_obj.is_anonymous or obj is not None:
            return set()
        if not hasattr(user_obj, "_perm_cache"):
            columns = ("content_type__app_label", "codename")
            if user_obj.is_superuser:
                perms = Permission.objects.values_list(*columns)
            else:
                # Unordered: SQLite allows no ORDER BY inside a UNION's parts.
                perms = (
                    Permission.objects.filter(user=user_obj)
                    .order_by()
                    .values_list(*columns)
                    .union(Permission.objects.filter(group__user=user_obj).order_by().values_list(*columns))
                )
            user_obj._perm_cache = {f"{app}.{codename}" for app, codename in perms}
        return user_obj._perm_cache
