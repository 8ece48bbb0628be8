from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "accord.accounts"
    label = "accounts"
    verbose_name = "Task forces, agencies and users"

    def ready(self) -> None:
        from accord.web.context_processors import NavItem, register

        from .models import Role

        register(NavItem("Users", "accounts:user_list", roles=frozenset({Role.COORDINATOR})))
        register(NavItem("Your sessions", "accounts:sessions"))
        register(
            NavItem(
                "Task force settings",
                "accounts:task_force_settings",
                roles=frozenset({Role.COORDINATOR}),
            )
        )
