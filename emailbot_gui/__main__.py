"""`python -m emailbot_gui`, and the frozen app's entry point."""

import multiprocessing

if __name__ == "__main__":
    multiprocessing.freeze_support()  # the frozen app starts its classification worker as this executable
    from emailbot_gui.app import main

    raise SystemExit(main())
