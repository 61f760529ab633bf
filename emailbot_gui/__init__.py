"""EmailBot Console: a desktop operator console that triages a support team's shared mailbox."""

__version__ = "0.1.0"
APP_NAME = "EmailBot Console"
