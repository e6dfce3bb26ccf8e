"""``python -m ibcomplexity`` is the ``ibc`` command."""

import sys

from ibcomplexity.cli import main

sys.exit(main())
