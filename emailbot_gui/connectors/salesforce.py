"""Salesforce as a context source (who is this sender: contact, account, contract, open cases) and as a
CRM action sink (create a Case from an approved email), over the REST API.

The contact is found with SOSL, the sender's address searched as one escaped phrase and narrowed with a
`WHERE Email = '<escaped>'` filter; the results are checked once more for an exact (case-insensitive)
address match, so a search can never widen to other people's records. The rest is SOQL and sobjects."""

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
from emailbot_gui.connectors.salesforce_auth import (
    ApiUsage,
    SalesforceSession,
    SalesforceSettings,
    sf_id,
    soql_like_quote,
    soql_quote,
    sosl_phrase,
)
from emailbot_gui.core.types import Address, SourceResult

CONTACT_FIELDS = ("Id", "Name", "FirstName", "LastName", "Email", "Phone", "Title", "AccountId")
ACCOUNT_FIELDS = ("Id", "Name", "Type", "Industry", "Website", "Phone")


def contact_sosl(address: str) -> str:
    """The SOSL statement that finds contacts with exactly this email address."""
    fields = ", ".join(CONTACT_FIELDS)
    return (f"FIND {{{sosl_phrase(address)}}} IN EMAIL FIELDS "
            f"RETURNING Contact({fields} WHERE Email = {soql_quote(address)} ORDER BY LastModifiedDate DESC "
            f"LIMIT 5)")


class SalesforceSource:
    """ContextSource and CrmActionSink for one Salesforce org."""

    def __init__(self, settings: SalesforceSettings, client_secret: str | Secret, *,
                 client: httpx.AsyncClient | None = None) -> None:
        self.session = SalesforceSession(settings, client_secret, client=client)
        self.settings = self.session.settings
        self.name = settings.name
        self.label = settings.label

    def __repr__(self) -> str:
        return f"SalesforceSource({self.name!r}, {self.settings.token_url!r})"

    async def close(self) -> None:
        await self.session.close()

    # ---- health -------------------------------------------------------------------------------------

    @property
    def api_usage(self) -> ApiUsage | None:
        """The daily API usage last seen (every response's Sforce-Limit-Info header)."""
        return self.session.usage

    async def health(self) -> dict[str, Any]:
        """For the health view: the daily API limit and how much of it is used."""
        try:
            usage = await self.session.refresh_limits()
        except CrmError as exc:
            return {"source": self.name, "ok": False, "error": str(exc),
                    "api_usage": self.api_usage.as_dict() if self.api_usage else None}
        return {"source": self.name, "ok": True, "api_usage": usage.as_dict() if usage else None}

    # ---- lookup -------------------------------------------------------------------------------------

    async def find_contacts(self, address: str) -> list[dict[str, Any]]:
        """Contacts whose Email is exactly `address` (case-insensitive), most recently changed first."""
        value = searchable_address(address)
        if value is None:
            return []
        data = await self.session.get_json("search/", {"q": contact_sosl(value)})
        records = data.get("searchRecords", []) if isinstance(data, Mapping) else []
        wanted = value.casefold()
        return [r for r in records if isinstance(r, dict) and r.get("attributes", {}).get("type") == "Contact"
                and str(r.get("Email") or "").casefold() == wanted]

    async def lookup(self, sender: Address) -> SourceResult:
        started = time.perf_counter()
        contacts = await self.find_contacts(sender.address)
        if not contacts:
            return SourceResult(self.name, SourceResult.NOT_FOUND, fetched_at=datetime.now(UTC),
                                elapsed_ms=(time.perf_counter() - started) * 1000)
        contact = contacts[0]
        contact_id = sf_id(contact.get("Id"))
        account_id = sf_id(contact["AccountId"]) if contact.get("AccountId") else None
        account, cases, contract = await asyncio.gather(
            self._account(account_id), self._open_cases(contact_id), self._contract(account_id))
        customer = {"id": contact_id, "name": contact.get("Name") or "", "email": contact.get("Email") or "",
                    "phone": contact.get("Phone") or "", "title": contact.get("Title") or "",
                    "company": (account or {}).get("name", ""), "link": self.session.record_link("Contact",
                                                                                               contact_id)}
        record: dict[str, Any] = {"customer": customer, "account": account, "cases": cases}
        if self.settings.fetch_contract:
            if contract is not None and account and account.get("support_level"):
                contract.setdefault("support_level", account["support_level"])
            record["contract"] = contract
        if len(contacts) > 1:
            record["other_matching_contacts"] = len(contacts) - 1
        if self.api_usage is not None:
            record["api_usage"] = {"used": self.api_usage.used, "limit": self.api_usage.limit}
        return SourceResult(self.name, SourceResult.FOUND, record=record, fetched_at=datetime.now(UTC),
                            elapsed_ms=(time.perf_counter() - started) * 1000)

    async def _account(self, account_id: str | None) -> dict[str, Any] | None:
        if account_id is None:
            return None
        fields = list(ACCOUNT_FIELDS)
        if self.settings.support_level_field:
            fields.append(self.settings.support_level_field)
        data = await self.session.get_json(f"sobjects/Account/{account_id}", {"fields": ",".join(fields)})
        if not isinstance(data, Mapping):
            return None
        account = {"id": account_id, "name": data.get("Name") or "", "type": data.get("Type") or "",
                   "industry": data.get("Industry") or "", "website": data.get("Website") or "",
                   "link": self.session.record_link("Account", account_id)}
        if self.settings.support_level_field and data.get(self.settings.support_level_field):
            account["support_level"] = str(data[self.settings.support_level_field])
        return account

    async def _open_cases(self, contact_id: str) -> list[dict[str, Any]]:
        rows = await self.session.query(
            "SELECT Id, CaseNumber, Subject, Status, Priority, CreatedDate FROM Case "
            f"WHERE ContactId = {soql_quote(contact_id)} AND IsClosed = false "
            f"ORDER BY CreatedDate DESC LIMIT {int(self.settings.max_cases)}")
        return [{"id": r.get("CaseNumber") or r.get("Id"), "record_id": r.get("Id"), "subject": r.get("Subject"),
                 "status": r.get("Status"), "priority": r.get("Priority"), "created_at": r.get("CreatedDate"),
                 "link": self.session.record_link("Case", sf_id(r.get("Id")))} for r in rows]

    async def _contract(self, account_id: str | None) -> dict[str, Any] | None:
        if account_id is None or not self.settings.fetch_contract:
            return None
        rows = await self.session.query(
            "SELECT Id, ContractNumber, Status, StartDate, EndDate FROM Contract "
            f"WHERE AccountId = {soql_quote(account_id)} AND StatusCode = 'Activated' "
            "ORDER BY EndDate DESC NULLS LAST LIMIT 1")
        if not rows:
            return None
        r = rows[0]
        return {"contract_type": f"Contract {r.get('ContractNumber') or ''}".strip(), "status": "active",
                "starts_on": r.get("StartDate"), "expires_on": r.get("EndDate")}

    # ---- create case --------------------------------------------------------------------------------

    async def create_case(self, request: CaseRequest) -> DeliveryReceipt:
        if not self.settings.allow_create_case:
            raise CrmError("creating cases in Salesforce is switched off in the settings")
        marker = await begin_create(request)
        contacts = await self.find_contacts(request.sender)
        contact = contacts[0] if contacts else None
        marker_field = self.settings.marker_field
        body: dict[str, Any] = {
            "Subject": (clean_text(request.subject, 255) if marker_field
                        else marked_subject(request.subject, marker)),
            "Description": clean_text(f"{request.description}\n\n[EmailBot Console reference {marker}]", 32000),
            "Origin": self.settings.case_origin, "Status": self.settings.case_status,
            "Priority": self.settings.priority(request.urgency),
            "SuppliedEmail": request.sender[:80]}
        if marker_field:
            body[marker_field] = marker
        if contact is not None:
            body["ContactId"] = sf_id(contact.get("Id"))
            if contact.get("AccountId"):
                body["AccountId"] = sf_id(contact["AccountId"])
        resp = await self.session.request("POST", "sobjects/Case/", json=body)
        data = resp.json()
        if not isinstance(data, Mapping) or not data.get("success", True) or not data.get("id"):
            raise CrmError(f"Salesforce did not create the case: {data!r:.200}")
        case_id = sf_id(data["id"])
        return await finish_create(request, case_id, self.session.record_link("Case", case_id),
                                   contact_id=body.get("ContactId", ""))

    async def find_created(self, idempotency_key: str, progress: Mapping[str, Any]) -> DeliveryReceipt | None:
        receipt = recorded_receipt(progress)
        if receipt is not None:
            return receipt
        marker = progress.get("marker")
        if not is_marker(marker):
            return None  # no attempt got as far as creating: nothing can exist
        if self.settings.marker_field:
            where = f"{self.settings.marker_field} = {soql_quote(str(marker))}"
        else:
            where = f"Subject LIKE {soql_like_quote(f'[{marker}]')}"
        rows = await self.session.query(f"SELECT Id, CaseNumber FROM Case WHERE {where} "
                                        "ORDER BY CreatedDate ASC LIMIT 1")
        if not rows:
            return None
        case_id = sf_id(rows[0].get("Id"))
        return DeliveryReceipt(external_id=case_id, link=self.session.record_link("Case", case_id),
                               details={"resumed": True, "marker": marker})
