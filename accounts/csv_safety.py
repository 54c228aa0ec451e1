"""Spreadsheet formula injection guard for exports, undone again on import (DESIGN §9).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is run as
a formula by spreadsheet programs. Exports prefix such cells with ``'``; imports strip that
prefix again, so a phone number like ``+1 604 555 0100`` survives the round trip unchanged.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def escape_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def unescape_cell(value):
    if isinstance(value, str) and value.startswith("'") and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
