"""``python -m recipes``: the command-line runner (see ``dlrecipes.cli``)."""

import sys

from dlrecipes.cli import main

if __name__ == "__main__":
    sys.exit(main())
