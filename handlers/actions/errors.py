"""Why a plan cannot be made or carried out, as data the brain turns into words."""
from __future__ import annotations

from crm.errors import InvalidInput, NotAllowed, NotFound


class NotOwner(NotAllowed):
    """The lead belongs to another agent (or to nobody) and the actor is not an admin."""

    def __init__(self, *, lead_id: int, lead_name: str, owner_name: str | None) -> None:
        self.lead_id, self.lead_name, self.owner_name = lead_id, lead_name, owner_name
        super().__init__(f"{lead_name} is {owner_name or 'nobody'}'s lead")


class LeadNotFound(NotFound):
    def __init__(self, *, lead_id: object) -> None:
        self.lead_id = lead_id
        super().__init__("no such lead")


class UnknownStatus(InvalidInput):
    def __init__(self, *, status: str, valid: tuple[str, ...]) -> None:
        self.status, self.valid = status, valid
        super().__init__(f"unknown status {status!r}")


class UnknownKind(InvalidInput):
    def __init__(self, *, kind: str, valid: tuple[str, ...]) -> None:
        self.kind, self.valid = kind, valid
        super().__init__(f"unknown interaction kind {kind!r}")


class InvalidAction(InvalidInput):
    """An action that lacks something it needs (``field``) or has an unknown ``type``."""

    def __init__(self, *, reason: str, field: str | None = None) -> None:
        self.reason, self.field = reason, field
        super().__init__(f"invalid action: {reason}")
