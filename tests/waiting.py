"""The one sanctioned way to wait for another process: poll a condition with a deadline."""

import time


def wait_until(condition, *, timeout: float = 10.0, interval: float = 0.05, message: str = ""):
    """Return the first truthy value of ``condition()``; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(message or f"condition not met within {timeout} s")
        time.sleep(interval)
