"""The resident world is what its docstring says: the matrix's facts hold before any page is
asked."""

from violations.models import CaseParty, Status


def test_the_world_has_each_actors_cases(world):
    c = world.cases
    assert (c.a.status, c.t.status, c.o.status) == (Status.NOTICE_SENT,) * 3
    parties = {
        (p.case.reference, p.person.full_name, p.role)
        for p in CaseParty.objects.filter(case__in=[c.a, c.t]).select_related("person", "case")
    }
    assert ("VIO-20261101-101", "Olive Owner", "respondent") in parties
    assert ("VIO-20261101-101", "Cole Coowner", "respondent") in parties
    assert ("VIO-20261101-102", "Terry Tenant", "respondent") in parties
    assert ("VIO-20261101-102", "Larry Landlord", "owner") in parties
    assert not any(name == "Cathy Complainant" for _ref, name, _role in parties)
