"""Long-lived async objects the UI talks to: the triage console facade and its event hub."""
