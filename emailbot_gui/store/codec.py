"""Conversions between domain types and the JSON the store keeps in its columns."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from emailbot_gui.core.types import (
    Address,
    AttachmentInfo,
    Classification,
    Enrichment,
    EscalationProposal,
    Proposal,
    SourceResult,
    Urgency,
)


def address_to_json(a: Address) -> list[str]:
    return [a.address, a.name]


def address_from_json(v: list[str]) -> Address:
    return Address(v[0], v[1] if len(v) > 1 else "")


def addresses_from_json(values: list[list[str]] | None) -> tuple[Address, ...]:
    return tuple(address_from_json(v) for v in values or ())


def attachment_to_json(a: AttachmentInfo) -> dict[str, Any]:
    return {"filename": a.filename, "content_type": a.content_type, "size": a.size,
            "content_id": a.content_id, "inline": a.inline}


def attachment_from_json(d: dict[str, Any]) -> AttachmentInfo:
    return AttachmentInfo(str(d.get("filename", "")), str(d.get("content_type", "")), int(d.get("size", 0)),
                          str(d.get("content_id", "")), bool(d.get("inline", False)))


def classification_to_json(c: Classification) -> dict[str, Any]:
    return {"category": c.category, "urgency": c.urgency.name, "confidence": c.confidence,
            "rationale": c.rationale, "model": c.model, "language": c.language, "flags": list(c.flags),
            "needs_manual_action": c.needs_manual_action, "draft_reply": c.draft_reply}


def classification_from_json(d: dict[str, Any] | None) -> Classification | None:
    if not d:
        return None
    return Classification(category=d["category"], urgency=Urgency.parse(d["urgency"]),
                          confidence=float(d["confidence"]), rationale=d.get("rationale", ""),
                          model=d.get("model", ""), language=d.get("language", ""),
                          flags=tuple(d.get("flags", ())), needs_manual_action=bool(d.get("needs_manual_action")),
                          draft_reply=str(d.get("draft_reply") or ""))


def enrichment_to_json(e: Enrichment) -> list[dict[str, Any]]:
    return [{"source": r.source, "status": r.status, "record": r.record, "error": r.error,
             "fetched_at": r.fetched_at.isoformat() if r.fetched_at else None, "elapsed_ms": r.elapsed_ms}
            for r in e.results]


def enrichment_from_json(values: list[dict[str, Any]] | None) -> Enrichment | None:
    if values is None:
        return None
    return Enrichment(tuple(
        SourceResult(source=v["source"], status=v["status"], record=v.get("record") or {},
                     error=v.get("error", ""),
                     fetched_at=datetime.fromisoformat(v["fetched_at"]) if v.get("fetched_at") else None,
                     elapsed_ms=float(v.get("elapsed_ms", 0.0)))
        for v in values))


def proposal_to_json(p: Proposal) -> dict[str, Any]:
    esc = None
    if p.escalation is not None:
        esc = {"people": [address_to_json(a) for a in p.escalation.people], "topic": p.escalation.topic,
               "message": p.escalation.message}
    return {"reply_text": p.reply_text, "escalation": esc, "no_reply_reason": p.no_reply_reason}


def proposal_from_json(d: dict[str, Any] | None) -> Proposal | None:
    if not d:
        return None
    esc = d.get("escalation")
    escalation = None
    if esc:
        escalation = EscalationProposal(people=addresses_from_json(esc.get("people")), topic=esc.get("topic", ""),
                                        message=esc.get("message", ""))
    return Proposal(reply_text=d.get("reply_text", ""), escalation=escalation,
                    no_reply_reason=d.get("no_reply_reason", ""))
