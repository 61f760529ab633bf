"""The AI's token and cost accounting as the operator reads it: today's total in the status bar (shown
only while OpenAI is on) and one email's in the classification panel."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from emailbot_gui.classify.usage import DayUsage, EmailUsage


def format_tokens(n: int) -> str:
    if n < 10_000:
        return f"{n:,}"
    if n < 1_000_000:
        return f"{n / 1000:.1f}k"
    return f"{n / 1_000_000:.2f}M"


def format_cost(cost: float, *, priced: bool = True) -> str:
    if not priced and cost == 0:
        return "price unknown"
    text = f"${cost:.4f}" if cost < 0.01 else f"${cost:.2f}"
    return text if priced else f"≥ {text} (some prices unknown)"


def day_text(usage: DayUsage) -> str:
    return (f"AI today: {usage.emails} email{'s' if usage.emails != 1 else ''} · "
            f"{format_tokens(usage.total_tokens)} tokens · "
            f"{format_cost(usage.cost, priced=usage.unpriced_requests == 0)}")


def day_tooltip(usage: DayUsage) -> str:
    lines = [f"Today ({usage.day.isoformat()}):",
             f"{usage.requests} requests for {usage.emails} emails",
             f"{format_tokens(usage.prompt_tokens)} tokens in, {format_tokens(usage.completion_tokens)} out",
             f"Cost: {format_cost(usage.cost, priced=usage.unpriced_requests == 0)}"]
    if usage.fallbacks:
        lines.append(f"{usage.fallbacks} emails fell back to the local classifier")
    if usage.unpriced_requests:
        lines.append(f"{usage.unpriced_requests} requests used a model without a known price")
    return "\n".join(lines)


def email_text(usage: EmailUsage) -> str:
    requests = f" · {usage.attempts} requests" if usage.attempts > 1 else ""
    return (f"AI cost: {format_tokens(usage.total_tokens)} tokens ({format_tokens(usage.prompt_tokens)} in, "
            f"{format_tokens(usage.completion_tokens)} out) · {format_cost(usage.cost, priced=usage.priced)}"
            f"{requests}")


class UsageIndicator(QLabel):
    """Today's AI usage, for the status bar; hidden while OpenAI is off."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("usageIndicator")
        self.setProperty("role", "muted")
        self.show_usage(None)

    def show_usage(self, usage: DayUsage | None) -> None:
        if usage is None:
            self.hide()
            self.setText("")
            return
        self.setText(day_text(usage))
        self.setToolTip(day_tooltip(usage))
        self.show()
