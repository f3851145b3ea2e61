"""Run the enspace command: python -m enspace_async.cli."""

from . import main

if __name__ == "__main__":  # pragma: no cover
    main()
