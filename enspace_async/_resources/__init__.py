"""One module per resource; each method is a thin call through the route table.

:class:`ResourceAccess` gives :class:`~enspace_async.EnspaceClient` one attribute per resource,
created on first use and bound to that client (or view). A resource depends on what it calls, a
:class:`~enspace_async._caller.Caller`, never on the client's module.
"""

from __future__ import annotations

from functools import cached_property

from .._caller import Caller
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
    def types(self: Caller) -> Types:
        """Types (the product's categories): ``client.types.list()`` and friends."""

        return Types(self)

    @cached_property
    def items(self: Caller) -> Items:
        """Items of a type: ``client.items.list("contracts")`` and friends."""

        return Items(self)

    @cached_property
    def workspaces(self: Caller) -> Workspaces:
        """The caller's workspaces and the current one's overview: ``client.workspaces.stats()``."""

        return Workspaces(self)

    @cached_property
    def fields(self: Caller) -> Fields:
        """The fields of a type: ``client.fields.list("contracts")`` and friends."""

        return Fields(self)

    @cached_property
    def flows(self: Caller) -> Flows:
        """Flows (workflows of a type): ``client.flows.list(type_slug="contracts")``."""

        return Flows(self)

    @cached_property
    def stages(self: Caller) -> Stages:
        """Stages of flows: ``client.stages.list(flow_id=3)``."""

        return Stages(self)

    @cached_property
    def tasks(self: Caller) -> Tasks:
        """Tasks of flow stages: ``client.tasks.list(stage_id=5)``."""

        return Tasks(self)

    @cached_property
    def forms(self: Caller) -> Forms:
        """Forms of a type: ``client.forms.list("contracts")``."""

        return Forms(self)

    @cached_property
    def members(self: Caller) -> Members:
        """Workspace members: ``client.members.create(email=..., type="viewer")``."""

        return Members(self)

    @cached_property
    def roles(self: Caller) -> Roles:
        """Roles and their permissions: ``client.roles.list_permissions(role_id)``."""

        return Roles(self)

    @cached_property
    def member_groups(self: Caller) -> MemberGroups:
        """Member groups: ``client.member_groups.add_users(group_id, [member_id])``."""

        return MemberGroups(self)

    @cached_property
    def quick_tasks(self: Caller) -> QuickTasks:
        """Quick tasks (to-dos): ``client.quick_tasks.create(title=...)``."""

        return QuickTasks(self)

    @cached_property
    def schedule_tasks(self: Caller) -> ScheduleTasks:
        """Tasks scheduled for items in flow stages: ``client.schedule_tasks.list()``."""

        return ScheduleTasks(self)

    @cached_property
    def integrations(self: Caller) -> Integrations:
        """Integrations: ``client.integrations.create(SendGridConfig(...))``."""

        return Integrations(self)

    @cached_property
    def user(self: Caller) -> CurrentUser:
        """The caller's own records: ``client.user.request_log()``, ``client.user.api_keys()``."""

        return CurrentUser(self)
