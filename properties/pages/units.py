"""My units and the people on them: names and roles only (their contact details stay with
staff)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from properties.pages.signed_in import resident_required
from properties.selectors import people_on_units, resident_units


@resident_required
@require_GET
def resident_units_page(request):
    units = list(resident_units(request.user))
    people = {unit.pk: [] for unit in units}
    for occupancy in people_on_units(units):
        people[occupancy.unit_id].append(occupancy)
    rows = [{"unit": unit, "people": people[unit.pk]} for unit in units]
    return render(request, "properties/pages/units.html", {"rows": rows})
