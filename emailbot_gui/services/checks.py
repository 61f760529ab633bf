"""One row of an integration check: what was checked, how it went, what was found and what to do about it.
Shared by the integration checks (wizard, doctor) and the health view."""

from __future__ import annotations

from dataclasses import dataclass

OK = "ok"
WARNING = "warning"
FAILING = "failing"
SKIPPED = "skipped"


@dataclass(frozen=True, slots=True)
class Check:
    name: str
    status: str  # "ok" | "warning" | "failing" | "skipped"
    detail: str
    fix: str = ""

    def to_json(self) -> dict[str, str]:
        return {"name": self.name, "status": self.status, "detail": self.detail, "fix": self.fix}
