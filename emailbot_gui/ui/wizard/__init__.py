"""The setup wizard and the settings forms it shares with the Settings dialog (one module per page and per
section)."""
