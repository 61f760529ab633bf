"""Settings (file + EMAILBOT_* environment) and the app's folders."""
