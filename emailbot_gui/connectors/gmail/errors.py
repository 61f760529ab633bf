"""What can go wrong talking to Gmail, as exceptions the pipeline and the UI can tell apart, named like
the Microsoft 365 ones: `GmailUnavailable` (and its kinds) means "degraded, nothing lost, try again
later"; `GmailError` with a status is an answer from Google; `GmailOutcomeUnknown` means a send may or may
not have taken effect and is resolved by looking (`find_delivered`), never by sending again."""

from __future__ import annotations

from emailbot_gui.connectors.base import CheckAgainLater


class GmailError(Exception):
    """An error answer from Google (HTTP status, Google's `reason`) or a protocol problem."""

    def __init__(self, message: str, *, status: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.status = status
        self.reason = reason


class GmailNotFound(GmailError):
    pass


class GmailForbidden(GmailError):
    pass


class InsufficientScope(GmailForbidden):
    """The token lacks a scope the request needs (`scope`): the mailbox owner or the Workspace admin has
    to grant it (consent again, or add it to the domain-wide delegation)."""

    def __init__(self, message: str, *, scope: str, status: int = 403, reason: str = "insufficientPermissions"
                 ) -> None:
        super().__init__(message, status=status, reason=reason)
        self.scope = scope


class GmailAuthError(GmailError):
    """No token could be obtained, or Google refused it even after one refresh."""


class ReconsentRequired(GmailAuthError):
    """The refresh token is missing, expired or revoked (`invalid_grant`), or the service account is not
    (or no longer) allowed to act for the mailbox: a person has to sign in or fix the delegation."""


class GmailUnavailable(GmailError):
    """Google did not answer usefully after the allowed retries: timeouts, resets, 5xx."""


class GmailThrottled(GmailUnavailable):
    def __init__(self, message: str, *, retry_after: float, status: int = 429, reason: str = "") -> None:
        super().__init__(message, status=status, reason=reason)
        self.retry_after = retry_after


class GmailOutcomeUnknown(GmailUnavailable):
    """A send got no usable answer after it may have reached Gmail. Not repeated; the outbox asks
    `find_delivered`."""


class DeliveryUnconfirmed(GmailUnavailable):
    """A send was requested and its message cannot be found in the mailbox: reported, never sent again
    automatically (the operator checks Sent Mail)."""


class DeliveryNotVisibleYet(DeliveryUnconfirmed, CheckAgainLater):
    """A send requested within the grace period whose message Gmail's search does not show yet: looked up
    again later."""
