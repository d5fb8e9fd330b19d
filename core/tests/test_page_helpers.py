"""The two helpers every page uses for a service's refusal: core.forms.apply_error puts it on
the form, core.views.run_with_message turns it (or the success) into a flash message."""

import pytest
from django import forms
from django.contrib import messages
from django.contrib.messages.storage.cookie import CookieStorage
from django.http import HttpRequest
from django.test import RequestFactory

from core.errors import ApplicationError, NotFoundError
from core.forms import apply_error
from core.views import run_with_message


class NameForm(forms.Form):
    name = forms.CharField(label="Name", max_length=5)


def _bound_form() -> NameForm:
    form = NameForm({"name": "Ann"})
    assert form.is_valid()
    return form


def test_a_problem_with_a_field_of_the_form_lands_on_that_field():
    form = _bound_form()
    apply_error(form, ApplicationError("Bad name.", code="bad", fields={"name": ["Too short.", "Not a name."]}))
    assert form.errors == {"name": ["Too short.", "Not a name."]}


@pytest.mark.parametrize("fields", [None, {"other": ["Elsewhere."]}, {"item": 3}])
def test_otherwise_the_message_goes_above_the_form(fields):
    form = _bound_form()
    apply_error(form, ApplicationError("Refused.", code="refused", fields=fields))
    assert form.non_field_errors() == ["Refused."]
    assert "name" not in form.errors


def _request() -> HttpRequest:
    request = RequestFactory().post("/")
    request._messages = CookieStorage(request)
    return request


def _flashed(request: HttpRequest) -> list[tuple[int, str]]:
    return [(m.level, m.message) for m in request._messages]


def test_a_service_that_runs_shows_the_success_message():
    request, ran = _request(), []
    assert run_with_message(request, lambda: ran.append(1), "Done.") is True
    assert ran == [1]
    assert _flashed(request) == [(messages.SUCCESS, "Done.")]


def test_a_refusal_shows_its_message_and_nothing_else():
    def refuse() -> None:
        raise ApplicationError("Not now.", code="not_now")

    request = _request()
    assert run_with_message(request, refuse, "Done.") is False
    assert _flashed(request) == [(messages.ERROR, "Not now.")]


def test_wrong_button_inputs_are_the_message_and_the_service_does_not_run():
    request, ran = _request(), []
    form = NameForm({"name": "far too long"})
    assert run_with_message(request, lambda: ran.append(1), "Done.", form=form) is False
    assert ran == []
    assert _flashed(request) == [(messages.ERROR, "Name: Ensure this value has at most 5 characters (it has 12).")]


def test_a_refusal_of_a_type_to_reraise_propagates_without_a_message():
    def missing() -> None:
        raise NotFoundError("Not found.")

    request = _request()
    with pytest.raises(NotFoundError):
        run_with_message(request, missing, "Done.", reraise=(NotFoundError,))
    assert _flashed(request) == []
