"""My charges: each fine or cost with what was paid, waived and is owed, and the total
balance, as one stacked list (a phone has no room for a wide table)."""

from django.shortcuts import render
from django.views.decorators.http import require_GET

from properties.pages.signed_in import resident_required
from violations.selectors.letters import money
from violations.selectors.resident import resident_charges


@resident_required
@require_GET
def resident_charges_page(request):
    charges = list(resident_charges(request.user))
    rows = [
        {
            "charge": charge,
            "amount": money(charge.amount),
            "paid": money(charge.paid),
            "waived": money(charge.waived),
            "balance": money(charge.balance),
        }
        for charge in charges
    ]
    total = money(sum((charge.balance for charge in charges), 0))
    return render(request, "violations/pages/charges.html", {"rows": rows, "total": total})
