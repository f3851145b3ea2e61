"""Shared test configuration.

The emulator fixtures ``enspace_emulator`` and ``enspace_client`` come from the package's pytest
plugin (``enspace_async.testing.pytest_plugin``, registered by the ``pytest11`` entry point).
"""
