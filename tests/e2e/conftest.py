"""The browser tests' live server answers one request at a time.

With SQLite in memory, the live server's threads and the test share one database connection
(Django's ``connections_override``); Django's threaded live server let a lazy thumbnail and the
next page run on it at once, which SQLite refuses ("bad parameter or other API misuse": a
500 seen in CI). Serial, a page's requests wait their turn; without threads the server closes
each connection, so a browser's idle keep-alive blocks nothing.
"""

from django.core.servers.basehttp import WSGIServer
from django.db import connections
from django.test.testcases import LiveServerThread


class SerialWSGIServer(WSGIServer):
    def __init__(self, *args, connections_override=None, **kwargs):
        # The live server thread installs the overrides itself before it serves.
        super().__init__(*args, **kwargs)

    def close_request(self, request):
        # Requests run on this thread: close its connections after each, or PostgreSQL
        # refuses to drop the test database they still hold (CONN_MAX_AGE keeps them open).
        # An in-memory SQLite connection shared with the test ignores close().
        super().close_request(request)
        connections.close_all()


LiveServerThread.server_class = SerialWSGIServer
