"""Domain types and the email state machine: pure Python, no I/O, no Qt."""
