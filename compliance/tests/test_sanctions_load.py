import pytest
from django.core.management import CommandError, call_command

from compliance import sanctions
from compliance.models import SanctionsEntry
from core.models import AuditEvent

pytestmark = pytest.mark.django_db


def test_the_shipped_list_is_loaded_by_migration():
    assert SanctionsEntry.objects.filter(list_id="SHK-0001").exists()


def test_command_replaces_the_list(tmp_path):
    path = tmp_path / "new.csv"
    path.write_text("list_id,name,birth_year,country,program\nN-1,Olga Testova,1980,RU,X\nN-2,Acme Evil Corp,,PA,X\n")
    call_command("sanctions_load", str(path))
    assert list(SanctionsEntry.objects.values_list("list_id", flat=True)) == ["N-1", "N-2"]
    assert AuditEvent.objects.get(action="sanctions_list.loaded").new_values["entries"] == 2


@pytest.mark.parametrize("content", ["name\n", "list_id,name,birth_year\nX,Someone,19x0\n", "list_id,name\nX,\n",
                                     "foo,bar\n1,2\n"])
def test_a_bad_file_changes_nothing(tmp_path, content):
    before = SanctionsEntry.objects.count()
    path = tmp_path / "bad.csv"
    path.write_text(content)
    with pytest.raises(CommandError):
        call_command("sanctions_load", str(path))
    assert SanctionsEntry.objects.count() == before


def test_missing_file():
    with pytest.raises(CommandError):
        call_command("sanctions_load", "/nonexistent.csv")


@pytest.mark.parametrize(
    ("name", "listed", "hit"),
    [("Ivan Sidorenko", "Ivan Petrovich Sidorenko", True),
     ("SIDORENKO, Ivan Petrovich", "Ivan Petrovich Sidorenko", True),
     ("Maria Luisa Obregon Vargas", "Maria-Luisa Obregón Vargas", True),
     ("Iwan Petrovich Sidorenko", "Ivan Petrovich Sidorenko", True),
     ("Hanako Yamada", "Tarou Kuroyama", False), ("Ivan", "Ivan Petrovich Sidorenko", False)],
)
def test_name_matching(name, listed, hit):
    entry = sanctions.Candidate(1, "L", listed, sanctions.normalize(listed), None)
    assert bool(sanctions.matches(name=name, birth_year=None, entries=[entry])) is hit
