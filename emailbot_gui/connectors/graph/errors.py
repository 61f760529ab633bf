"""What can go wrong talking to Microsoft Graph, as exceptions the pipeline and the UI can tell apart:
`GraphUnavailable` (and its kinds) means "degraded, nothing lost, try again later"; `GraphError` with a
status is an answer from Graph; `GraphOutcomeUnknown` means a non-repeatable request may or may not have
taken effect and must be resolved by looking, never by sending again."""

from __future__ import annotations

from emailbot_gui.connectors.base import CheckAgainLater


class GraphError(Exception):
    """An error answer from Graph (status, Graph's error code and message) or a protocol problem."""

    def __init__(self, message: str, *, status: int = 0, code: str = "", request_id: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.request_id = request_id


class GraphNotFound(GraphError):
    pass


class GraphForbidden(GraphError):
    pass


class GraphSyncReset(GraphError):
    """410 Gone, or a delta/skip token Graph no longer knows: the folder must be synchronized again."""


class GraphAuthError(GraphError):
    """No token could be obtained, or Graph refused it even after one silent refresh."""


class SignInRequired(GraphAuthError):
    """Delegated mode without a signed-in operator (or the sign-in expired): the UI must ask for one."""


class GraphUnavailable(GraphError):
    """Graph did not answer usefully after the allowed retries: timeouts, resets, 5xx. The integration is
    degraded; whatever was being done can be done again later."""


class GraphThrottled(GraphUnavailable):
    def __init__(self, message: str, *, retry_after: float, status: int = 429, code: str = "") -> None:
        super().__init__(message, status=status, code=code)
        self.retry_after = retry_after


class GraphOutcomeUnknown(GraphUnavailable):
    """A POST that is not safe to repeat (send, create chat, post message) got no answer after it may have
    reached Graph. Callers resolve it with a lookup (the outbox asks `find_delivered`)."""


class DeliveryUnconfirmed(GraphUnavailable):
    """A reply or escalation was handed to Graph but cannot be confirmed yet; it is checked again later
    instead of being sent again."""


class DeliveryNotVisibleYet(DeliveryUnconfirmed, CheckAgainLater):
    """Handed to Graph within the grace period and not visible as sent yet: looked up again later."""
