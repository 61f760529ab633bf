"""HubSpot as a context source (contact, company, open tickets) and as a CRM action sink (create a ticket
associated with the contact), through the CRM v3 objects/search endpoints and v4 associations.

The contact is found with the search endpoint (`filterGroups` with `email EQ <address>`: a value, never
query text) and checked again for an exact address match. Open tickets are those in a pipeline stage whose
`ticketState` is OPEN."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx

from emailbot_gui.connectors.base import DeliveryReceipt
from emailbot_gui.connectors.crm_actions import (
    CaseRequest,
    CrmError,
    Secret,
    begin_create,
    clean_text,
    finish_create,
    is_marker,
    marked_subject,
    recorded_receipt,
    searchable_address,
)
from emailbot_gui.connectors.hubspot_client import HubSpotClient, HubSpotSettings, hs_id
from emailbot_gui.core.types import Address, SourceResult

CONTACT_PROPERTIES = ("email", "firstname", "lastname", "phone", "jobtitle", "company")
TICKET_PROPERTIES = ("subject", "hs_pipeline", "hs_pipeline_stage", "hs_ticket_priority", "createdate")
TICKET_TO_CONTACT = 16  # HUBSPOT_DEFINED association type: ticket -> contact
PRIMARY_COMPANY = 1  # HUBSPOT_DEFINED association type: contact -> primary company
PIPELINE_TTL = 600.0
OBJECT_TYPE_IDS = {"contact": "0-1", "company": "0-2", "ticket": "0-5"}


class HubSpotSource:
    """ContextSource and CrmActionSink for one HubSpot account."""

    def __init__(self, settings: HubSpotSettings, access_token: str | Secret, *,
                 client: httpx.AsyncClient | None = None) -> None:
        self.api = HubSpotClient(settings, access_token, client=client)
        self.settings = self.api.settings
        self.name = settings.name
        self.label = settings.label
        self._stages: tuple[float, dict[str, tuple[str, bool]]] | None = None  # stage id -> (label, open)
        self._portal_id = settings.portal_id

    def __repr__(self) -> str:
        return f"HubSpotSource({self.name!r}, {self.settings.base_url!r})"

    async def close(self) -> None:
        await self.api.close()

    async def health(self) -> dict[str, Any]:
        return {"source": self.name, "ok": True, "rate_limited": self.api.rate_limited,
                "limits": dict(self.api.last_limits)}

    # ---- links --------------------------------------------------------------------------------------

    async def _portal(self) -> str:
        if not self._portal_id:
            try:
                data = await self.api.call("GET", "account-info/v3/details")
            except CrmError:
                return ""  # links are a convenience: never fail a lookup for them
            portal = data.get("portalId") if isinstance(data, Mapping) else None
            self._portal_id = str(portal) if isinstance(portal, int) else ""
        return self._portal_id

    def _link(self, portal: str, kind: str, object_id: str) -> str:
        if not portal:
            return ""
        return f"{self.settings.app_url.rstrip('/')}/contacts/{portal}/record/{OBJECT_TYPE_IDS[kind]}/{object_id}"

    # ---- lookup -------------------------------------------------------------------------------------

    async def find_contacts(self, address: str) -> list[dict[str, Any]]:
        value = searchable_address(address)
        if value is None:
            return []
        data = await self.api.call("POST", "crm/v3/objects/contacts/search", search=True, json={
            "filterGroups": [{"filters": [{"propertyName": "email", "operator": "EQ", "value": value}]}],
            "properties": list(CONTACT_PROPERTIES), "limit": 5})
        results = data.get("results", []) if isinstance(data, Mapping) else []
        wanted = value.casefold()
        return [r for r in results if isinstance(r, dict)
                and str((r.get("properties") or {}).get("email") or "").casefold() == wanted]

    async def lookup(self, sender: Address) -> SourceResult:
        started = time.perf_counter()
        contacts = await self.find_contacts(sender.address)
        if not contacts:
            return SourceResult(self.name, SourceResult.NOT_FOUND, fetched_at=datetime.now(UTC),
                                elapsed_ms=(time.perf_counter() - started) * 1000)
        contact = contacts[0]
        contact_id = hs_id(contact.get("id"))
        props = contact.get("properties") or {}
        company, tickets, portal = await asyncio.gather(self._company(contact_id), self._open_tickets(contact_id),
                                                        self._portal())
        name = " ".join(p for p in (props.get("firstname"), props.get("lastname")) if p)
        customer = {"id": contact_id, "name": name, "email": props.get("email") or "",
                    "phone": props.get("phone") or "", "title": props.get("jobtitle") or "",
                    "company": (company or {}).get("name") or props.get("company") or "",
                    "link": self._link(portal, "contact", contact_id)}
        if company is not None:
            company["link"] = self._link(portal, "company", company["id"])
        for ticket in tickets:
            ticket["link"] = self._link(portal, "ticket", ticket["id"])
        record: dict[str, Any] = {"customer": customer, "company": company, "open_tickets": tickets}
        if company is not None and company.get("support_level"):
            record["contract"] = {"support_level": company["support_level"], "status": "active"}
        return SourceResult(self.name, SourceResult.FOUND, record=record, fetched_at=datetime.now(UTC),
                            elapsed_ms=(time.perf_counter() - started) * 1000)

    async def _associated(self, contact_id: str, to_type: str) -> list[tuple[str, set[int]]]:
        data = await self.api.call("GET", f"crm/v4/objects/contacts/{contact_id}/associations/{to_type}",
                                   params={"limit": "100"})
        out = []
        for r in data.get("results", []) if isinstance(data, Mapping) else []:
            types = {int(t.get("typeId", 0)) for t in r.get("associationTypes", []) if isinstance(t, Mapping)}
            out.append((hs_id(r.get("toObjectId")), types))
        return out

    async def _company(self, contact_id: str) -> dict[str, Any] | None:
        associated = await self._associated(contact_id, "companies")
        if not associated:
            return None
        primary = next((cid for cid, types in associated if PRIMARY_COMPANY in types), associated[0][0])
        properties = ["name", "domain", "industry"]
        if self.settings.support_level_property:
            properties.append(self.settings.support_level_property)
        data = await self.api.call("GET", f"crm/v3/objects/companies/{primary}",
                                   params={"properties": ",".join(properties)})
        props = (data or {}).get("properties") or {}
        company = {"id": primary, "name": props.get("name") or "", "domain": props.get("domain") or "",
                   "industry": props.get("industry") or ""}
        level = props.get(self.settings.support_level_property) if self.settings.support_level_property else None
        if level:
            company["support_level"] = str(level)
        return company

    async def _ticket_stages(self) -> dict[str, tuple[str, bool]]:
        now = time.monotonic()
        if self._stages is not None and now - self._stages[0] < PIPELINE_TTL:
            return self._stages[1]
        data = await self.api.call("GET", "crm/v3/pipelines/tickets")
        stages: dict[str, tuple[str, bool]] = {}
        for pipeline in data.get("results", []) if isinstance(data, Mapping) else []:
            for stage in pipeline.get("stages", []):
                state = str((stage.get("metadata") or {}).get("ticketState", "OPEN")).upper()
                stages[str(stage.get("id"))] = (str(stage.get("label") or ""), state != "CLOSED")
        self._stages = (now, stages)
        return stages

    async def _read_tickets(self, ids: list[str], extra: tuple[str, ...] = ()) -> list[dict[str, Any]]:
        if not ids:
            return []
        data = await self.api.call("POST", "crm/v3/objects/tickets/batch/read", json={
            "properties": [*TICKET_PROPERTIES, *extra], "inputs": [{"id": i} for i in ids[:100]]})
        return [r for r in (data or {}).get("results", []) if isinstance(r, dict)]

    async def _open_tickets(self, contact_id: str) -> list[dict[str, Any]]:
        ids = [tid for tid, _ in await self._associated(contact_id, "tickets")]
        rows, stages = await asyncio.gather(self._read_tickets(ids), self._ticket_stages())
        tickets = []
        for r in rows:
            props = r.get("properties") or {}
            label, is_open = stages.get(str(props.get("hs_pipeline_stage")), ("", True))
            if is_open:
                tickets.append({"id": hs_id(r.get("id")), "subject": props.get("subject") or "",
                                "status": label or props.get("hs_pipeline_stage") or "",
                                "priority": props.get("hs_ticket_priority") or "",
                                "created_at": props.get("createdate") or ""})
        tickets.sort(key=lambda t: str(t["created_at"]), reverse=True)
        return tickets[: self.settings.max_tickets]

    # ---- create ticket ------------------------------------------------------------------------------

    async def create_case(self, request: CaseRequest) -> DeliveryReceipt:
        if not self.settings.allow_create_ticket:
            raise CrmError("creating tickets in HubSpot is switched off in the settings")
        marker = await begin_create(request)
        contacts = await self.find_contacts(request.sender)
        contact_id = hs_id(contacts[0].get("id")) if contacts else ""
        if contact_id:
            await request.checkpoint({"contact_id": contact_id})  # where find_created looks first
        prop = self.settings.marker_property
        properties = {
            "subject": clean_text(request.subject, 255) if prop else marked_subject(request.subject, marker),
            "content": clean_text(f"{request.description}\n\n[EmailBot Console reference {marker}]", 60000),
            "hs_pipeline": self.settings.ticket_pipeline, "hs_pipeline_stage": self.settings.ticket_stage,
            "hs_ticket_priority": self.settings.priority(request.urgency)}
        if prop:
            properties[prop] = marker
        body: dict[str, Any] = {"properties": properties}
        if contact_id:
            body["associations"] = [{"to": {"id": contact_id}, "types": [
                {"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": TICKET_TO_CONTACT}]}]
        data = await self.api.call("POST", "crm/v3/objects/tickets", json=body, idempotent=False)
        ticket_id = hs_id((data or {}).get("id"))
        return await finish_create(request, ticket_id, self._link(await self._portal(), "ticket", ticket_id),
                                   contact_id=contact_id)

    async def find_created(self, idempotency_key: str, progress: Mapping[str, Any]) -> DeliveryReceipt | None:
        receipt = recorded_receipt(progress)
        if receipt is not None:
            return receipt
        marker = progress.get("marker")
        if not is_marker(marker):
            return None
        found = await self._find_marked(str(marker), str(progress.get("contact_id") or ""))
        if found is None:
            return None
        return DeliveryReceipt(external_id=found, link=self._link(await self._portal(), "ticket", found),
                               details={"resumed": True, "marker": marker})

    async def _find_marked(self, marker: str, contact_id: str) -> str | None:
        prop = self.settings.marker_property
        # The contact's associations are read-after-write consistent; the search index lags a few seconds.
        if contact_id.isdigit():
            ids = [tid for tid, _ in await self._associated(contact_id, "tickets")]
            for row in await self._read_tickets(ids, (prop,) if prop else ()):
                props = row.get("properties") or {}
                if (props.get(prop) == marker) if prop else f"[{marker}]" in str(props.get("subject") or ""):
                    return hs_id(row.get("id"))
        data = await self.api.call("POST", "crm/v3/objects/tickets/search", search=True, json={
            "filterGroups": [{"filters": [{"propertyName": prop or "subject",
                                           "operator": "EQ" if prop else "CONTAINS_TOKEN", "value": marker}]}],
            "properties": ["subject", *((prop,) if prop else ())], "limit": 5})
        for row in (data or {}).get("results", []) if isinstance(data, Mapping) else []:
            props = row.get("properties") or {}
            if (props.get(prop) == marker) if prop else marker in str(props.get("subject") or ""):
                return hs_id(row.get("id"))
        return None
