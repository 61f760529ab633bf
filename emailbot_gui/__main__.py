"""`python -m emailbot_gui`"""

from emailbot_gui.app import main

raise SystemExit(main())
