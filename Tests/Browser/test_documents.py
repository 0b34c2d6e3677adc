"""The official documents end to end, over HTTP against the demo server.

A controlled world is set up through the JSON API in Kecamatan Rogojampi for plan year 2027
(proposals of Desa Bubuk and its neighbour decided at the village and the kecamatan, one titled
like a spreadsheet formula, a ceiling, a program mapping, a village and a kecamatan musrenbang with
check-ins and final minutes). The demo has other proposals in the same places, so every expected
row, count and sum is read from the server's SQLite database (read-only), never written down.

Each spreadsheet is opened with openpyxl (and one with LibreOffice), each CSV parsed byte by byte,
each PDF read with pdftotext and its first page rendered to PNG under test-artifacts/documents/.
"""

from __future__ import annotations

import collections
import csv
import io
import json
import re
import shutil
import sqlite3
import subprocess
import tempfile
import urllib.error
import urllib.request
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import Message
from pathlib import Path

import openpyxl
import pytest

from helpers import DEMO_PASSWORD

YEAR = 2027
EMPTY_YEAR = 2031
REGENCY = "35.10"
ROGOJAMPI = "35.10.13"
BUBUK = "35.10.13.2007"
NEIGHBOUR = "35.10.13.2001"
VILLAGE_BUDGET = ("villageFund", "villageAllocation", "taxShare", "ownRevenue", "provincialAid", "regencyAid", "selfHelp")
OPEN_SOURCES = "source NOT IN ('council', 'agency')"

FORMULA_TITLE = '=HYPERLINK("http://x.example","klik")'
PUNCTUATED_TITLE = "Rehab balai dusun; atap, plafon"
VILLAGE_REASON = "Bukan prioritas tahun ini"
DISTRICT_REASON = "Lahan masih sengketa; diusulkan lagi 2028"
CONSENTING = ("Ratih Purwasih", "3510134708920991", "female")
NOT_CONSENTING = ("Wahyu Pratama", "3510131506910992", "male")
DELEGATES = [
    {"name": "Hj. Siti Maryam", "gender": "female", "institution": "PKK Kecamatan"},
    {"name": "Bambang Sutrisno", "gender": "male", "institution": "LPMD Bubuk"},
    {"name": "Agus Salim", "gender": "male", "institution": "Karang Taruna"},
]
GROUP_SESSIONS = [
    {"title": "Sidang Kelompok Infrastruktur", "chair": "Ir. Sugeng", "participants": 25, "notes": "Jalan poros jadi prioritas."},
    {"title": "Sidang Kelompok Sosial Budaya", "chair": "Dra. Lilik", "participants": 18, "notes": "Posyandu lansia diusulkan."},
]
MAPPING = {"regionalPriority": "Infrastruktur dasar", "regionalTarget": "Jalan kabupaten mantap",
           "program": "Program Penyelenggaraan Jalan"}
EXTRA_BACKED = 22  # enough priority rows for Lampiran II (T-D.4) to run over more than one page

REPO_ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO_ROOT / "test-artifacts" / "documents"

DU_HEADER = ["No", "Bidang / Sub-bidang", "Nama Kegiatan", "SDGs Desa ke-", "Lokasi", "Volume", "Satuan",
             "Penerima Manfaat L", "Penerima Manfaat P", "Penerima Manfaat RTM", "Penerima Manfaat Difabel",
             "Waktu Pelaksanaan", "Prakiraan Biaya (Rp)", "Sumber Pembiayaan", "Urutan Prioritas"]
RKPDES_HEADER = ["No", "Bidang / Jenis Kegiatan", "Lokasi", "Volume", "Satuan", "Sasaran / Manfaat", "Waktu Pelaksanaan",
                 "Jumlah (Rp)", "Sumber", "Swakelola", "Kerja sama antar desa", "Kerja sama pihak ketiga",
                 "Rencana Pelaksana Kegiatan"]
TD4_HEADER = ["No", "Prioritas Daerah", "Sasaran Daerah", "Program", "Kegiatan Prioritas", "Sasaran Kegiatan",
              "Lokasi (Desa/Kelurahan)", "Volume", "Satuan", "Pagu (Rp)", "Perangkat Daerah Penanggung Jawab"]
REFUSED_HEADER = ["No", "Kecamatan", "Kegiatan", "Lokasi", "Volume", "Satuan", "Pagu (Rp)", "Perangkat Daerah", "Forum", "Alasan"]
RECAP_HEADER = ["Kecamatan", "Bidang", "Status", "Jumlah Usulan", "Biaya (Rp)"]
ATTENDANCE_HEADER = ["No", "Nama", "Unsur / Peran", "L/P", "Alamat / Asal", "Waktu Hadir", "Undangan"]

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
NUMERIC_TEXT = re.compile(r"^\s*-?\d+(?:[.,]\d+)?\s*$")


# MARK: HTTP


@dataclass
class Answer:
    status: int
    headers: Message
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    def json(self):
        return json.loads(self.body or b"{}")


def http(base_url: str, path: str, *, method: str = "GET", body: dict | None = None, token: str | None = None,
         headers: dict | None = None) -> Answer:
    all_headers = {"Accept": "*/*", **(headers or {})}
    if body is not None:
        all_headers["Content-Type"] = "application/json"
    if token:
        all_headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(f"{base_url}{path}", method=method, headers=all_headers,
                                     data=json.dumps(body).encode() if body is not None else None)
    try:
        with urllib.request.urlopen(request, timeout=90) as response:
            return Answer(response.status, response.headers, response.read())
    except urllib.error.HTTPError as error:
        return Answer(error.code, error.headers, error.read())


def ok(answer: Answer, what: str) -> Answer:
    assert answer.status < 300, f"{what}: {answer.status} {answer.text[:500]}"
    return answer


def login(base_url: str, username: str) -> str:
    return ok(http(base_url, "/api/v1/auth/login", method="POST",
                   body={"username": username, "password": DEMO_PASSWORD}), f"login {username}").json()["token"]


def download(base_url: str, path: str, token: str | None = None, content_type: str | None = None) -> Answer:
    answer = http(base_url, path, token=token)
    assert answer.status == 200, f"GET {path}: {answer.status} {answer.text[:300]}"
    if content_type:
        assert answer.headers.get("Content-Type", "").startswith(content_type), answer.headers.get("Content-Type")
    assert answer.headers.get("Content-Disposition", "").startswith("attachment; filename="), answer.headers.get("Content-Disposition")
    return answer


def filename(answer: Answer) -> str:
    match = re.search(r'filename="([^"]+)"', answer.headers.get("Content-Disposition", ""))
    assert match, answer.headers.get("Content-Disposition")
    return match.group(1)


# MARK: the database (read-only)


class Database:
    def __init__(self, path: Path):
        self.path = path

    def rows(self, sql: str, params: tuple = ()) -> list[sqlite3.Row]:
        connection = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True, timeout=10)
        connection.row_factory = sqlite3.Row
        try:
            return connection.execute(sql, params).fetchall()
        finally:
            connection.close()

    def value(self, sql: str, params: tuple = ()):
        found = self.rows(sql, params)
        return found[0][0] if found else None

    def region_name(self, code: str) -> str:
        return self.value("SELECT name FROM regions WHERE code = ?", (code,))

    # What each document should hold, in the words of the schema.

    def village_lists(self, village: str) -> tuple[list[sqlite3.Row], list[sqlite3.Row]]:
        """DU-RKPDes: (kept by the village, forwarded to the kecamatan)."""
        rows = self.rows(f"""SELECT * FROM proposals WHERE village_code = ? AND year = ? AND {OPEN_SOURCES}
                              AND status NOT IN ('rejected', 'merged') ORDER BY id""", (village, YEAR))
        own = [r for r in rows if r["level"] == "village" and (r["status"] != "pending" or r["funding_source"] in VILLAGE_BUDGET)]
        forwarded = [r for r in rows if r not in own]
        return own, forwarded

    def village_plan(self, village: str) -> list[sqlite3.Row]:
        """RKPDes: what the village forum accepted into its own plan."""
        return self.rows(f"""SELECT * FROM proposals WHERE village_code = ? AND year = ? AND {OPEN_SOURCES}
                              AND level = 'village' AND status NOT IN ('pending', 'rejected', 'merged')""", (village, YEAR))

    def district_priorities(self, district: str) -> list[sqlite3.Row]:
        """Tabel T-D.4: what the kecamatan backed onwards and still stands."""
        return self.rows(f"""SELECT * FROM proposals WHERE district_code = ? AND year = ? AND {OPEN_SOURCES}
                              AND level IN ('agency', 'regency') AND status NOT IN ('rejected', 'merged')""", (district, YEAR))

    def refusals(self, district: str, year: int = YEAR) -> list[sqlite3.Row]:
        """Lampiran III / tidak terakomodir: rejected proposals with each rejection's reason and forum."""
        return self.rows("""SELECT p.*, h.reason AS refusal_reason, h.level AS refusal_level
                              FROM proposals p JOIN proposal_history h ON h.proposal_id = p.id
                             WHERE h.event = 'decision' AND h.outcome = 'rejected' AND p.status = 'rejected'
                               AND p.year = ? AND p.district_code = ? ORDER BY p.id""", (year, district))

    def attendees(self, assembly: int, place: str) -> list[sqlite3.Row]:
        return self.rows("""SELECT u.name, u.role AS account_role, u.region_code, a.role, a.gender, a.is_guest, a.name_consent,
                                   a.created_at
                              FROM attendance a JOIN users u ON u.id = a.user_id
                             WHERE a.assembly_id = ? AND a.village_code = ? ORDER BY a.id""", (assembly, place))


# MARK: the world


@dataclass
class World:
    base_url: str
    db: Database
    planner: str
    district_operator: str
    village_operator: str
    ids: dict[str, int]
    extra_titles: list[str]
    village_assembly: int
    district_assembly: int
    other_village_assembly: int  # the demo's regency-wide musrenbang: its sessions of other villages
    artifacts: Path = field(default=ARTIFACTS)

    def get(self, path: str, token: str | None = None) -> Answer:
        return http(self.base_url, path, token=token)


def proposal_body(title: str, village: str, cost: int, funding: str, *, field_code: str = "02", subfield: str = "02.03",
                  volume: float = 350, unit: str = "m") -> dict:
    return {"villageCode": village, "year": YEAR, "title": title,
            "problem": "Jalan berlubang sepanjang 350 m, sulit dilalui saat hujan.", "activity": "Pengaspalan jalan lingkungan",
            "fieldCode": field_code, "subfieldCode": subfield, "kind": "physical",
            "location": {"hamlet": "Krajan", "rw": "02", "rt": "01", "lat": -8.28, "lng": 114.3},
            "volume": volume, "unit": unit, "estimatedCost": cost, "fundingSource": funding,
            "beneficiaries": {"total": 420, "women": 210, "poor": 60, "disabled": 4}, "sdg": 9}


@pytest.fixture(scope="module")
def world(base_url, server_data_dir) -> World:
    planner = login(base_url, "bappeda")
    host = login(base_url, "bupati")
    district_operator = login(base_url, "kecamatan")
    village_operator = login(base_url, "operator-desa")

    def propose(title: str, village: str = BUBUK, cost: int = 50_000_000, funding: str = "villageFund", **extra) -> int:
        answer = ok(http(base_url, "/api/v1/proposals", method="POST", token=planner,
                         body=proposal_body(title, village, cost, funding, **extra)), f"proposal {title}")
        return answer.json()["id"]

    def decide(ident: int, level: str, outcome: str, reason: str | None = None) -> None:
        body = {"level": level, "outcome": outcome, **({"reason": reason} if reason else {})}
        ok(http(base_url, f"/api/v1/proposals/{ident}/decisions", method="POST", body=body, token=planner),
           f"decision {level} {outcome} on #{ident}")

    ids: dict[str, int] = {}
    ids["kept"] = propose("Sumur bor Dusun Krajan", cost=60_000_000)
    decide(ids["kept"], "village", "accepted")
    ids["kept_other_field"] = propose("Pelatihan kelompok tani perempuan", cost=32_500_000, field_code="04", subfield="04.02",
                                      volume=12.5, unit="paket")
    decide(ids["kept_other_field"], "village", "accepted")
    ids["backed"] = propose("Jalan poros Krajan–Lor", cost=700_000_000, funding="regencyBudget")
    decide(ids["backed"], "village", "forwarded", "Di luar kewenangan desa")
    decide(ids["backed"], "district", "accepted")
    ids["refused"] = propose("Jembatan Dusun Lor", village=NEIGHBOUR, cost=900_000_000, funding="regencyBudget")
    decide(ids["refused"], "village", "forwarded", "Di luar kewenangan desa")
    decide(ids["refused"], "district", "rejected", DISTRICT_REASON)
    ids["refused_at_village"] = propose("Gapura dusun", cost=25_000_000)
    decide(ids["refused_at_village"], "village", "rejected", VILLAGE_REASON)
    ids["pending"] = propose("Lampu jalan Dusun Krajan", cost=40_000_000)
    ids["formula"] = propose(FORMULA_TITLE, cost=10_000_000, funding="villageAllocation")
    ids["punctuated"] = propose(PUNCTUATED_TITLE, cost=15_000_000)
    ids["neighbour_kept"] = propose("Posyandu Dusun Jati", village=NEIGHBOUR, cost=45_000_000)
    decide(ids["neighbour_kept"], "village", "accepted")
    extra_titles = []
    for n in range(EXTRA_BACKED):
        title = f"Rabat beton gang {n + 1:02d}"
        ident = propose(title, village=BUBUK if n % 2 else NEIGHBOUR, cost=20_000_000 + n * 1_500_000, funding="regencyBudget")
        decide(ident, "village", "forwarded", "Di luar kewenangan desa")
        decide(ident, "district", "accepted")
        extra_titles.append(title)

    ok(http(base_url, f"/api/v1/districts/{ROGOJAMPI}/ceilings/{YEAR}", method="PUT", body={"amount": 3_000_000_000},
            token=planner), "ceiling")
    ok(http(base_url, "/api/v1/program-mappings/02.03", method="PUT", body=MAPPING, token=planner), "program mapping")

    # A village musrenbang of Bubuk alone, scheduled before the demo's (so the dashboard keeps the demo's): its minutes stay a draft.
    starts = (datetime.now(timezone.utc) - timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
    village_assembly = ok(http(base_url, "/api/v1/assemblies", method="POST", token=planner, body={
        "title": "Musrenbang Desa Bubuk (uji dokumen)", "level": "village", "regencyCode": REGENCY, "planYear": YEAR,
        "startsAt": starts, "hubVillageCode": BUBUK, "villageCodes": [BUBUK]}), "village assembly").json()["id"]

    # The kecamatan's musrenbang: two walk-ins (one named with consent, one not), minutes with delegates, final.
    district_assembly = ok(http(base_url, "/api/v1/assemblies", method="POST", token=planner, body={
        "title": "Musrenbang Kecamatan Rogojampi 2027 (uji dokumen)", "level": "district", "regencyCode": REGENCY,
        "planYear": YEAR, "startsAt": "2027-02-05T01:00:00Z", "hubVillageCode": BUBUK, "villageCodes": [ROGOJAMPI]}),
        "district assembly").json()["id"]
    ok(http(base_url, f"/api/v1/assemblies/{district_assembly}/stage", method="POST", body={"stage": "checkIn"}, token=host),
       "hub to check-in")
    ok(http(base_url, f"/api/v1/assemblies/{district_assembly}/sessions/{ROGOJAMPI}/stage", method="POST",
            body={"stage": "checkIn"}, token=district_operator), "session to check-in")
    for (name, nik, gender), consent in ((CONSENTING, True), (NOT_CONSENTING, False)):
        ok(http(base_url, f"/api/v1/assemblies/{district_assembly}/attendance", method="POST", token=district_operator,
                headers={"Idempotency-Key": str(uuid.uuid4())},
                body={"villageCode": ROGOJAMPI, "nik": nik, "name": name, "role": "community", "gender": gender,
                      "residenceVillageCode": BUBUK, "nameConsent": consent}), f"check-in {name}")
    fields = {"venue": "Aula Kecamatan Rogojampi", "chair": "Drs. H. Camat Rogojampi", "documentNumber": "050/12/429.513/2027",
              "delegates": DELEGATES, "groupSessions": GROUP_SESSIONS}
    ok(http(base_url, f"/api/v1/assemblies/{district_assembly}/sessions/{ROGOJAMPI}/minutes", method="PUT",
            body={"fields": fields, "finalize": True}, token=district_operator), "final minutes")

    db = Database(server_data_dir / "musrenbang.sqlite")
    other = db.value("""SELECT a.id FROM assemblies a JOIN assembly_sessions s ON s.assembly_id = a.id
                         WHERE a.level = 'village' AND a.plan_year = ? AND s.village_code = ? ORDER BY a.id LIMIT 1""",
                     (YEAR, NEIGHBOUR))
    assert other, "the demo's regency-wide musrenbang has a session for the neighbour village"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return World(base_url=base_url, db=db, planner=planner, district_operator=district_operator,
                 village_operator=village_operator, ids=ids, extra_titles=extra_titles, village_assembly=village_assembly,
                 district_assembly=district_assembly, other_village_assembly=other)


# MARK: spreadsheet helpers


def workbook(answer: Answer) -> openpyxl.Workbook:
    assert answer.body[:2] == b"PK", "an .xlsx is a ZIP package"
    return openpyxl.load_workbook(io.BytesIO(answer.body))


def values(row) -> list:
    return [cell.value for cell in row]


def body_rows(ws) -> list[tuple]:
    return list(ws.iter_rows(min_row=2))


def assert_sheet_frame(ws, header: list[str]) -> None:
    """Header row as the form has it, bold; frozen below it; repeated on every printed page; filterable."""
    assert values(next(ws.iter_rows(min_row=1, max_row=1))) == header, f"{ws.title}: header"
    assert all(ws.cell(row=1, column=i + 1).font.b for i in range(len(header))), f"{ws.title}: header row is bold"
    assert ws.freeze_panes == "A2", f"{ws.title}: freeze_panes is {ws.freeze_panes!r}"
    assert (ws.print_title_rows or "").replace("$", "") == "1:1", f"{ws.title}: print titles {ws.print_title_rows!r}"
    assert ws.auto_filter.ref and ws.auto_filter.ref.startswith("A1:"), f"{ws.title}: autofilter {ws.auto_filter.ref!r}"


def assert_numbers(ws, header: list[str], numeric: list[str], rupiah: list[str]) -> None:
    """Numbers are stored as numbers, amounts carry a Rupiah format, and no text cell holds a bare number."""
    columns = {name: header.index(name) for name in numeric + rupiah}
    for row in body_rows(ws):
        for name, index in columns.items():
            cell = row[index]
            if cell.value is None:
                continue
            assert isinstance(cell.value, (int, float)) and not isinstance(cell.value, bool), \
                f"{ws.title}!{cell.coordinate} ({name}) is {cell.value!r} ({type(cell.value).__name__}), not a number"
            assert cell.data_type == "n", f"{ws.title}!{cell.coordinate}: data_type {cell.data_type}"
            if name in rupiah:
                assert "Rp" in cell.number_format, f"{ws.title}!{cell.coordinate}: number format {cell.number_format!r}"
        for cell in row:
            if isinstance(cell.value, str):
                assert not NUMERIC_TEXT.match(cell.value), f"{ws.title}!{cell.coordinate}: a number stored as text {cell.value!r}"


def counter_of(pairs) -> collections.Counter:
    return collections.Counter(pairs)


# MARK: PDF helpers


def pdf_text(path: Path, layout: bool = True) -> list[str]:
    """The pages of a PDF as text (pdftotext), the empty tail after the last form feed dropped."""
    command = ["pdftotext"] + (["-layout"] if layout else []) + [str(path), "-"]
    result = subprocess.run(command, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    pages = result.stdout.split("\f")
    if pages and not pages[-1].strip():
        pages.pop()
    return pages


def pdf_page_count(path: Path) -> int:
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, text=True, timeout=60).stdout
    match = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert match, info
    return int(match.group(1))


def norm(text: str) -> str:
    return " ".join(text.split())


def save_pdf_and_render(answer: Answer, stem: str) -> Path:
    """Keeps the PDF under test-artifacts/documents/ and renders its page 1 to PNG next to it."""
    assert answer.body.startswith(b"%PDF-"), answer.body[:20]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pdf = ARTIFACTS / f"{stem}.pdf"
    pdf.write_bytes(answer.body)
    png = ARTIFACTS / f"{stem}-p1.png"
    png.unlink(missing_ok=True)
    result = subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf),
                             str(ARTIFACTS / f"{stem}-p1")], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert png.is_file() and png.stat().st_size > 0, f"{png} was not rendered"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    return pdf


def rupiah_text(amount: int) -> str:
    return "Rp " + f"{amount:,}".replace(",", ".")


def assert_page_numbers(pages: list[str], count: int) -> None:
    assert len(pages) == count, f"pdftotext found {len(pages)} pages, pdfinfo {count}"
    for number, page in enumerate(pages, start=1):
        assert f"Halaman {number} dari {count}" in norm(page), f"page {number} lacks 'Halaman {number} dari {count}'"


# MARK: DU-RKPDes and RKPDes


def test_du_rkpdes_xlsx_lists_kept_and_forwarded_as_the_database_says(world: World):
    answer = download(world.base_url, f"/dokumen/desa/{BUBUK}/du-rkpdes-{YEAR}.xlsx", content_type=XLSX_TYPE)
    assert filename(answer) == f"DU-RKPDes-{world.db.region_name(BUBUK)}-{YEAR}.xlsx"
    book = workbook(answer)
    assert book.sheetnames == ["Kewenangan Desa", "Diteruskan ke Kecamatan"]
    own, forwarded = world.db.village_lists(BUBUK)
    title, cost, number = DU_HEADER.index("Nama Kegiatan"), DU_HEADER.index("Prakiraan Biaya (Rp)"), DU_HEADER.index("No")
    for ws, expected in zip(book.worksheets, (own, forwarded)):
        assert_sheet_frame(ws, DU_HEADER)
        assert_numbers(ws, DU_HEADER, numeric=["No", "SDGs Desa ke-", "Volume", "Penerima Manfaat L", "Penerima Manfaat P",
                                               "Penerima Manfaat RTM", "Penerima Manfaat Difabel", "Urutan Prioritas"],
                       rupiah=["Prakiraan Biaya (Rp)"])
        *rows, total = body_rows(ws)
        assert values(total)[1] == "Jumlah" and values(total)[number] is None, f"{ws.title}: last row is the total"
        assert [values(r)[number] for r in rows] == list(range(1, len(rows) + 1)), f"{ws.title}: numbered 1…n"
        assert len(rows) == len(expected), f"{ws.title}: {len(rows)} rows, the database has {len(expected)}"
        assert counter_of((values(r)[title], values(r)[cost]) for r in rows) == \
            counter_of((p["title"], p["current_cost"]) for p in expected), f"{ws.title}: rows differ from the database"
        assert total[cost].value == sum(values(r)[cost] for r in rows), f"{ws.title}: the total is not the sum of its rows"
        assert total[cost].value == sum(p["current_cost"] for p in expected), f"{ws.title}: the total differs from the database"
    kept_titles = [values(r)[title] for r in body_rows(book["Kewenangan Desa"])]
    forwarded_titles = [values(r)[title] for r in body_rows(book["Diteruskan ke Kecamatan"])]
    assert "Sumur bor Dusun Krajan" in kept_titles and "Lampu jalan Dusun Krajan" in kept_titles
    assert "Jalan poros Krajan–Lor" in forwarded_titles
    assert "Gapura dusun" not in kept_titles + forwarded_titles, "a proposal rejected by the village is on neither list"

    # One row in full, against the database.
    well = world.db.rows("SELECT * FROM proposals WHERE id = ?", (world.ids["kept"],))[0]
    row = next(values(r) for r in body_rows(book["Kewenangan Desa"]) if values(r)[title] == "Sumur bor Dusun Krajan")
    women = min(well["beneficiaries_women"], well["beneficiaries_total"])
    assert row[1] == "02 Pelaksanaan Pembangunan Desa / 02.03 Pekerjaan Umum dan Penataan Ruang"
    assert row[3:] == [well["sdg"], "Dusun Krajan, RT 01/RW 02, Desa Bubuk", well["current_volume"], well["unit"],
                       well["beneficiaries_total"] - women, women, well["beneficiaries_poor"], well["beneficiaries_disabled"],
                       f"Tahun {YEAR}", well["current_cost"], "Dana Desa (DD)", well["priority"]]

    # Formula injection: the title is a text cell holding the literal text, marked so no spreadsheet evaluates it.
    formula_cells = [r[title] for r in body_rows(book["Kewenangan Desa"]) if r[title].value == FORMULA_TITLE]
    assert len(formula_cells) == 1, "the formula-looking title is listed once, literally"
    assert formula_cells[0].data_type == "s", f"data_type {formula_cells[0].data_type!r}: it would be evaluated"
    assert formula_cells[0].quotePrefix, "a formula-looking text carries Excel's quotePrefix"


def test_rkpdes_xlsx_groups_by_bidang_with_subtotals_from_the_database(world: World):
    answer = download(world.base_url, f"/dokumen/desa/{BUBUK}/rkpdes-{YEAR}.xlsx", content_type=XLSX_TYPE)
    assert filename(answer) == f"RKPDes-{world.db.region_name(BUBUK)}-{YEAR}.xlsx"
    book = workbook(answer)
    assert book.sheetnames == [f"RKPDes {YEAR}"]
    ws = book.worksheets[0]
    assert_sheet_frame(ws, RKPDES_HEADER)
    assert_numbers(ws, RKPDES_HEADER, numeric=["No", "Volume"], rupiah=["Jumlah (Rp)"])
    amount, label = RKPDES_HEADER.index("Jumlah (Rp)"), 1
    groups: list[dict] = []
    grand = None
    for row in body_rows(ws):
        v = values(row)
        if isinstance(v[0], int):
            assert groups and groups[-1]["subtotal"] is None, f"row {row[0].row}: a plan row outside an open Bidang"
            groups[-1]["rows"].append(v)
        elif v[label] == "Jumlah Total":
            grand = v[amount]
            assert row[amount].font.b, "the total row is bold"
        elif str(v[label]).startswith("Jumlah per Bidang "):
            assert v[label] == f"Jumlah per Bidang {groups[-1]['title']}", f"row {row[0].row}: subtotal of another Bidang"
            groups[-1]["subtotal"] = v[amount]
        else:
            assert v[amount] is None and v[label], f"row {row[0].row}: a Bidang title row"
            groups.append({"title": v[label], "rows": [], "subtotal": None})
    assert grand is not None, "the plan ends with Jumlah Total"
    plan = world.db.village_plan(BUBUK)
    by_field = collections.defaultdict(list)
    for p in plan:
        by_field[p["field_code"]].append(p)
    assert [g["title"].split(" ")[0] for g in groups] == sorted(by_field), "one group per Bidang, in code order"
    assert len(by_field) >= 2, "the world has accepted proposals in two Bidang"
    for group in groups:
        expected = by_field[group["title"].split(" ")[0]]
        assert group["subtotal"] == sum(r[amount] for r in group["rows"]), f"{group['title']}: subtotal is not the sum of its rows"
        assert group["subtotal"] == sum(p["current_cost"] for p in expected), f"{group['title']}: subtotal differs from the database"
        assert counter_of(r[1] for r in group["rows"]) == counter_of(p["title"] for p in expected)
    all_rows = [r for g in groups for r in g["rows"]]
    assert [r[0] for r in all_rows] == list(range(1, len(all_rows) + 1))
    assert grand == sum(r[amount] for r in all_rows) == sum(p["current_cost"] for p in plan)
    titles = [r[1] for r in all_rows]
    assert "Sumur bor Dusun Krajan" in titles and "Pelatihan kelompok tani perempuan" in titles
    assert "Lampu jalan Dusun Krajan" not in titles, "a pending proposal is not in the plan yet"
    training = next(r for r in all_rows if r[1] == "Pelatihan kelompok tani perempuan")
    assert training[3] == 12.5 and isinstance(training[3], float), "a fractional volume stays a float"


# MARK: T-D.4, not accommodated, recap


def parse_priorities(ws) -> dict:
    """Tabel T-D.4 as its rows: agency groups with their rows and subtotals, then the totals and the ceiling lines."""
    number, label, budget, agency = 0, 4, 9, 10
    parsed = {"groups": [], "total": None, "ceiling": None, "rest": None}
    for row in body_rows(ws):
        v = values(row)
        if isinstance(v[number], int):
            assert parsed["groups"] and parsed["groups"][-1]["subtotal"] is None, f"row {row[0].row}: outside a group"
            parsed["groups"][-1]["rows"].append(v)
        elif v[label] == "Jumlah seluruh kegiatan prioritas":
            parsed["total"] = v[budget]
        elif v[label] == "Pagu indikatif kecamatan":
            parsed["ceiling"] = v[budget]
        elif v[label] in ("Sisa pagu indikatif", "Melebihi pagu indikatif sebesar"):
            parsed["rest"] = (v[label], v[budget])
        elif str(v[label]).startswith("Jumlah "):
            assert v[label] == f"Jumlah {parsed['groups'][-1]['title']}", f"row {row[0].row}: subtotal of another group"
            parsed["groups"][-1]["subtotal"] = v[budget]
        else:
            assert v[budget] is None and v[agency] is None and v[label], f"row {row[0].row}: an agency title row"
            parsed["groups"].append({"title": v[label], "rows": [], "subtotal": None})
    return parsed


def test_t_d4_xlsx_priorities_by_agency_with_mapping_and_ceiling(world: World):
    answer = download(world.base_url, f"/dokumen/kecamatan/{ROGOJAMPI}/t-d4-{YEAR}.xlsx", content_type=XLSX_TYPE)
    assert filename(answer) == f"T-D.4-{world.db.region_name(ROGOJAMPI)}-{YEAR}.xlsx"
    book = workbook(answer)
    assert book.sheetnames == ["T-D.4"]
    ws = book.worksheets[0]
    assert_sheet_frame(ws, TD4_HEADER)
    assert_numbers(ws, TD4_HEADER, numeric=["No", "Volume"], rupiah=["Pagu (Rp)"])
    parsed = parse_priorities(ws)
    rows = [r for g in parsed["groups"] for r in g["rows"]]
    for group in parsed["groups"]:
        assert group["rows"], f"{group['title']}: an empty group"
        assert group["subtotal"] == sum(r[9] for r in group["rows"]), f"{group['title']}: subtotal is not the sum of its rows"
        assert {r[10] or "Perangkat daerah belum ditetapkan" for r in group["rows"]} == {group["title"]}, \
            f"{group['title']}: a row of another agency in the group"
    assert len({g["title"] for g in parsed["groups"]}) == len(parsed["groups"]), "each agency is one group"
    assert parsed["total"] == sum(r[9] for r in rows), "the total is not the sum of the rows"

    backed = world.db.district_priorities(ROGOJAMPI)
    assert len(rows) == len(backed) >= EXTRA_BACKED + 1
    assert sorted(r[0] for r in rows) == list(range(1, len(rows) + 1)), "ranks 1…n, each once"
    assert counter_of((r[4], r[9]) for r in rows) == counter_of((p["title"], p["current_cost"]) for p in backed)
    assert parsed["total"] == sum(p["current_cost"] for p in backed)
    ceiling = world.db.value("SELECT amount FROM ceilings WHERE district_code = ? AND year = ?", (ROGOJAMPI, YEAR))
    assert parsed["ceiling"] == ceiling
    rest = ceiling - parsed["total"]
    assert parsed["rest"] == ("Sisa pagu indikatif" if rest >= 0 else "Melebihi pagu indikatif sebesar", abs(rest))

    # The planner's mapping stands beside every row of a mapped sub-bidang, and nothing is invented elsewhere.
    mappings = {m["subfield_code"]: m for m in world.db.rows("SELECT * FROM program_mappings")}
    subfields = collections.defaultdict(set)
    for p in backed:
        subfields[p["title"]].add(p["subfield_code"])
    for r in rows:
        if len(subfields[r[4]]) != 1:
            continue
        mapping = mappings.get(next(iter(subfields[r[4]])))
        expected = [mapping["regional_priority"], mapping["regional_target"], mapping["program"]] if mapping else [None] * 3
        assert [x or None for x in r[1:4]] == [x or None for x in expected], f"{r[4]}: mapping columns {r[1:4]}"
    road = next(r for r in rows if r[4] == "Jalan poros Krajan–Lor")
    assert road[1:4] == [MAPPING["regionalPriority"], MAPPING["regionalTarget"], MAPPING["program"]]
    assert road[6] == "Desa Bubuk" and road[7] == 350 and road[8] == "m" and road[9] == 700_000_000
    assert "Jembatan Dusun Lor" not in [r[4] for r in rows], "rejected at the kecamatan"


def test_tidak_terakomodir_xlsx_holds_every_refusal_with_its_reason(world: World):
    answer = download(world.base_url, f"/dokumen/kecamatan/{ROGOJAMPI}/tidak-terakomodir-{YEAR}.xlsx", content_type=XLSX_TYPE)
    assert filename(answer) == f"Usulan-Tidak-Terakomodir-{world.db.region_name(ROGOJAMPI)}-{YEAR}.xlsx"
    book = workbook(answer)
    assert book.sheetnames == ["Tidak Terakomodir"]
    ws = book.worksheets[0]
    assert_sheet_frame(ws, REFUSED_HEADER)
    assert_numbers(ws, REFUSED_HEADER, numeric=["No", "Volume"], rupiah=["Pagu (Rp)"])
    *rows, total = [values(r) for r in body_rows(ws)]
    assert total[2] == "Jumlah" and total[0] is None
    refusals = world.db.refusals(ROGOJAMPI)
    assert len(rows) == len(refusals)
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert counter_of((r[2], r[6], r[9]) for r in rows) == \
        counter_of((p["title"], p["current_cost"], p["refusal_reason"]) for p in refusals)
    assert total[6] == sum(r[6] for r in rows) == sum(p["current_cost"] for p in refusals)
    bridge = next(r for r in rows if r[2] == "Jembatan Dusun Lor")
    assert bridge[1] == world.db.region_name(ROGOJAMPI) and bridge[8] == "Musrenbang Kecamatan" and bridge[9] == DISTRICT_REASON
    gate = next(r for r in rows if r[2] == "Gapura dusun")
    assert gate[8] == "Musrenbang Desa" and gate[9] == VILLAGE_REASON


def test_regency_recap_xlsx_subtotals_and_total_equal_the_database(world: World):
    answer = download(world.base_url, f"/dokumen/kabupaten/rekap-{YEAR}.xlsx", content_type=XLSX_TYPE)
    book = workbook(answer)
    assert book.sheetnames == [f"Rekap {YEAR}"]
    ws = book.worksheets[0]
    assert_sheet_frame(ws, RECAP_HEADER)
    assert_numbers(ws, RECAP_HEADER, numeric=["Jumlah Usulan"], rupiah=["Biaya (Rp)"])
    groups: list[dict] = []
    grand_row = None
    regency_name = world.db.region_name(REGENCY)
    for row in body_rows(ws):
        v = values(row)
        if v[0] is not None:
            assert groups and groups[-1]["subtotal"] is None and f"Kecamatan {v[0]}" == groups[-1]["title"], f"row {row[0].row}"
            groups[-1]["rows"].append(v)
        elif v[1] == f"Jumlah {regency_name}":
            grand_row = v
        elif str(v[1]).startswith("Jumlah "):
            assert v[1] == f"Jumlah {groups[-1]['title']}"
            groups[-1]["subtotal"] = v[4]
        else:
            assert v[1].startswith("Kecamatan ") and v[4] is None
            groups.append({"title": v[1], "rows": [], "subtotal": None})
    assert grand_row is not None and values(body_rows(ws)[-1]) == grand_row, "the regency's total closes the recap"
    for group in groups:
        assert group["subtotal"] == sum(r[4] for r in group["rows"]), f"{group['title']}: subtotal is not the sum of its rows"
    all_rows = [r for g in groups for r in g["rows"]]
    assert grand_row[4] == sum(r[4] for r in all_rows), "the total is not the sum of the rows"
    assert grand_row[4] == world.db.value("SELECT COALESCE(SUM(current_cost), 0) FROM proposals WHERE year = ?", (YEAR,))
    assert sum(r[3] for r in all_rows) == world.db.value("SELECT COUNT(*) FROM proposals WHERE year = ?", (YEAR,))
    # Per kecamatan and, for Rogojampi, per bidang.
    names = {r["code"]: r["name"] for r in world.db.rows("SELECT code, name FROM regions WHERE level = 'district' AND parent_code = ?",
                                                         (REGENCY,))}
    expected = {names[r["district_code"]]: (r["n"], r["cost"]) for r in world.db.rows(
        "SELECT district_code, COUNT(*) AS n, SUM(current_cost) AS cost FROM proposals WHERE year = ? GROUP BY district_code", (YEAR,))}
    got = {g["title"].removeprefix("Kecamatan "): (sum(r[3] for r in g["rows"]), g["subtotal"]) for g in groups}
    assert got == expected
    rogojampi = next(g for g in groups if g["title"] == f"Kecamatan {names[ROGOJAMPI]}")
    by_field = collections.defaultdict(lambda: [0, 0])
    for r in rogojampi["rows"]:
        by_field[r[1].split(" ")[0]][0] += r[3]
        by_field[r[1].split(" ")[0]][1] += r[4]
    assert dict(by_field) == {r["field_code"]: [r["n"], r["cost"]] for r in world.db.rows(
        """SELECT field_code, COUNT(*) AS n, SUM(current_cost) AS cost FROM proposals WHERE year = ? AND district_code = ?
            GROUP BY field_code""", (YEAR, ROGOJAMPI))}


def test_attendance_xlsx_names_only_with_consent(world: World):
    path = f"/dokumen/musrenbang/{world.district_assembly}/{ROGOJAMPI}/daftar-hadir.xlsx"
    answer = download(world.base_url, path, token=world.district_operator, content_type=XLSX_TYPE)
    assert filename(answer) == f"Daftar-Hadir-{world.db.region_name(ROGOJAMPI)}-Musrenbang-{world.district_assembly}.xlsx"
    book = workbook(answer)
    assert book.sheetnames == ["Daftar Hadir"]
    ws = book.worksheets[0]
    assert_sheet_frame(ws, ATTENDANCE_HEADER)
    assert_numbers(ws, ATTENDANCE_HEADER, numeric=["No"], rupiah=[])
    rows = body_rows(ws)
    people = world.db.attendees(world.district_assembly, ROGOJAMPI)
    assert len(rows) == len(people) == 2
    for number, (row, person) in enumerate(zip(rows, people), start=1):
        v = values(row)
        masked = " ".join(word[0] + "***" for word in person["name"].split())
        shown = person["name"] if person["name_consent"] or person["account_role"] != "citizen" else masked
        assert v[:5] == [number, shown, "Warga", "P" if person["gender"] == "female" else "L", world.db.region_name(person["region_code"])]
        arrived = datetime.fromtimestamp(person["created_at"], tz=timezone.utc).astimezone(timezone(timedelta(hours=7)))
        assert isinstance(v[5], datetime) and row[5].data_type == "d" and "dd/mm/yyyy" in row[5].number_format
        assert abs((v[5] - arrived.replace(tzinfo=None)).total_seconds()) < 1.5, f"arrival {v[5]} is not {arrived} (WIB)"
        assert v[6] == ("Ya" if person["is_guest"] else "Tidak")
    names = [values(r)[1] for r in rows]
    assert CONSENTING[0] in names and "W*** P***" in names and NOT_CONSENTING[0] not in names


# MARK: LibreOffice reads what openpyxl reads


def test_libreoffice_reads_the_du_rkpdes_as_openpyxl_does(world: World, tmp_path):
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice (soffice) is not installed"
    answer = download(world.base_url, f"/dokumen/desa/{BUBUK}/du-rkpdes-{YEAR}.xlsx")
    source = tmp_path / "du-rkpdes.xlsx"
    source.write_bytes(answer.body)
    profile = Path(tempfile.mkdtemp(prefix="lo-profile-"))
    try:
        # CSV filter: comma, double quote, UTF-8, raw values (not as shown), every sheet to its own file.
        result = subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                                 "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                                 "--outdir", str(tmp_path / "out"), str(source)], capture_output=True, text=True, timeout=120)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    assert result.returncode == 0, result.stdout + result.stderr
    book = workbook(answer)
    for ws in book.worksheets:
        converted = tmp_path / "out" / f"du-rkpdes-{ws.title}.csv"
        assert converted.is_file(), f"LibreOffice wrote {sorted(p.name for p in (tmp_path / 'out').iterdir())}"
        office_rows = list(csv.reader(io.StringIO(converted.read_text(encoding="utf-8"))))
        python_rows = [values(r) for r in ws.iter_rows()]
        assert len(office_rows) == len(python_rows), ws.title
        for line, (office, python) in enumerate(zip(office_rows, python_rows), start=1):
            office = office + [""] * (len(python) - len(office))
            for column, (seen, value) in enumerate(zip(office, python)):
                where = f"{ws.title}!{openpyxl.utils.get_column_letter(column + 1)}{line}"
                if value is None:
                    assert seen == "", f"{where}: LibreOffice reads {seen!r} where openpyxl reads nothing"
                elif isinstance(value, (int, float)):
                    assert re.fullmatch(r"-?\d+(\.\d+)?", seen), f"{where}: LibreOffice reads {seen!r}, not a number"
                    assert float(seen) == value, f"{where}: {seen} != {value}"
                else:
                    assert seen == value, f"{where}: LibreOffice reads {seen!r}, openpyxl {value!r}"
    formula_sheet = (tmp_path / "out" / "du-rkpdes-Kewenangan Desa.csv").read_text(encoding="utf-8")
    assert FORMULA_TITLE.replace('"', '""') in formula_sheet and ",klik," not in formula_sheet, "LibreOffice evaluated the title"


# MARK: CSV


def csv_rows(answer: Answer) -> list[list[str]]:
    assert answer.body.startswith(b"\xef\xbb\xbf"), "UTF-8 with a byte-order mark"
    assert answer.headers.get("Content-Type") == "text/csv; charset=utf-8"
    text = answer.body[3:].decode("utf-8")
    assert text.endswith("\r\n") and "\n" not in text.replace("\r\n", ""), "CRLF line ends"
    return list(csv.reader(io.StringIO(text, newline="")))


def test_du_rkpdes_csv_matches_the_xlsx_and_neutralises_formulas(world: World):
    answer = download(world.base_url, f"/dokumen/desa/{BUBUK}/du-rkpdes-{YEAR}.csv")
    assert filename(answer) == f"DU-RKPDes-{world.db.region_name(BUBUK)}-{YEAR}.csv"
    rows = csv_rows(answer)
    assert rows[0] == DU_HEADER
    assert all(len(r) == len(DU_HEADER) for r in rows), "every line has every column (quoting kept the commas inside fields)"
    raw = answer.body.decode("utf-8-sig")
    # The formula-looking title: prefixed with ', quoted (it holds a comma and quotes, doubled).
    assert "\"'=HYPERLINK(\"\"http://x.example\"\",\"\"klik\"\")\"" in raw
    assert ["'" + FORMULA_TITLE] == [r[2] for r in rows if "HYPERLINK" in r[2]]
    assert f'"{PUNCTUATED_TITLE}"' in raw, "a field with ';' and ',' is quoted"
    assert '"Dusun Krajan, RT 01/RW 02, Desa Bubuk"' in raw, "a field with ',' is quoted"
    # The same values as the workbook: the village's list and its total, then the forwarded list and its total.
    book = workbook(download(world.base_url, f"/dokumen/desa/{BUBUK}/du-rkpdes-{YEAR}.xlsx"))
    expected = []
    for ws, total in zip(book.worksheets, ("Jumlah kewenangan desa", "Jumlah diteruskan ke kecamatan")):
        for row in body_rows(ws):
            v = ["" if x is None else ("'" + x if x == FORMULA_TITLE else str(x)) for x in values(row)]
            expected.append([total if x == "Jumlah" and i == 1 else x for i, x in enumerate(v)])
    assert rows[1:] == expected
    own, forwarded = world.db.village_lists(BUBUK)
    totals = [r[12] for r in rows if r[1].startswith("Jumlah ")]
    assert totals == [str(sum(p["current_cost"] for p in own)), str(sum(p["current_cost"] for p in forwarded))]


def test_refusals_and_attendance_csv_quote_and_mask(world: World):
    refused = download(world.base_url, f"/dokumen/kecamatan/{ROGOJAMPI}/tidak-terakomodir-{YEAR}.csv")
    rows = csv_rows(refused)
    assert rows[0] == REFUSED_HEADER and all(len(r) == len(REFUSED_HEADER) for r in rows)
    assert f'"{DISTRICT_REASON}"' in refused.body.decode("utf-8-sig"), "a field with ';' is quoted"
    assert [r for r in rows if r[2] == "Jembatan Dusun Lor"][0][9] == DISTRICT_REASON
    assert rows[-1][2] == "Jumlah" and rows[-1][6] == str(sum(p["current_cost"] for p in world.db.refusals(ROGOJAMPI)))

    attendance = download(world.base_url, f"/dokumen/musrenbang/{world.district_assembly}/{ROGOJAMPI}/daftar-hadir.csv",
                          token=world.district_operator)
    rows = csv_rows(attendance)
    assert rows[0] == ATTENDANCE_HEADER
    assert [r[1] for r in rows[1:]] == [CONSENTING[0], "W*** P***"]
    assert NOT_CONSENTING[0].encode() not in attendance.body
    assert all(re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", r[5]) for r in rows[1:]), [r[5] for r in rows[1:]]


# MARK: PDF


def test_village_minutes_pdf_is_a_draft_on_every_page(world: World):
    path = f"/dokumen/musrenbang/{world.village_assembly}/{BUBUK}/berita-acara.pdf"
    answer = download(world.base_url, path, token=world.village_operator, content_type="application/pdf")
    village = world.db.region_name(BUBUK)
    assert filename(answer) == f"BA-Musrenbangdes-{village}-{YEAR}.pdf"
    pdf = save_pdf_and_render(answer, "ba-desa-draft")
    count = pdf_page_count(pdf)
    pages = pdf_text(pdf)
    assert count >= 2, "the berita acara and its annexes take more than one page"
    assert_page_numbers(pages, count)
    for number, page in enumerate(pages, start=1):
        assert "DRAF" in page, f"page {number} has no DRAF banner"
    text = norm("\n".join(pages))
    assert f"DESA {village.upper()}" in text and f"Desa {village}" in text
    assert "Musrenbang Desa" in text
    assert "Sumur bor Dusun Krajan" in text, "Lampiran 2 lists the village's proposals"


def test_district_minutes_pdf_once_final(world: World):
    path = f"/dokumen/musrenbang/{world.district_assembly}/{ROGOJAMPI}/berita-acara.pdf"
    answer = download(world.base_url, path, token=world.district_operator, content_type="application/pdf")
    district = world.db.region_name(ROGOJAMPI)
    assert filename(answer) == f"BA-Musrenbang-Kecamatan-{district}-{YEAR}.pdf"
    pdf = save_pdf_and_render(answer, "ba-kecamatan-final")
    count = pdf_page_count(pdf)
    pages = pdf_text(pdf)
    raw_pages = pdf_text(pdf, layout=False)
    assert_page_numbers(pages, count)
    for number, page in enumerate(pages, start=1):
        assert "DRAF" not in page, f"page {number} of final minutes still says DRAF"
    text = norm("\n".join(pages))
    raw = norm("\n".join(raw_pages))
    assert f"KECAMATAN {district.upper()}" in text

    def annex(name: str) -> list[int]:
        """The pages of one annex: from its heading to the next annex's."""
        marks = [i for i, page in enumerate(pages) if re.search(rf"LAMPIRAN {name}\s*:", page)]
        assert marks, f"no LAMPIRAN {name}"
        following = [i for i, page in enumerate(pages) if i > marks[0] and re.search(r"LAMPIRAN [IV]+\s*:", page)]
        return list(range(marks[0], following[0] if following else len(pages)))

    # Lampiran I: the attendance list names only who consented.
    attendance = norm("\n".join(pages[i] for i in annex("I")))
    assert CONSENTING[0] in attendance or CONSENTING[0] in norm("\n".join(raw_pages[i] for i in annex("I")))
    assert "W*** P***" in attendance
    assert NOT_CONSENTING[0] not in text and NOT_CONSENTING[0] not in raw, "a citizen who did not consent is named"

    # Lampiran II: Tabel T-D.4, every row the kecamatan backed, the header on every page it runs over.
    backed = world.db.district_priorities(ROGOJAMPI)
    td4_pages = annex("II")
    td4_layout = norm("\n".join(pages[i] for i in td4_pages))
    td4_raw = norm("\n".join(raw_pages[i] for i in td4_pages))
    assert "TABEL T-D.4" in td4_layout
    for p in backed:
        assert p["title"] in td4_layout or p["title"] in td4_raw, f"T-D.4 in Lampiran II lacks {p['title']!r}"
        assert rupiah_text(p["current_cost"]) in td4_layout, f"T-D.4 lacks the budget of {p['title']!r}"
    total = sum(p["current_cost"] for p in backed)
    assert f"JUMLAH SELURUH KEGIATAN PRIORITAS ({len(backed)} kegiatan) {rupiah_text(total)}" in td4_layout
    assert MAPPING["regionalPriority"] in td4_layout
    rows_on = [i for i in td4_pages if any(t in norm(pages[i]) or t in norm(raw_pages[i]) for t in world.extra_titles)]
    assert len(rows_on) >= 2, "the world's T-D.4 runs over more than one page"
    for i in rows_on:
        assert "Kegiatan Prioritas" in pages[i] and "Pagu (Rp)" in pages[i], f"page {i + 1}: T-D.4 rows without the table header"

    # Lampiran III: what the kecamatan could not accommodate, with its reason.
    refused = norm("\n".join(pages[i] for i in annex("III")))
    assert "Jembatan Dusun Lor" in refused and DISTRICT_REASON in refused
    assert rupiah_text(900_000_000) in refused

    # Lampiran IV and the signing page: the three delegates, a woman among them, and the group sessions.
    delegates = norm("\n".join(pages[i] for i in annex("IV")))
    for delegate in DELEGATES:
        assert delegate["name"] in delegates and delegate["institution"] in delegates
        assert delegate["name"] in norm("\n".join(pages[:annex("I")[0]])), f"{delegate['name']} is not among the signers"
    assert "Perempuan" in delegates
    for group in GROUP_SESSIONS:
        assert group["title"] in delegates and group["notes"] in delegates


def test_proposal_tracking_sheet_pdf_tells_its_history(world: World):
    ident = world.ids["refused"]
    answer = download(world.base_url, f"/dokumen/usulan/{ident}/lembar-pelacakan.pdf", content_type="application/pdf")
    assert filename(answer) == f"Lembar-Usulan-{ident}-{world.db.region_name(NEIGHBOUR)}.pdf"
    pdf = save_pdf_and_render(answer, "lembar-pelacakan")
    pages = pdf_text(pdf)
    assert_page_numbers(pages, pdf_page_count(pdf))
    text = norm("\n".join(pages))
    assert "Jembatan Dusun Lor" in text and f"#{ident}" in text
    assert "Ditolak di Musrenbang Kecamatan" in text
    history = ok(http(world.base_url, f"/api/v1/proposals/{ident}", headers={"Accept-Language": "id"}), "proposal").json()["history"]
    stored = world.db.value("SELECT COUNT(*) FROM proposal_history WHERE proposal_id = ?", (ident,))
    assert len(history) == stored == 3
    for entry in history:
        line = entry["text"].split(" — ")[0] + "."
        assert line in text, f"the sheet lacks the history line {line!r}"
        if entry.get("reason"):
            assert f"Alasan: {entry['reason']}" in text
    assert text.count(" pukul ") == stored, "one dated line per history entry"


# MARK: who may have what, and bad requests


def test_session_papers_belong_to_the_session_team(world: World):
    base = f"/dokumen/musrenbang/{world.district_assembly}/{ROGOJAMPI}"
    for paper in ("daftar-hadir.xlsx", "daftar-hadir.csv", "berita-acara.pdf"):
        assert world.get(f"{base}/{paper}").status == 401, f"{paper}: anonymous"
        assert world.get(f"{base}/{paper}", token=world.village_operator).status == 403, f"{paper}: a village's operator"
    assert world.get(f"{base}/daftar-hadir.xlsx", token=world.district_operator).status == 200
    assert world.get(f"{base}/daftar-hadir.csv", token=world.planner).status == 200, "the regency's planner"
    # Another village's session of the demo's musrenbang: Bubuk's operator may not have the neighbour's list.
    other = f"/dokumen/musrenbang/{world.other_village_assembly}/{NEIGHBOUR}/daftar-hadir.xlsx"
    assert world.get(other, token=world.village_operator).status == 403
    assert world.get(other).status == 401


def test_a_format_a_document_does_not_come_in_is_406_naming_the_formats(world: World):
    answer = world.get(f"/dokumen/desa/{BUBUK}/du-rkpdes-{YEAR}.pdf")
    assert answer.status == 406
    assert "Dokumen ini tidak tersedia dalam format PDF; tersedia: XLSX, CSV." in answer.text
    assert world.get(f"/dokumen/kecamatan/{ROGOJAMPI}/t-d4-{YEAR}.docx").status == 406
    paper = world.get(f"/dokumen/musrenbang/{world.district_assembly}/{ROGOJAMPI}/berita-acara.xlsx", token=world.district_operator)
    assert paper.status == 406 and "tersedia: PDF" in paper.text
    sheet = world.get(f"/dokumen/usulan/{world.ids['kept']}/lembar-pelacakan.csv")
    assert sheet.status == 406 and "tersedia: PDF" in sheet.text


def test_an_unknown_document_is_404(world: World):
    assert world.get(f"/dokumen/desa/{BUBUK}/anggaran-{YEAR}.xlsx").status == 404
    assert "Dokumen tidak dikenal." in world.get(f"/dokumen/desa/{BUBUK}/anggaran-{YEAR}.xlsx").text
    assert world.get(f"/dokumen/desa/{BUBUK}/du-rkpdes.xlsx").status == 404, "a yearly document without its year"
    assert world.get(f"/dokumen/desa/{BUBUK}/du-rkpdes-1999.xlsx").status == 404, "a year out of range"
    assert world.get(f"/dokumen/kecamatan/{BUBUK}/t-d4-{YEAR}.xlsx").status == 404, "a village is not a kecamatan"
    assert world.get(f"/dokumen/desa/35.09.01.2001/du-rkpdes-{YEAR}.csv").status == 404, "another regency's village"
    assert world.get("/dokumen/usulan/987654321/lembar-pelacakan.pdf").status == 404
    assert world.get(f"/dokumen/musrenbang/987654321/{ROGOJAMPI}/berita-acara.pdf", token=world.planner).status == 404


def test_an_empty_year_is_a_valid_empty_document(world: World):
    """A year without proposals: 200 and a well-formed document, its header and its totals, each total reading 0."""
    wrong_totals = []
    du = download(world.base_url, f"/dokumen/desa/{BUBUK}/du-rkpdes-{EMPTY_YEAR}.xlsx")
    book = workbook(du)
    assert book.sheetnames == ["Kewenangan Desa", "Diteruskan ke Kecamatan"]
    cost = DU_HEADER.index("Prakiraan Biaya (Rp)")
    for ws in book.worksheets:
        assert_sheet_frame(ws, DU_HEADER)
        rows = [values(r) for r in body_rows(ws)]
        assert len(rows) == 1 and rows[0][1] == "Jumlah", f"{ws.title}: {rows}"
        if rows[0][cost] != 0:
            wrong_totals.append(f"du-rkpdes {ws.title} 'Jumlah': {rows[0][cost]!r}")
    for path, header, label, amount in [
        (f"/dokumen/desa/{BUBUK}/rkpdes-{EMPTY_YEAR}.xlsx", RKPDES_HEADER, "Jumlah Total", 7),
        (f"/dokumen/kecamatan/{ROGOJAMPI}/t-d4-{EMPTY_YEAR}.xlsx", TD4_HEADER, "Jumlah seluruh kegiatan prioritas", 9),
        (f"/dokumen/kecamatan/{ROGOJAMPI}/tidak-terakomodir-{EMPTY_YEAR}.xlsx", REFUSED_HEADER, "Jumlah", 6),
        (f"/dokumen/kabupaten/rekap-{EMPTY_YEAR}.xlsx", RECAP_HEADER, f"Jumlah {world.db.region_name(REGENCY)}", 4),
    ]:
        ws = workbook(download(world.base_url, path)).worksheets[0]
        assert_sheet_frame(ws, header)
        total = next((values(r) for r in body_rows(ws) if label in values(r)), None)
        assert total is not None, f"{path}: no {label!r} row"
        if total[amount] != 0:
            wrong_totals.append(f"{path.rsplit('/', 1)[1]} {label!r}: {total[amount]!r}")
    rows = csv_rows(download(world.base_url, f"/dokumen/desa/{BUBUK}/du-rkpdes-{EMPTY_YEAR}.csv"))
    assert rows[0] == DU_HEADER
    assert [r[1] for r in rows[1:]] == ["Jumlah kewenangan desa", "Jumlah diteruskan ke kecamatan"]
    wrong_totals += [f"du-rkpdes csv {r[1]!r}: {r[cost]!r}" for r in rows[1:] if r[cost] != "0"]
    assert not wrong_totals, "the total of an empty list must read 0, not stay blank:\n  " + "\n  ".join(wrong_totals)
