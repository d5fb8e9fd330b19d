"""Choices a person must make are not made for them: the investor kind and the document kind
start empty (a default would be a guess), and leaving them empty is a field error."""

from investors.forms import DocumentForm, ProfileForm


def test_the_investor_and_document_kinds_start_empty_and_are_required():
    assert ProfileForm().fields["kind"].choices[0] == ("", "—")
    assert DocumentForm().fields["kind"].choices[0] == ("", "—")
    assert "kind" in ProfileForm({"kind": ""}).errors
    assert "kind" in DocumentForm({"kind": ""}).errors
