"""``python -m benchmarks``: run every benchmark, print one Markdown table, write JSON."""

import sys

from ._harness import main

if __name__ == "__main__":
    sys.exit(main())
