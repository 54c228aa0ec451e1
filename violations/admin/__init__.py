"""Staff admin for enforcement: one module per area."""

from violations.admin import (
    bylaws,  # noqa: F401
    cases,  # noqa: F401
    continuing,  # noqa: F401
    ledger,  # noqa: F401
    letter_templates,  # noqa: F401
    print_queue,  # noqa: F401
)
