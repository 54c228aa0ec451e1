"""Demo and benchmark data (``manage.py seed_demo``): a register, bylaws and one case in every
status, written through the same services staff use. Nothing in the domain apps imports it."""
