"""The ActionSink the outbox dispatcher drives for Microsoft 365: replies through the mail transport,
escalations through Teams. Each transport stamps its name into the progress it checkpoints, so a lookup
after a crash goes to the transport that started the delivery."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from emailbot_gui.connectors.base import DeliveryReceipt, OutgoingEscalation, OutgoingReply
from emailbot_gui.connectors.graph.errors import SignInRequired
from emailbot_gui.connectors.graph.reply_transport import GraphReplyTransport
from emailbot_gui.connectors.graph.teams import TeamsEscalator


class GraphActionSink:
    name = "m365"

    def __init__(self, replies: GraphReplyTransport, teams: TeamsEscalator | None) -> None:
        self.replies = replies
        self.teams = teams

    async def send_reply(self, reply: OutgoingReply) -> DeliveryReceipt:
        return await self.replies.send_reply(reply)

    async def escalate(self, escalation: OutgoingEscalation) -> DeliveryReceipt:
        if self.teams is None:
            raise SignInRequired("Teams escalation needs the operator's Microsoft 365 sign-in")
        return await self.teams.escalate(escalation)

    async def find_delivered(self, idempotency_key: str, progress: Mapping[str, Any]) -> DeliveryReceipt | None:
        transport = progress.get("transport")
        if transport == self.replies.name:
            return await self.replies.find_delivered(idempotency_key, progress)
        if transport == "teams" and self.teams is not None:
            return await self.teams.find_delivered(idempotency_key, progress)
        return None  # nothing was started: nothing can have been delivered
