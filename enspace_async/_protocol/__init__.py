"""The protocol, pure and synchronous (no I/O, no event loop), as gidgethub's ``sansio``.

* :mod:`.routes` — every method and path template, and how a path is filled in;
* :mod:`.query` — query encoding and the last-page rule;
* :mod:`.errors` — a non-2xx response → its :class:`~enspace_async.APIError`;
* :mod:`.ratesignal` — ``Retry-After`` and ``X-RateLimit-*``, read once;
* :mod:`.outcome` — may this write have been applied? may it be sent again?

This package imports none of its modules, so the error classes can use :mod:`.ratesignal`
while :mod:`.errors` builds them.
"""
