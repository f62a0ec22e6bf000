"""Bill Status XML: every sample file of both schemas, counted against the XML itself; sponsors
linked by bioguide, the others kept by name; idempotent; a refresh records a withdrawn cosponsor
and a new action with their dates; bad files reported by name with nothing written."""

from __future__ import annotations

import functools
import http.server
import io
import json
import shutil
import socket
import threading
import xml.etree.ElementTree as ET
import zipfile
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from crm.imports.bills import import_bills
from crm.imports.billstatus import bulk_data_url, parse_bill_id, parse_bill_status
from crm.models import (
    AuditEntry,
    Bill,
    BillAction,
    BillChange,
    BillCommittee,
    BillSponsor,
    Person,
)
from tests.factories import BillFactory, CommitteeFactory, PersonFactory
from tests.imports.conftest import shared_data

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SAMPLES = shared_data() / "billstatus"
FILES = sorted(SAMPLES.glob("*.xml"))


def xml_counts(path) -> dict[str, int]:
    """Counted straight from the XML, independently of the importer."""
    bill = ET.parse(path).getroot().find("bill")
    committees = bill.findall("committees/item") or bill.findall("committees/billCommittees/item")
    subcommittees = sum(len(c.findall("subcommittees/item")) for c in committees)
    return {
        "sponsors": len(bill.findall("sponsors/item")),
        "cosponsors": len(bill.findall("cosponsors/item")),
        "actions": len(bill.findall("actions/item")),
        "committees": len(committees) + subcommittees,
    }


def count(model, *where) -> int:
    from crm.extensions import db

    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where))


def test_the_samples_are_what_the_data_readme_says():
    assert len(FILES) == 11


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_each_file_parses_with_the_xmls_own_counts(path):
    rec = parse_bill_status(path.read_bytes(), path.name)
    expected = xml_counts(path)
    assert sum(s.role == "sponsor" for s in rec.sponsors) == expected["sponsors"] == 1
    assert sum(s.role == "cosponsor" for s in rec.sponsors) == expected["cosponsors"]
    assert len(rec.actions) == expected["actions"]
    assert len(rec.committees) == expected["committees"]
    assert rec.title and rec.introduced_on and rec.policy_area


def test_folder_import_links_sponsors_by_bioguide_and_keeps_the_others(db, runner):
    davis = PersonFactory(
        first_name="Rodney",
        last_name="Davis",
        bioguide_id="D000619",
        chamber="lower",
        state="IL",
        district="13",
    )
    ways = CommitteeFactory(name="Ways and Means", code="HSWM", chamber="lower")
    result = runner.invoke(args=["crm", "import-bills", str(SAMPLES), "--json"])
    assert result.exit_code == 0, result.output
    summary = json.loads(result.output.strip().splitlines()[-1])
    assert summary["created"] == 11 and summary["problems"] == 0

    for path in FILES:
        rec = parse_bill_status(path.read_bytes())
        bill = db.session.scalars(
            sa.select(Bill).where(Bill.session == str(rec.congress), Bill.number == rec.label)
        ).one()
        expected = xml_counts(path)
        assert (
            count(BillSponsor, BillSponsor.bill_id == bill.id, BillSponsor.role == "cosponsor")
            == expected["cosponsors"]
        ), path.name
        assert count(BillAction, BillAction.bill_id == bill.id) == expected["actions"], path.name
        assert count(BillCommittee, BillCommittee.bill_id == bill.id) == expected["committees"]

    hr6658 = db.session.scalars(sa.select(Bill).where(Bill.number == "H.R. 6658")).one()
    assert hr6658.title.startswith("Permanent") or hr6658.title
    assert hr6658.introduced_on == date(2022, 2, 9) and hr6658.chamber == "lower"
    assert hr6658.url == "https://www.congress.gov/bill/117th-congress/house-bill/6658"
    linked = db.session.execute(
        sa.select(Person.id, BillSponsor.full_name)
        .join(Person, Person.bioguide_id == BillSponsor.bioguide_id)
        .where(BillSponsor.bill_id == hr6658.id, BillSponsor.role == "sponsor")
    ).one()
    assert linked.id == davis.id
    brady = db.session.scalars(
        sa.select(BillSponsor).where(
            BillSponsor.bioguide_id == "B000755", BillSponsor.bill_id == hr6658.id
        )
    ).one()  # not in the directory: kept by name, party, state and district
    assert (brady.full_name, brady.party, brady.state, brady.district) == (
        "Rep. Brady, Kevin [R-TX-8]",
        "R",
        "TX",
        "8",
    )
    assert brady.original is True and brady.sponsored_on == date(2022, 2, 9)
    referral = db.session.scalars(
        sa.select(BillCommittee).where(BillCommittee.bill_id == hr6658.id)
    ).one()
    assert referral.committee_id == ways.id and referral.activity == "Referred to"

    audits = count(AuditEntry)
    again = import_bills(SAMPLES, actor=None, now=NOW)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 11)
    assert count(AuditEntry) == audits and count(BillChange) == 0


def test_a_hand_typed_bill_is_completed_not_duplicated(db):
    typed = BillFactory(number="S. 35", session="117", title="Goodman medal")
    import_bills(SAMPLES / "BILLSTATUS-117s35.xml", actor=None, now=NOW)
    assert count(Bill) == 1
    db.session.refresh(typed)
    assert typed.bill_type == "s" and typed.policy_area == "Congress"
    assert count(BillChange) == 0  # completing a typed bill is no "change" in the record


def test_a_refresh_records_a_withdrawn_cosponsor_and_a_new_action(db, tmp_path):
    source = SAMPLES / "BILLSTATUS-117hr6658.xml"
    import_bills(source, actor=None, now=NOW)
    tree = ET.parse(source)
    bill = tree.getroot().find("bill")
    first = bill.find("cosponsors/item")
    ET.SubElement(first, "sponsorshipWithdrawnDate").text = "2022-05-03"
    action = ET.SubElement(bill.find("actions"), "item")
    ET.SubElement(action, "actionDate").text = "2022-06-01"
    ET.SubElement(action, "text").text = "Referred to the Subcommittee on Health."
    ET.SubElement(action, "actionCode").text = "H11200"
    derived = tmp_path / "BILLSTATUS-117hr6658.xml"
    tree.write(derived, encoding="utf-8", xml_declaration=True)

    result = import_bills(derived, actor=None, now=NOW)
    assert result.updated == 1
    changes = {
        (c.kind, c.happened_on, c.bioguide_id) for c in db.session.scalars(sa.select(BillChange))
    }
    assert changes == {
        ("withdrawn", date(2022, 5, 3), first.findtext("bioguideId")),
        ("action", date(2022, 6, 1), None),
    }
    withdrawn = db.session.scalars(
        sa.select(BillSponsor).where(BillSponsor.bioguide_id == first.findtext("bioguideId"))
    ).one()
    assert withdrawn.withdrawn_on == date(2022, 5, 3)


def test_a_bad_file_is_reported_by_name_and_nothing_is_written(db, tmp_path):
    folder = tmp_path / "bills"
    folder.mkdir()
    (folder / "good.xml").write_bytes((SAMPLES / "BILLSTATUS-117s35.xml").read_bytes())
    (folder / "broken.xml").write_text("<billStatus><bill><number>1</number>")
    (folder / "bomb.xml").write_text(
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]><billStatus><bill>&b;</bill></billStatus>'
    )
    (folder / "other.xml").write_text("<rss><channel/></rss>")
    result = import_bills(folder, actor=None, now=NOW)
    assert not result.ok
    text = "\n".join(result.problems)
    assert "broken.xml: is not well-formed XML" in text
    assert "bomb.xml: has a document type or entity declaration" in text
    assert "other.xml: is not a Bill Status document" in text
    assert count(Bill) == 0


def test_zip_and_dry_run(db, tmp_path, runner):
    archive = tmp_path / "BILLSTATUS-117-s.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.write(SAMPLES / "BILLSTATUS-117s35.xml", "BILLSTATUS-117s35.xml")
    result = runner.invoke(args=["crm", "import-bills", str(archive), "--dry-run", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["created"] == 1
    assert count(Bill) == 0
    assert import_bills(archive, actor=None, now=NOW).created == 1


def test_bill_ids_and_bulk_data_addresses():
    assert parse_bill_id("119 hr 1585") == (119, "hr", 1585)
    assert parse_bill_id("119-S-665") == (119, "s", 665)
    assert parse_bill_id("117 S.Con.Res. 14") == (117, "sconres", 14)
    with pytest.raises(ValueError, match="not a bill id"):
        parse_bill_id("hr 1585")
    assert bulk_data_url(119, "hr", 1585) == (
        "https://www.govinfo.gov/bulkdata/BILLSTATUS/119/hr/BILLSTATUS-119hr1585.xml"
    )


# ---- a bill id or URL: fetched through the guarded fetcher ----


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format, *args):  # noqa: A002
        pass


@pytest.fixture
def bulk_data(app, tmp_path, monkeypatch):
    """A mirror of GPO's bulk-data layout on 127.0.0.1, let through the URL policy (loopback is
    refused otherwise), with H.R. 6658 of the 117th Congress in it."""
    root = tmp_path / "mirror"
    folder = root / "bulkdata" / "BILLSTATUS" / "117" / "hr"
    folder.mkdir(parents=True)
    shutil.copy(SAMPLES / "BILLSTATUS-117hr6658.xml", folder)
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/bulkdata/BILLSTATUS"
    monkeypatch.setitem(app.config, "IMPORT_URL_ALLOW", "127.0.0.1")
    monkeypatch.setitem(app.config, "BILLSTATUS_URL", base)
    yield base, folder
    server.shutdown()
    thread.join(5)


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_bill_id_is_fetched_from_the_bulk_data(db, runner, bulk_data):
    result = runner.invoke(args=["crm", "import-bills", "117 hr 6658", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output.strip().splitlines()[-1])["created"] == 1
    bill = db.session.scalars(sa.select(Bill)).one()
    assert (bill.session, bill.number) == ("117", "H.R. 6658")
    assert count(BillSponsor, BillSponsor.role == "cosponsor") == 111
    # The same through its URL: nothing changes the second time.
    url = f"{bulk_data[0]}/117/hr/BILLSTATUS-117hr6658.xml"
    again = runner.invoke(args=["crm", "import-bills", url, "--json"])
    assert json.loads(again.output.strip().splitlines()[-1])["unchanged"] == 1


def test_a_bill_the_bulk_data_does_not_have_is_a_clear_error(db, runner, bulk_data):
    result = runner.invoke(args=["crm", "import-bills", "119 hr 1585"])
    assert result.exit_code == 1
    assert f"{bulk_data[0]}/119/hr/BILLSTATUS-119hr1585.xml does not exist (404)" in result.output
    assert "Traceback" not in result.output and count(Bill) == 0


def test_an_unreachable_source_is_a_clear_error(app, db, runner, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_URL_ALLOW", "127.0.0.1")
    monkeypatch.setitem(
        app.config, "BILLSTATUS_URL", f"http://127.0.0.1:{closed_port()}/bulkdata/BILLSTATUS"
    )
    result = runner.invoke(args=["crm", "import-bills", "119 hr 1585"])
    assert result.exit_code == 1
    assert "Could not download http://127.0.0.1:" in result.output
    assert "/119/hr/BILLSTATUS-119hr1585.xml" in result.output
    assert "network may be unreachable" in result.output
    assert "Traceback" not in result.output and count(Bill) == 0


def test_the_bulk_data_on_loopback_is_refused_unless_allowed(app, db, bulk_data, monkeypatch):
    monkeypatch.setitem(app.config, "IMPORT_URL_ALLOW", "")
    result = import_bills("117 hr 6658", actor=None, now=NOW)
    assert not result.ok and "not one imports may fetch from" in result.problems[0]
    assert count(Bill) == 0


def test_without_a_configured_address_a_bill_id_says_so(app, db, runner, monkeypatch):
    monkeypatch.setitem(app.config, "BILLSTATUS_URL", "")
    result = runner.invoke(args=["crm", "import-bills", "119 hr 1585"])
    assert result.exit_code == 1
    assert "No Bill Status address is configured (CRM_BILLSTATUS_URL)" in result.output


def start_on_admin_page(auth, **data):
    data.setdefault("kind", "bills")
    return auth.post("/admin/imports/", data=data, content_type="multipart/form-data")


def test_admin_page_imports_a_bill_by_id(db, as_admin, auth, client, bulk_data):
    from crm.models import ImportRun

    response = start_on_admin_page(auth, bill="117 hr 6658")
    assert response.status_code == 302, response.get_data(as_text=True)
    run = db.session.scalars(sa.select(ImportRun)).one()
    assert (run.kind, run.status, run.counts["created"]) == ("bills", "done", 1)
    assert run.source == f"{bulk_data[0]}/117/hr/BILLSTATUS-117hr6658.xml"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Import #" in page and "Bills" in page and "H.R. 6658 (117th Congress)" in page
    assert "1 file: created 1, updated 0, unchanged 0." in page
    assert count(BillSponsor, BillSponsor.role == "cosponsor") == 111


def test_admin_page_uploads_bill_files_and_reports_a_bad_one(db, as_admin, auth, client):
    from crm.models import ImportRun

    good = (io.BytesIO((SAMPLES / "BILLSTATUS-117s35.xml").read_bytes()), "BILLSTATUS-117s35.xml")
    bad = (io.BytesIO(b"<billStatus><bill>"), "broken.xml")
    response = start_on_admin_page(auth, files=[good, bad])
    run = db.session.scalars(sa.select(ImportRun)).one()
    assert run.status == "failed" and count(Bill) == 0
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "nothing was imported" in page and "broken.xml: is not well-formed XML" in page


def test_admin_page_bill_form_errors(db, as_admin, auth, app, monkeypatch):
    response = start_on_admin_page(auth, bill="hr 1585")
    assert response.status_code == 422
    assert "is not a bill id" in response.get_data(as_text=True)
    response = start_on_admin_page(auth)
    assert response.status_code == 422 and "Give a bill id such as 119 hr 1585" in (
        response.get_data(as_text=True)
    )
    response = start_on_admin_page(auth, kind="congress", bill="119 hr 1585")
    assert response.status_code == 422
    monkeypatch.setitem(app.config, "BILLSTATUS_URL", "")
    response = start_on_admin_page(auth, bill="119 hr 1585")
    assert response.status_code == 422 and "CRM_BILLSTATUS_URL" in response.get_data(as_text=True)


# ---- the periodic refresh of tracked bills ----


def derive_changes(source, dest) -> dict:
    """A later version of a real file: its first cosponsor withdrew, a cosponsor joined, a
    new action and a new referral."""
    tree = ET.parse(source)
    bill = tree.getroot().find("bill")
    first = bill.find("cosponsors/item")
    ET.SubElement(first, "sponsorshipWithdrawnDate").text = "2022-05-03"
    joined = ET.SubElement(bill.find("cosponsors"), "item")
    for tag, text in (
        ("bioguideId", "Z999999"),
        ("fullName", "Rep. Newcomer, Nora [D-CA-99]"),
        ("firstName", "Nora"),
        ("lastName", "Newcomer"),
        ("party", "D"),
        ("state", "CA"),
        ("district", "99"),
        ("sponsorshipDate", "2022-05-10"),
        ("isOriginalCosponsor", "False"),
    ):
        ET.SubElement(joined, tag).text = text
    action = ET.SubElement(bill.find("actions"), "item")
    ET.SubElement(action, "actionDate").text = "2022-06-01"
    ET.SubElement(action, "text").text = "Referred to the Subcommittee on Immigration Integrity."
    ET.SubElement(action, "actionCode").text = "H11100"
    committee = ET.SubElement(bill.find("committees"), "item")
    for tag, text in (("systemCode", "hsju01"), ("name", "Immigration Integrity Subcommittee")):
        ET.SubElement(committee, tag).text = text
    ET.SubElement(committee, "chamber").text = "House"
    activity = ET.SubElement(ET.SubElement(committee, "activities"), "item")
    ET.SubElement(activity, "name").text = "Referred to"
    ET.SubElement(activity, "date").text = "2022-06-01T16:00:00Z"
    tree.write(dest, encoding="utf-8", xml_declaration=True)
    return {"withdrawn": first.findtext("bioguideId")}


def test_the_tracked_bills_refresh_records_each_change_with_its_date(db, bulk_data):
    from crm.models import JobRun
    from worker.tasks import refresh_tracked_bills

    base, folder = bulk_data
    import_bills("117 hr 6658", actor=None, now=NOW)
    untracked = import_bills(SAMPLES / "BILLSTATUS-117s35.xml", actor=None, now=NOW)
    assert untracked.created == 1
    bill = db.session.scalars(sa.select(Bill).where(Bill.number == "H.R. 6658")).one()
    bill.tracked = True
    db.session.commit()

    assert refresh_tracked_bills() == {
        "bills": 1,
        "updated": 0,
        "unchanged": 1,
        "changes": 0,
        "failed": 0,
    }
    assert count(BillChange) == 0
    derived = derive_changes(
        SAMPLES / "BILLSTATUS-117hr6658.xml", folder / "BILLSTATUS-117hr6658.xml"
    )

    summary = refresh_tracked_bills()
    assert summary["updated"] == 1 and summary["changes"] == 4 and summary["failed"] == 0
    changes = {
        (c.kind, c.happened_on, c.bioguide_id)
        for c in db.session.scalars(sa.select(BillChange).where(BillChange.bill_id == bill.id))
    }
    assert changes == {
        ("withdrawn", date(2022, 5, 3), derived["withdrawn"]),
        ("cosponsor", date(2022, 5, 10), "Z999999"),
        ("action", date(2022, 6, 1), None),
        ("referral", date(2022, 6, 1), None),
    }
    run = db.session.get(JobRun, "crm.bills.refresh")
    assert run.last_success_at and run.last_error is None and run.last_summary == summary
    assert refresh_tracked_bills()["changes"] == 0  # a third run finds nothing new
    assert count(BillChange) == 4


def test_a_tracked_bill_that_cannot_be_fetched_is_recorded_and_others_go_on(db, bulk_data):
    import_bills("117 hr 6658", actor=None, now=NOW)
    typed = BillFactory(number="H.R. 1585", session="119", title="Conrad 30", tracked=True)
    db.session.scalars(sa.select(Bill).where(Bill.number == "H.R. 6658")).one().tracked = True
    db.session.commit()
    from crm.imports.bills import refresh_tracked_bills

    result = refresh_tracked_bills(NOW)
    assert (result.bills, result.unchanged, len(result.failed)) == (2, 1, 1)
    assert result.failed[0].startswith("H.R. 1585 (119): ")
    assert "BILLSTATUS-119hr1585.xml does not exist (404)" in result.failed[0]
    assert result.as_dict()["first failure"] == result.failed[0]
    db.session.refresh(typed)
    assert typed.title == "Conrad 30"


def test_without_network_the_refresh_is_skipped_and_says_so(app, db, monkeypatch):
    from crm.heartbeat import job_statuses
    from worker.tasks import refresh_tracked_bills

    BillFactory(number="H.R. 1585", session="119", tracked=True)
    db.session.commit()
    monkeypatch.setitem(app.config, "BILLSTATUS_URL", "")
    summary = refresh_tracked_bills()
    assert "CRM_BILLSTATUS_URL is empty" in summary["skipped"]
    status = next(j for j in job_statuses(NOW) if j.name == "crm.bills.refresh")
    assert status.last_summary == summary and status.last_error is None


def test_the_refresh_is_in_the_beat_schedule(app):
    from worker.schedule import beat_schedule

    entry = beat_schedule(app.config)["crm.bills.refresh"]
    assert entry["task"] == "crm.bills.refresh"
    assert entry["schedule"].total_seconds() == app.config["BILL_REFRESH_EVERY"] == 6 * 3600
