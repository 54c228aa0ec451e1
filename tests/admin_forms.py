"""What a browser posts back from an admin page: the forms on it, left as they are."""

import datetime as dt


def form_data(*forms) -> dict:
    """The POST a browser sends back for unbound ``forms`` left as they are."""
    data = {}
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            key = form.add_prefix(name)
            if value is None:
                data[key] = ""
            elif isinstance(value, bool):
                if value:
                    data[key] = "on"
            elif isinstance(value, dt.date):
                data[key] = value.isoformat()
            elif isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value)
    return data


def change_form_data(response) -> dict:
    """The whole change form of an admin page: the record's form and every inline formset."""
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        forms += [inline.formset.management_form, *inline.formset.forms]
    return form_data(*forms)
