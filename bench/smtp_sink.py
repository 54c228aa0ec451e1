"""An SMTP sink for the email benchmark, run as its own process (its own GIL).

``python -m bench.smtp_sink`` listens on a free loopback port, accepts and counts every
message, and speaks a line protocol with its parent on stdin/stdout:

- once listening it prints ``ready <port>``;
- each ``count`` line read from stdin is answered with ``<messages> <recipients>`` accepted
  so far;
- end of stdin (the parent closed the pipe, or died) stops the sink.

It imports no Django and keeps nothing: the sink does the least work an SMTP server can, so
that the benchmark measures the senders.
"""

import asyncio
import sys

from aiosmtpd.smtp import SMTP


class CountingHandler:
    def __init__(self):
        self.accepted = 0
        self.recipients = 0

    async def handle_DATA(self, server, session, envelope):
        self.accepted += 1
        self.recipients += len(envelope.rcpt_tos)
        return f"250 2.0.0 Ok: queued as sink-{self.accepted}"


async def serve() -> None:
    handler = CountingHandler()
    loop = asyncio.get_running_loop()
    # Port 0: the kernel picks a free port, with no window for another process to take it.
    server = await loop.create_server(
        lambda: SMTP(handler, hostname="bench-sink.localhost"), host="127.0.0.1", port=0
    )
    port = server.sockets[0].getsockname()[1]
    print(f"ready {port}", flush=True)
    try:
        while line := await loop.run_in_executor(None, sys.stdin.readline):
            if line.strip() == "count":
                print(f"{handler.accepted} {handler.recipients}", flush=True)
    finally:
        server.close()


def main() -> int:
    asyncio.run(serve())
    return 0


if __name__ == "__main__":
    sys.exit(main())
