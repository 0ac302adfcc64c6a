"""Typed domain errors. They carry a user-safe message; the edge turns them into words."""


class CrmError(Exception):
    """Base for errors whose message is safe to show to a user."""

    exit_code = 1


class NotFound(CrmError):
    pass


class NotAllowed(CrmError):
    pass


class InvalidInput(CrmError):
    exit_code = 2


class ConfigError(CrmError):
    exit_code = 2
