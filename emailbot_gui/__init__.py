"""EmailBot Console: a desktop operator console that triages a support team's shared mailbox."""

import os

# The app's numpy work is many small matrix products on threads (and a worker process) of its own.
# OpenBLAS's own thread pool would spin-wait on the other core, the one the window and the store need:
# one BLAS thread is faster overall here. Set before numpy loads; an explicit setting wins.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

__version__ = "0.1.0"
APP_NAME = "EmailBot Console"
