"""docs/enforcement.md publishes the transition table; it must say what the code does."""

import re
from pathlib import Path

from violations.domain.workflow import TRANSITIONS

DOC = Path(__file__).resolve().parents[2] / "docs" / "enforcement.md"


def published_rows() -> dict[str, dict]:
    text = DOC.read_text(encoding="utf-8")
    table = text.split("<!-- transitions:start -->")[1].split("<!-- transitions:end -->")[0]
    rows = {}
    for line in table.strip().splitlines()[2:]:
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        name, sources, targets, who, guard, letters, event = cells
        rows[name.strip("`")] = {
            "sources": set(re.findall(r"`([a-z_]+)`", sources)),
            "targets": set(re.findall(r"`([a-z_]+)`", targets)),
            "who": who,
            "guard": guard,
            "letters": letters,
            "event": event.strip("`"),
        }
    return rows


def code_rows() -> dict[str, dict]:
    return {
        name: {
            "sources": {str(s) for s in t.sources},
            "targets": {str(s) for s in t.targets},
            "who": t.who,
            "guard": t.guard,
            "letters": t.letters,
            "event": t.event,
        }
        for name, t in TRANSITIONS.items()
    }


def test_the_published_table_names_every_transition_in_order():
    assert list(published_rows()) == list(TRANSITIONS)


def test_the_published_table_matches_the_code_row_by_row():
    published, code = published_rows(), code_rows()
    for name in TRANSITIONS:
        assert published[name] == code[name], name


def test_every_transition_has_a_service():
    from violations import services

    missing = [n for n in TRANSITIONS if not callable(getattr(services, f"violation_{n}", None))]
    assert missing == []
