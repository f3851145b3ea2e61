"""One module per resource; each method is a thin call through the route table.

:class:`ResourceAccess` gives :class:`~enspace_async.EnspaceClient` one attribute per resource,
created on first use and bound to that client (or view).
"""

from __future__ import annotations

from functools import cached_property
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .fields import Fields
    from .flows import Flows, Stages, Tasks
    from .forms import Forms
    from .integrations import Integrations
    from .items import Items
    from .member_groups import MemberGroups
    from .members import Members
    from .quick_tasks import QuickTasks, ScheduleTasks
    from .roles import Roles
    from .types import Types
    from .user import CurrentUser
    from .workspaces import Workspaces

__all__ = ["ResourceAccess"]


class ResourceAccess:
    """The resource attributes of a client."""

    @cached_property
    def types(self) -> Types:
        """Types (the product's categories): ``client.types.list()`` and friends."""
        from .types import Types

        return Types(self)  # type: ignore[arg-type]

    @cached_property
    def items(self) -> Items:
        """Items of a type: ``client.items.list("contracts")`` and friends."""
        from .items import Items

        return Items(self)  # type: ignore[arg-type]

    @cached_property
    def workspaces(self) -> Workspaces:
        """The caller's workspaces and the current one's overview: ``client.workspaces.stats()``."""
        from .workspaces import Workspaces

        return Workspaces(self)  # type: ignore[arg-type]

    @cached_property
    def fields(self) -> Fields:
        """The fields of a type: ``client.fields.list("contracts")`` and friends."""
        from .fields import Fields

        return Fields(self)  # type: ignore[arg-type]

    @cached_property
    def flows(self) -> Flows:
        """Flows (workflows of a type): ``client.flows.list(type_slug="contracts")``."""
        from .flows import Flows

        return Flows(self)  # type: ignore[arg-type]

    @cached_property
    def stages(self) -> Stages:
        """Stages of flows: ``client.stages.list(flow_id=3)``."""
        from .flows import Stages

        return Stages(self)  # type: ignore[arg-type]

    @cached_property
    def tasks(self) -> Tasks:
        """Tasks of flow stages: ``client.tasks.list(stage_id=5)``."""
        from .flows import Tasks

        return Tasks(self)  # type: ignore[arg-type]

    @cached_property
    def forms(self) -> Forms:
        """Forms of a type: ``client.forms.list("contracts")``."""
        from .forms import Forms

        return Forms(self)  # type: ignore[arg-type]

    @cached_property
    def members(self) -> Members:
        """Workspace members: ``client.members.create(email=..., type="viewer")``."""
        from .members import Members

        return Members(self)  # type: ignore[arg-type]

    @cached_property
    def roles(self) -> Roles:
        """Roles and their permissions: ``client.roles.list_permissions(role_id)``."""
        from .roles import Roles

        return Roles(self)  # type: ignore[arg-type]

    @cached_property
    def member_groups(self) -> MemberGroups:
        """Member groups: ``client.member_groups.add_users(group_id, [member_id])``."""
        from .member_groups import MemberGroups

        return MemberGroups(self)  # type: ignore[arg-type]

    @cached_property
    def quick_tasks(self) -> QuickTasks:
        """Quick tasks (to-dos): ``client.quick_tasks.create(title=...)``."""
        from .quick_tasks import QuickTasks

        return QuickTasks(self)  # type: ignore[arg-type]

    @cached_property
    def schedule_tasks(self) -> ScheduleTasks:
        """Tasks scheduled for items in flow stages: ``client.schedule_tasks.list()``."""
        from .quick_tasks import ScheduleTasks

        return ScheduleTasks(self)  # type: ignore[arg-type]

    @cached_property
    def integrations(self) -> Integrations:
        """Integrations: ``client.integrations.create(SendGridConfig(...))``."""
        from .integrations import Integrations

        return Integrations(self)  # type: ignore[arg-type]

    @cached_property
    def user(self) -> CurrentUser:
        """The caller's own records: ``client.user.request_log()``, ``client.user.api_keys()``."""
        from .user import CurrentUser

        return CurrentUser(self)  # type: ignore[arg-type]
