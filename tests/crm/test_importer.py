import csv
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from crm.errors import InvalidInput
from crm.importer import import_leads, parse_money, parse_status, read_rows
from crm.models import AuditEntry, Lead


def write_csv(path: Path, rows: list[list[str]], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    with path.open("w", newline="", encoding=encoding) as fh:
        csv.writer(fh, delimiter=delimiter).writerows(rows)
    return path


@pytest.fixture
def alex(make_agent):
    return make_agent("Alex Morgan", email="alex@agency.example")


def count(session) -> int:
    return session.scalar(select(func.count()).select_from(Lead))


def test_headers_with_common_aliases_import_every_field(session, alex, tmp_path):
    f = write_csv(tmp_path / "leads.csv", [
        ["Full Name", "E-mail", "Mobile", "Organisation", "Property", "Unit Type", "Budget (min)", "Budget (max)",
         "Stage", "Owner Email", "Lead Source"],
        ["John Doe", "John.Doe@Acme.example", "+44 1", "Acme Ltd", "Harbour View", "2BR", "£900k", "1.2m",
         "Negotiation", "ALEX@agency.example", "referral"],
    ])
    report = import_leads(session, read_rows(f))
    assert (report.created, report.errors) == (1, [])
    lead = session.scalar(select(Lead).where(Lead.email == "john.doe@acme.example"))
    assert (lead.name, lead.company, lead.project, lead.unit_type) == ("John Doe", "Acme Ltd", "Harbour View", "2BR")
    assert (lead.budget_min, lead.budget_max, lead.status, lead.owner_id) == (900_000, 1_200_000, "negotiating", alex.id)
    assert lead.token


def test_first_and_last_name_columns_make_the_name_and_semicolons_are_sniffed(session, alex, tmp_path):
    f = write_csv(tmp_path / "l.csv", [["First Name", "Surname", "Email"], ["Zoë", "O'Brien", "zoe@x.example"]],
                  delimiter=";")
    import_leads(session, read_rows(f))
    assert session.scalar(select(Lead.name).where(Lead.email == "zoe@x.example")) == "Zoë O'Brien"


def test_a_file_with_a_bad_row_imports_nothing_and_names_row_column_and_reason(session, alex, tmp_path):
    f = write_csv(tmp_path / "l.csv", [
        ["Name", "Email", "Status", "Owner"],
        ["Good One", "good@x.example", "new", "alex@agency.example"],
        ["Bad Email", "not-an-email", "new", ""],
        ["Bad Status", "bs@x.example", "thinking about it", ""],
        ["Bad Owner", "bo@x.example", "", "nobody@agency.example"],
    ])
    before = count(session)
    report = import_leads(session, read_rows(f))
    assert count(session) == before
    assert [(e.row, e.column) for e in report.errors] == [(3, "email"), (4, "status"), (5, "owner")]
    assert "not an email address" in report.errors[0].reason


def test_skip_bad_rows_imports_the_good_ones(session, alex, tmp_path):
    f = write_csv(tmp_path / "l.csv", [["Name", "Email"], ["Good", "g@x.example"], ["", "nobody@x.example"]])
    report = import_leads(session, read_rows(f), skip_bad_rows=True)
    assert (report.created, report.skipped, len(report.errors)) == (1, 1, 1)


def test_reimport_updates_by_email_with_audit_rows_and_dry_run_writes_nothing(session, alex, tmp_path):
    f1 = write_csv(tmp_path / "a.csv", [["Name", "Email", "Status"], ["John Doe", "j@x.example", "new"]])
    import_leads(session, read_rows(f1))
    f2 = write_csv(tmp_path / "b.csv", [["Name", "Email", "Status"], ["John Doe", "J@X.example", "qualified"]])
    dry = import_leads(session, read_rows(f2), dry_run=True)
    assert (dry.updated, dry.created) == (1, 0)
    assert session.scalar(select(Lead.status).where(Lead.email == "j@x.example")) == "new"
    report = import_leads(session, read_rows(f2))
    assert report.updated == 1
    assert session.scalar(select(Lead.status).where(Lead.email == "j@x.example")) == "qualified"
    audit = session.scalars(select(AuditEntry).where(AuditEntry.field == "status")).all()
    assert [(a.old_value, a.new_value, a.channel) for a in audit] == [("new", "qualified", "import")]


def test_duplicate_emails_in_one_file_are_reported(session, alex, tmp_path):
    f = write_csv(tmp_path / "l.csv", [["Name", "Email"], ["A", "a@x.example"], ["B", "A@x.example"]])
    report = import_leads(session, read_rows(f))
    assert report.errors[0].row == 3 and "duplicate of row 2" in report.errors[0].reason


def test_xlsx_files_import(session, alex, tmp_path):
    wb = Workbook()
    ws = wb.active
    ws.append(["Lead Name", "Email Address", "Budget"])
    ws.append(["Chen Wei", "chen@lotus.example", 750000])
    wb.save(tmp_path / "l.xlsx")
    report = import_leads(session, read_rows(tmp_path / "l.xlsx"))
    assert report.created == 1
    assert session.scalar(select(Lead.budget_max).where(Lead.email == "chen@lotus.example")) == 750000


def test_cp1252_csv_is_decoded(session, alex, tmp_path):
    f = write_csv(tmp_path / "l.csv", [["Name", "Email"], ["José Álvarez", "jose@x.example"]], encoding="cp1252")
    import_leads(session, read_rows(f))
    assert session.scalar(select(Lead.name).where(Lead.email == "jose@x.example")) == "José Álvarez"


def test_files_without_name_or_email_columns_or_rows_are_refused(session, tmp_path):
    with pytest.raises(InvalidInput, match="name column and an email column"):
        import_leads(session, read_rows(write_csv(tmp_path / "x.csv", [["Phone"], ["1"]])))
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(InvalidInput, match="empty"):
        import_leads(session, read_rows(tmp_path / "empty.csv"))
    (tmp_path / "bad.xlsx").write_bytes(b"not a zip")
    with pytest.raises(InvalidInput, match="XLSX"):
        list(read_rows(tmp_path / "bad.xlsx"))


@pytest.mark.parametrize("raw,value", [("900k", 900_000), ("£1.2m", 1_200_000), ("1,250,000.00", 1_250_000),
                                       ("AED 2.5M", 2_500_000), ("750000", 750_000)])
def test_amounts_in_common_spellings(raw, value):
    assert parse_money(raw) == value


@pytest.mark.parametrize("raw,value", [("Closed Won", "closed_won"), ("won", "closed_won"),
                                       ("follow-up", "follow_up"), ("NEGOTIATING", "negotiating")])
def test_statuses_in_common_spellings(raw, value):
    assert parse_status(raw) == value
