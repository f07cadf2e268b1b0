"""Generate the demo corpus and demo questions for the RAG knowledge base.

This is a **dev-time tool**, not part of the application. It needs ``fpdf2`` and
``python-docx`` (plus ``pypdf`` for ``--check``), which are deliberately not
project dependencies; install them into a throwaway virtualenv::

    python3.11 -m venv /tmp/genvenv
    /tmp/genvenv/bin/pip install fpdf2 python-docx pypdf
    /tmp/genvenv/bin/python scripts/make_samples.py          # (re)generate
    /tmp/genvenv/bin/python scripts/make_samples.py --check  # generate + verify

Run it from the repository root as ``python scripts/make_samples.py``. It writes
four documents about the fictional company "Northwind Robotics" (all text was
written for this project, so there is no licence issue):

* ``data/docs/Employee Handbook.pdf`` - 6 pages, one topic per page
* ``data/docs/Product Datasheet NR-200.pdf`` - 2 pages, spec table + warranty
* ``data/docs/policies/IT Security Policy.docx`` - headings, table, numbered list
* ``data/docs/policies/差旅报销制度.docx`` - Chinese travel-reimbursement policy

and ``data/sample_questions.jsonl`` with demo questions, gold answers and their
locations (``page`` is the 1-based physical PDF page, ``null`` for DOCX).

Output is deterministic: PDFs use a fixed creation date and DOCX files get fixed
core properties and fixed ZIP timestamps, so re-running yields identical bytes.
"""

from __future__ import annotations

import argparse
import io
import json
import sys
import zipfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt
from fpdf import FPDF
from fpdf.enums import XPos, YPos

if TYPE_CHECKING:
    from docx.document import Document as DocxDocument

ROOT = Path(__file__).resolve().parent.parent
DOCS_DIR = ROOT / "data" / "docs"
QUESTIONS_PATH = ROOT / "data" / "sample_questions.jsonl"

FIXED_DATE = datetime(2025, 3, 1, 9, 0, 0, tzinfo=UTC)
ZIP_DATE = (2025, 3, 1, 9, 0, 0)
COMPANY = "Northwind Robotics"

HANDBOOK = "Employee Handbook.pdf"
DATASHEET = "Product Datasheet NR-200.pdf"
IT_POLICY = "policies/IT Security Policy.docx"
CN_POLICY = "policies/差旅报销制度.docx"

# --------------------------------------------------------------------------- #
# Content: Employee Handbook (one topic per page; "**x**" is rendered bold)
# --------------------------------------------------------------------------- #

HANDBOOK_PAGES: list[tuple[str, list[str]]] = [
    (
        "1. Welcome & Company Overview",
        [
            "Welcome to Northwind Robotics. Whether you joined us this week or "
            "have been part of the team for years, this handbook explains how we "
            "work together, what you can expect from the company and what the "
            "company expects from you. It applies to all employees of Northwind "
            "Robotics B.V. and its subsidiaries unless a local supplement or your "
            "employment contract says otherwise. This is version 3.2 of the "
            "handbook, effective 1 March 2025.",
            "**Our story.** Northwind Robotics was founded in 2014 in Rotterdam, "
            "the Netherlands, by Ingrid Vos and Tomas Okafor, two engineers who "
            "had spent a decade automating container terminals in the port. Their "
            "idea was simple: warehouses needed robots that could be installed in "
            "days rather than months. Today we design, build and support "
            "autonomous mobile robots for warehouse and factory logistics. Our "
            "best-known products are the NR-100 tugger and the NR-200 pallet "
            "mover, which are used by more than 300 customers in 19 countries.",
            "**Where we work.** We employ around 420 people at three locations. "
            "Our headquarters and final assembly plant are at Kruisplein 118, "
            "3014 DB Rotterdam. Software and navigation research is based at our "
            "engineering centre in Brno, Czech Republic, and our North American "
            "sales and service team works from an office in Austin, Texas. Ingrid "
            "Vos is Chief Executive Officer and Tomas Okafor is Chief Technology "
            "Officer.",
            "**Our values.** Build it right: we test thoroughly and fix root "
            "causes instead of symptoms. Keep it simple: our customers should not "
            "need a robotics degree to use our products. Own the outcome: if you "
            "see a problem, you are empowered to act on it. Share what you know: "
            "documentation and mentoring are part of everyone's job.",
            "**Your first weeks.** Every new employee is assigned an onboarding "
            "buddy for the first 90 days. The probation period is two months. "
            "Your manager will hold a check-in at the end of your first month "
            "and again before your probation ends. If anything in this handbook "
            "is unclear, ask your manager or contact People & Culture (HR).",
        ],
    ),
    (
        "2. Working Hours & Remote Work",
        [
            "**Working hours.** A full-time working week at Northwind Robotics "
            "is 38 hours, normally spread over five days from Monday to Friday. "
            "We use flexible working hours: you may start between 07:00 and "
            "10:00 and adjust your end time accordingly, as long as you are "
            "available during our core hours of 10:00 to 15:00. Meetings with "
            "colleagues at other locations should be scheduled within core hours "
            "wherever possible. Part-time arrangements are available on request; "
            "your manager and HR will respond to a request within four weeks.",
            "**Shift work.** Production, service and warehouse staff work in "
            "shifts. Shift schedules are published at least 14 days in advance, "
            "and shift swaps must be registered with the shift lead.",
            "**Remote work.** Employees whose role allows it may work remotely "
            "for up to 3 days per week, subject to agreement with their manager. "
            "Tuesday is our anchor day: unless you are travelling or on leave, "
            "please be in the office on Tuesdays so that every team has at least "
            "one day a week together. Working from another country is limited "
            "to 20 working days per calendar year and must be approved in "
            "advance by HR because of tax and social-security rules.",
            "**Home office.** To set up a safe and comfortable workspace at home, "
            "eligible employees receive a one-time home office allowance of €300 "
            "and a monthly internet allowance of €25, paid with the salary. "
            "Company laptops and headsets are provided by IT; personal equipment "
            "must not be used for company work.",
            "**Overtime.** Overtime must be approved by your manager before it "
            "is worked. Approved overtime is compensated as time off in lieu at "
            "a rate of 1.5 hours per hour worked. To protect your health, "
            "overtime is capped at 16 hours per month. Record all working time, "
            "including overtime, in TimeFlow by the end of each week.",
        ],
    ),
    (
        "3. Leave",
        [
            "**Annual leave.** Full-time employees receive 26 days of paid "
            "annual leave per calendar year, in addition to the public holidays "
            "at their location. Part-time employees receive leave pro rata to "
            "their contracted hours. You may carry over up to 5 unused days into "
            "the next year; carried-over days must be taken before 31 March or "
            "they expire. Request leave in the Harbor HR portal at least two "
            "weeks in advance for any absence longer than a single week.",
            "**Sick leave.** If you are ill, inform your manager by phone or "
            "message before 09:30 on the first day of absence and register the "
            "absence in Harbor. A medical certificate is required if you are "
            "absent for more than 3 consecutive calendar days. During sickness "
            "you continue to receive your full salary for up to 12 months. The "
            "company doctor may contact you after two weeks of absence to "
            "discuss support and your return to work.",
            "**Parental leave.** The birth parent is entitled to 16 weeks of "
            "fully paid maternity leave, which may start between four and six "
            "weeks before the expected due date. Partners are entitled to "
            "6 weeks of fully paid partner leave, to be taken within six months "
            "after the birth. Adoptive and foster parents each receive four "
            "weeks of paid adoption leave. In addition, every parent may take "
            "up to 26 weeks of unpaid parental leave before the child's eighth "
            "birthday. Please notify HR at least two months before any parental "
            "leave starts.",
            "**Special leave.** Paid special leave is granted for the following "
            "events: your own wedding or registered partnership (two days), "
            "moving house (one day per year) and the death of a partner, child "
            "or parent (five days). For other personal circumstances, speak with "
            "your manager; unpaid leave can be agreed case by case.",
        ],
    ),
    (
        "4. Expenses & Travel",
        [
            "Northwind Robotics reimburses reasonable costs that you incur while "
            "working for the company. All business travel must be booked through "
            "the TripDesk booking tool and approved by your manager before "
            "departure.",
            "**Daily allowances (per diem).** The per diem covers meals, local "
            "transport and incidentals when you travel on business and stay "
            "overnight. The rates are €45 per day within the Netherlands, "
            "€60 per day in other EU countries and €75 per day outside the EU. "
            "On the day of departure and the day of return, half of the daily "
            "rate applies. If meals are provided by a customer or a conference, "
            "the per diem is reduced accordingly.",
            "**Accommodation.** Hotels are reimbursed up to €150 per night. In "
            "London, Paris, Zurich and New York the limit is €220 per night. "
            "Book through TripDesk wherever possible so that our negotiated "
            "rates apply.",
            "**Transport.** Choose the most economical option that is reasonable "
            "for the trip. Train travel is preferred for journeys under 500 km. "
            "Flights shorter than 6 hours are booked in economy class; for "
            "flights of 6 hours or longer, premium economy may be booked. Use of "
            "a private car for business trips is reimbursed at €0.23 per "
            "kilometre.",
            "**Approval limits.** Every expense claim must be approved before "
            "it is reimbursed. Claims up to €500 are approved by your line "
            "manager. Claims between €500 and €5,000 require approval by your "
            "department head. Claims above €5,000 need the approval of Marek "
            "Novak, Chief Financial Officer.",
            "**Submitting claims.** Submit expense claims in Ledgerly within "
            "30 days of the expense, with an itemised receipt for every item "
            "above €25. Approved claims are paid with the next monthly salary. "
            "Corporate credit cards are issued to employees who travel more than "
            "four times per year; personal use of a corporate card is not "
            "permitted.",
        ],
    ),
    (
        "5. Security & IT",
        [
            "Everyone at Northwind Robotics is responsible for protecting "
            "company information, customer data and our robot software. This "
            "page summarises the everyday rules; the full requirements are set "
            "out in the IT Security Policy (ITS-POL-007).",
            "**Passwords and sign-in.** Passwords for company accounts must be "
            "at least 14 characters long. Use a passphrase of several unrelated "
            "words rather than a single complex word, and never reuse a company "
            "password on another website. Store passwords only in the company "
            "password manager, NW Vault. You do not have to change your password "
            "on a fixed schedule, but you must change it immediately if you "
            "suspect it has been exposed. Multi-factor authentication is "
            "mandatory for email, the Harbor HR portal and all engineering "
            "systems.",
            "**Devices.** Lock your screen whenever you leave your desk; laptops "
            "lock automatically after 5 minutes of inactivity. Only install "
            "software from the company software centre. USB storage devices "
            "such as memory sticks and external drives are blocked on company "
            "laptops; use approved cloud storage to transfer files.",
            "**Remote access.** When working outside a Northwind office, connect "
            "through the NorthGate VPN before accessing internal systems. The "
            "VPN is mandatory on public Wi-Fi networks in hotels, trains and "
            "airports. VPN sessions disconnect automatically after 12 hours and "
            "must then be re-established.",
            "**Reporting incidents.** A security incident is anything that may "
            "put company information at risk, such as a phishing link you "
            "clicked, a lost laptop or phone, or a message sent to the wrong "
            "recipient. Report it to the Security Operations Centre within "
            "1 hour of discovery by emailing security@northwind-robotics.example "
            "or calling +31 10 555 0199 (available 24/7). You will never be "
            "punished for reporting a mistake promptly; hiding one is a "
            "disciplinary matter.",
            "**IT Service Desk.** For help with hardware, software or accounts, "
            "call the IT Service Desk on extension 4400 or use the self-service "
            "portal, Monday to Friday from 08:00 to 18:00.",
        ],
    ),
    (
        "6. Conduct & Contacts",
        [
            "**Code of conduct.** We expect everyone to treat colleagues, "
            "customers and partners with respect. Discrimination, harassment and "
            "bullying are not tolerated, whether in the office, at customer "
            "sites, at company events or online. Managers who receive a "
            "complaint must involve HR within two working days.",
            "**Gifts and hospitality.** You may accept gifts or hospitality from "
            "business partners with a value of up to €50 per occasion. Anything "
            "of higher value must be declared to the Compliance Officer and may "
            "have to be returned. Never accept cash, and never accept any gift "
            "from a supplier that is taking part in an active tender.",
            "**Conflicts of interest.** Side jobs, financial interests in "
            "suppliers or competitors, and close personal relationships with "
            "people you hire or supervise must be disclosed to your manager and "
            "HR before they could influence a business decision.",
            "**Speaking up.** If you suspect a breach of law or company policy, "
            "raise it with your manager or use the SpeakUp line, which is open "
            "around the clock and accepts anonymous reports. Reports are handled by "
            "the Compliance Officer, and retaliation against anyone who reports "
            "in good faith is prohibited. For a confidential conversation about "
            "undesirable behaviour you can also contact our external "
            "confidential counsellor, Rob Hendriks.",
            "**Key contacts.**",
            "People & Culture (HR): Sanne de Wit, HR Director, hr@northwind-robotics.example",
            "IT Security: Pieter Jansen, Chief Information Security Officer, "
            "security@northwind-robotics.example",
            "Compliance: Lucia Ferreira, Compliance Officer, compliance@northwind-robotics.example",
            "Facilities Rotterdam: main reception, extension 4100",
            "Confidential counsellor: Rob Hendriks, +31 6 5550 1234",
        ],
    ),
]

# --------------------------------------------------------------------------- #
# Content: Product Datasheet NR-200
# --------------------------------------------------------------------------- #

DATASHEET_SPECS: list[tuple[str, str]] = [
    ("Parameter", "Value"),
    ("Payload capacity", "200 kg"),
    ("Maximum speed", "1.8 m/s"),
    ("Battery type", "LiFePO4, 48 V, 40 Ah"),
    ("Runtime per charge", "10 hours (typical duty cycle)"),
    ("Charging time (20-100%)", "1.5 hours"),
    ("Dimensions (L x W x H)", "1,150 x 780 x 320 mm"),
    ("Robot weight", "145 kg"),
    ("Navigation", "360° LiDAR SLAM, no floor markers required"),
    ("Positioning accuracy", "±10 mm"),
    ("Maximum incline", "5%"),
    ("Ingress protection", "IP54"),
    ("Operating temperature", "0 °C to 40 °C"),
    ("Connectivity", "Wi-Fi 6 (802.11ax), optional 5G modem"),
    ("Safety", "PL d safety laser scanners, emergency stop buttons on both sides"),
    ("Fleet size", "Up to 60 robots per Fleet Manager instance"),
]

DATASHEET_PRICES: list[tuple[str, str]] = [
    ("Item", "Price (excl. VAT)"),
    ("NR-200 robot, base configuration", "€38,500"),
    ("Fleet Manager software licence", "€1,200 per robot per year"),
    ("NR-CS2 fast charging station", "€2,900"),
    ("Commissioning and on-site training (2 days)", "€3,400"),
]

# --------------------------------------------------------------------------- #
# Demo questions
# --------------------------------------------------------------------------- #


@dataclass(frozen=True)
class Question:
    """One demo question with its gold answer and location."""

    question: str
    answer: str | None
    answers_all: tuple[str, ...]
    source_file: str | None
    page: int | None

    @property
    def unanswerable(self) -> bool:
        """True if the corpus does not answer the question (refusal test)."""
        return self.answer is None

    def to_json(self) -> str:
        """Serialise as one JSONL line (UTF-8, not ASCII-escaped)."""
        return json.dumps(
            {
                "question": self.question,
                "answer": self.answer,
                "answers_all": list(self.answers_all),
                "source_file": self.source_file,
                "page": self.page,
                "unanswerable": self.unanswerable,
            },
            ensure_ascii=False,
        )


QUESTIONS: list[Question] = [
    # Employee Handbook
    Question(
        "How many days of paid annual leave do full-time employees get?",
        "26 days",
        ("26 days",),
        HANDBOOK,
        3,
    ),
    Question(
        "What is the per diem for a business trip to another EU country?",
        "€60 per day",
        ("€60 per day", "€60"),
        HANDBOOK,
        4,
    ),
    Question(
        "What is the minimum length of a company password?",
        "14 characters",
        ("14 characters", "at least 14 characters"),
        HANDBOOK,
        5,
    ),
    Question(
        "How many days per week may employees work remotely?",
        "up to 3 days per week",
        ("up to 3 days per week", "3 days per week"),
        HANDBOOK,
        2,
    ),
    Question(
        "Who must approve an expense claim above €5,000?",
        "Marek Novak",
        ("Marek Novak", "Chief Financial Officer"),
        HANDBOOK,
        4,
    ),
    Question(
        "How long is partner leave after the birth of a child?",
        "6 weeks",
        ("6 weeks",),
        HANDBOOK,
        3,
    ),
    # IT Security Policy
    Question(
        "How long must Confidential information be retained?",
        "7 years",
        ("7 years",),
        IT_POLICY,
        None,
    ),
    Question(
        "How quickly must a leaver's accounts be disabled?",
        "within 4 hours",
        ("within 4 hours",),
        IT_POLICY,
        None,
    ),
    Question(
        "Within how many hours must the Data Protection Officer be informed "
        "of an incident involving personal data?",
        "24 hours",
        ("24 hours", "within 24 hours"),
        IT_POLICY,
        None,
    ),
    # Product Datasheet NR-200
    Question(
        "What is the payload capacity of the NR-200?",
        "200 kg",
        ("200 kg",),
        DATASHEET,
        1,
    ),
    Question(
        "How long does the NR-200 run on one battery charge?",
        "10 hours",
        ("10 hours",),
        DATASHEET,
        1,
    ),
    Question(
        "What is the list price of the NR-200 robot?",
        "€38,500",
        ("€38,500",),
        DATASHEET,
        2,
    ),
    Question(
        "How long is the battery warranty on the NR-200?",
        "36 months or 3,000 charge cycles",
        ("36 months or 3,000 charge cycles", "36 months"),
        DATASHEET,
        2,
    ),
    # 差旅报销制度 (Chinese)
    Question(
        "在一类城市出差，每晚的住宿标准是多少？",
        "600元",
        ("600元",),
        CN_POLICY,
        None,
    ),
    Question(
        "出差结束后多长时间内必须提交报销申请？",
        "15个工作日内",
        ("15个工作日内", "15个工作日"),
        CN_POLICY,
        None,
    ),
    Question(
        "出差期间的伙食补贴标准是多少？",
        "每人每天100元",
        ("每人每天100元", "100元"),
        CN_POLICY,
        None,
    ),
    # Unanswerable (refusal tests): nothing in the corpus answers these.
    Question(
        "Which insurance company provides dental cover for employees?",
        None,
        (),
        None,
        None,
    ),
    Question(
        "What is the maximum operating altitude of the NR-200?",
        None,
        (),
        None,
        None,
    ),
    Question(
        "出差期间的洗衣费可以报销吗？标准是多少？",
        None,
        (),
        None,
        None,
    ),
]

# --------------------------------------------------------------------------- #
# PDF helpers
# --------------------------------------------------------------------------- #

DATASHEET_PAGES = 2
BODY_SIZE = 10.5
LINE_H = 5.2


class CorporatePDF(FPDF):
    """A4 PDF with a company header and a "Page n of N" footer."""

    def __init__(self, doc_label: str) -> None:
        """Create the PDF; ``doc_label`` is shown in header and footer."""
        super().__init__(orientation="P", unit="mm", format="A4")
        self.doc_label = doc_label
        # Helvetica is a core font; cp1252 gives us €, ±, ° and curly quotes.
        self.core_fonts_encoding = "windows-1252"
        self.set_creation_date(FIXED_DATE)
        self.set_margins(left=20, top=22, right=20)
        self.set_auto_page_break(auto=True, margin=22)
        self.set_author(COMPANY)
        self.set_creator("scripts/make_samples.py")
        self.set_lang("en")

    def header(self) -> None:
        """Draw the running header."""
        self.set_font("Helvetica", "B", 9)
        self.set_text_color(90, 90, 90)
        self.set_y(10)
        self.cell(0, 5, COMPANY, align="L")
        self.set_x(self.l_margin)
        self.set_font("Helvetica", "", 9)
        self.cell(0, 5, self.doc_label, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_draw_color(180, 180, 180)
        self.line(self.l_margin, 16, self.w - self.r_margin, 16)
        self.set_text_color(0, 0, 0)
        self.set_y(self.t_margin)

    def footer(self) -> None:
        """Draw the page-number footer."""
        self.set_y(-15)
        self.set_font("Helvetica", "", 9)
        self.set_text_color(90, 90, 90)
        self.cell(0, 5, f"Page {self.page_no()} of {{nb}}", align="C")
        self.set_text_color(0, 0, 0)

    def heading(self, text: str, size: float = 16) -> None:
        """Write a bold section heading."""
        self.set_font("Helvetica", "B", size)
        self.multi_cell(0, size * 0.5, text, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def para(self, text: str, gap: float = 2.5) -> None:
        """Write a body paragraph; ``**...**`` spans are bold."""
        self.set_font("Helvetica", "", BODY_SIZE)
        self.multi_cell(0, LINE_H, text, markdown=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(gap)

    def simple_table(self, rows: list[tuple[str, str]], col1: float) -> None:
        """Render a two-column table whose first row is the header."""
        self.set_font("Helvetica", "", BODY_SIZE - 0.5)
        width = self.w - self.l_margin - self.r_margin
        with self.table(
            col_widths=(col1, width - col1),
            text_align="LEFT",
            line_height=LINE_H + 0.6,
            first_row_as_headings=True,
        ) as table:
            for left, right in rows:
                row = table.row()
                row.cell(left)
                row.cell(right)
        self.ln(3)

    def render(self) -> bytes:
        """Return the PDF bytes."""
        return bytes(self.output())


def build_handbook() -> bytes:
    """Build the 6-page Employee Handbook (one topic per page)."""
    pdf = CorporatePDF("Employee Handbook v3.2")
    pdf.set_title("Northwind Robotics Employee Handbook")
    pdf.set_subject("Employee handbook: working hours, leave, expenses, security")
    for number, (title, paragraphs) in enumerate(HANDBOOK_PAGES, start=1):
        pdf.add_page()
        if number == 1:
            pdf.heading("Northwind Robotics Employee Handbook", size=20)
        pdf.heading(title)
        in_contacts = False
        for text in paragraphs:
            if text == "**Key contacts.**":
                in_contacts = True
                pdf.para(text, gap=1)
            elif in_contacts:
                pdf.set_x(pdf.l_margin + 4)
                pdf.set_font("Helvetica", "", BODY_SIZE)
                pdf.multi_cell(0, LINE_H, f"- {text}", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
            else:
                pdf.para(text)
        if pdf.page_no() != number:
            msg = f"Handbook topic {title!r} overflowed onto another page"
            raise RuntimeError(msg)
    return pdf.render()


def build_datasheet() -> bytes:
    """Build the 2-page NR-200 product datasheet."""
    pdf = CorporatePDF("Product Datasheet DS-NR200-EN Rev. C")
    pdf.set_title("NR-200 Autonomous Pallet Mover - Product Datasheet")
    pdf.set_subject("Technical specifications, pricing and warranty of the NR-200")

    pdf.add_page()
    pdf.heading("NR-200 Autonomous Pallet Mover", size=20)
    pdf.para(
        "The NR-200 is an autonomous mobile robot that moves pallets, carts and "
        "racks between goods-in, storage and production lines without fixed "
        "infrastructure. It maps your site in a single walk-through, plans its "
        "own routes around people and obstacles, and integrates with your "
        "warehouse management system through the Northwind Fleet Manager."
    )
    pdf.para(
        "**Key features:** natural-feature navigation with no reflectors or "
        "floor tape; automatic charging at NR-CS2 stations; lift module for "
        "standard EUR pallets; open REST API and VDA 5050 interface; designed "
        "and assembled in Rotterdam."
    )
    pdf.heading("Technical Specifications", size=13)
    pdf.simple_table(DATASHEET_SPECS, col1=58)
    pdf.set_font("Helvetica", "I", 8.5)
    pdf.multi_cell(
        0,
        4.5,
        "Runtime measured with 150 kg average load and 60% driving share. "
        "Specifications are subject to change without notice.",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )

    pdf.add_page()
    pdf.heading("Pricing & Ordering", size=13)
    pdf.simple_table(DATASHEET_PRICES, col1=100)
    pdf.para(
        "All prices are list prices in euros, valid until 31 December 2025, "
        "excluding VAT and delivery. The lead time is 8 weeks from order "
        "confirmation. Volume discounts apply from five robots per order."
    )
    pdf.heading("Warranty Terms", size=13)
    pdf.para(
        "**Standard warranty.** The NR-200 is covered by a standard warranty of "
        "24 months on parts and labour, starting on the date of commissioning."
    )
    pdf.para(
        "**Battery warranty.** The battery pack is covered for 36 months or "
        "3,000 charge cycles, whichever comes first."
    )
    pdf.para(
        "**Extended warranty.** Customers can extend the warranty in steps of "
        "one year, up to a total of 5 years, at 8% of the robot list price per "
        "additional year. Extensions must be purchased before the standard "
        "warranty ends."
    )
    pdf.para(
        "**Service response.** For customers in the EU, a service technician "
        "is on site within 48 hours after a warranty claim has been confirmed. "
        "With a Premium Service contract, on-site response is guaranteed on "
        "the next business day and remote diagnostics are available 24/7."
    )
    pdf.para(
        "**Exclusions.** The warranty does not cover damage caused by operation "
        "outside the specified conditions, unauthorised modifications, "
        "accidents, or wear parts such as drive wheels, bumpers and lift pads. "
        "Warranty claims are submitted through the Northwind service portal and "
        "must include the robot serial number."
    )
    pdf.para(
        "**Contact.** sales@northwind-robotics.example for quotations, "
        "service@northwind-robotics.example for support. Document DS-NR200-EN, "
        "revision C, March 2025."
    )
    if pdf.page_no() != DATASHEET_PAGES:
        msg = f"Datasheet must be exactly {DATASHEET_PAGES} pages"
        raise RuntimeError(msg)
    return pdf.render()


# --------------------------------------------------------------------------- #
# DOCX helpers
# --------------------------------------------------------------------------- #


def _set_core_properties(doc: DocxDocument, title: str, language: str) -> None:
    props = doc.core_properties
    props.title = title
    props.author = COMPANY
    props.last_modified_by = COMPANY
    props.comments = "Demo document generated by scripts/make_samples.py"
    props.language = language
    props.created = FIXED_DATE
    props.modified = FIXED_DATE
    props.last_printed = FIXED_DATE
    props.revision = 1


def _docx_bytes(doc: DocxDocument) -> bytes:
    """Save ``doc`` and rewrite the ZIP with fixed timestamps (reproducible)."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst,
    ):
        for name in src.namelist():
            info = zipfile.ZipInfo(name, date_time=ZIP_DATE)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            dst.writestr(info, src.read(name))
    return out.getvalue()


def _add_table(doc: DocxDocument, rows: list[tuple[str, ...]]) -> None:
    table = doc.add_table(rows=len(rows), cols=len(rows[0]))
    table.style = doc.styles["Table Grid"]
    for r, values in enumerate(rows):
        for c, value in enumerate(values):
            cell = table.cell(r, c)
            cell.text = value
            if r == 0:
                for run in cell.paragraphs[0].runs:
                    run.bold = True


def build_it_policy() -> bytes:
    """Build the English IT Security Policy (.docx)."""
    doc = Document()
    _set_core_properties(doc, "IT Security Policy", "en-GB")
    doc.add_paragraph("IT Security Policy", style="Title")
    doc.add_paragraph(
        "Document ID: ITS-POL-007 | Version 2.1 | Owner: Pieter Jansen, Chief "
        "Information Security Officer (CISO) | Approved: 15 January 2025 | "
        "Next review: January 2026"
    )

    doc.add_heading("1. Purpose and Scope", level=1)
    doc.add_paragraph(
        "This policy sets out the minimum security requirements for protecting "
        "information and systems at Northwind Robotics. It applies to all "
        "employees, contractors and temporary staff, and to all company-owned "
        "or company-managed devices, cloud services and robot fleet systems, "
        "including Fleet Manager installations at customer sites."
    )
    doc.add_paragraph(
        "Everyday rules for passwords, VPN use and reporting incidents are "
        "summarised in the Employee Handbook. Where this policy and the "
        "handbook differ, this policy takes precedence."
    )

    doc.add_heading("2. Data Classification", level=1)
    doc.add_heading("2.1 Classification Levels", level=2)
    doc.add_paragraph(
        "All information must be assigned one of four classification levels by "
        "its information owner. If no level has been assigned, treat the "
        "information as Internal. The table below defines each level and the "
        "retention period after which records must be reviewed for deletion."
    )
    _add_table(
        doc,
        [
            ("Level", "Description and examples", "Retention period"),
            (
                "Public",
                "Approved for public release, e.g. marketing brochures and published product datasheets",
                "2 years",
            ),
            (
                "Internal",
                "Day-to-day business information, e.g. meeting notes, internal "
                "procedures and organisation charts",
                "5 years",
            ),
            (
                "Confidential",
                "Sensitive business information, e.g. customer contracts, "
                "pricing agreements and robot source code",
                "7 years",
            ),
            (
                "Restricted",
                "Highly sensitive information, e.g. payroll records, employee "
                "health data and cryptographic keys",
                "10 years",
            ),
        ],
    )
    doc.add_heading("2.2 Labelling and Handling", level=2)
    doc.add_paragraph(
        "Confidential and Restricted documents must show their classification "
        "in the header or footer. Restricted information may only be stored in "
        "the designated secure repositories (the HR system, the Finance vault "
        "and the key management service) and must never be sent by email "
        "without end-to-end encryption. Printed Restricted documents must be "
        "placed in the locked shredding bins, which a certified disposal "
        "company empties every two weeks."
    )

    doc.add_heading("3. Access Control", level=1)
    doc.add_heading("3.1 Principle of Least Privilege", level=2)
    doc.add_paragraph(
        "Access rights are granted on a need-to-know basis and approved by the "
        "information owner. Managers review the access rights of their team "
        "members every quarter using the Access Review workflow in the Service "
        "Portal. When an employee leaves the company, all of their accounts "
        "must be disabled within 4 hours of the end of their final working day."
    )
    doc.add_heading("3.2 Privileged Accounts", level=2)
    doc.add_paragraph(
        "Administrators use a separate privileged account, distinct from their "
        "everyday account, for administrative tasks. Privileged accounts are "
        "issued through the Privileged Access Management (PAM) system, all "
        "privileged sessions are recorded, and the list of privileged accounts "
        "is reviewed by the CISO every month. Shared administrator passwords "
        "are prohibited."
    )

    doc.add_heading("4. Devices and Encryption", level=1)
    doc.add_paragraph(
        "All laptops and mobile phones that access company data must be "
        "enrolled in the company mobile device management service and protected "
        "with full-disk encryption using AES-256. Data sent over networks must "
        "be protected with TLS 1.2 or higher."
    )
    doc.add_paragraph(
        "Security patches must be installed within the following deadlines "
        "after release: critical patches within 7 days, high-severity patches "
        "within 30 days and all other patches within 90 days."
    )

    doc.add_heading("5. Incident Response", level=1)
    doc.add_paragraph(
        "When a security incident is reported, the Security Operations Centre "
        "(SOC) follows the procedure below."
    )
    for step in (
        "Acknowledge the report and assign an incident handler within 15 minutes.",
        "Classify the severity from P1 (critical) to P4 (low); for P1 incidents notify the CISO immediately.",
        "Contain the incident, for example by isolating affected devices or disabling compromised accounts.",
        "Preserve evidence such as logs and disk images before any system is restored.",
        "If personal data is involved, inform the Data Protection Officer "
        "within 24 hours; the Data Protection Officer decides whether the Dutch "
        "Data Protection Authority must be notified, which has to happen "
        "within 72 hours.",
        "Hold a post-incident review within 10 working days and record the "
        "lessons learned in the incident register.",
    ):
        doc.add_paragraph(step, style="List Number")

    doc.add_heading("6. Backup and Recovery", level=1)
    doc.add_paragraph(
        "Production systems are backed up daily (incremental) and weekly "
        "(full). Backups are encrypted, stored in a second data centre in "
        "Eindhoven and kept for 35 days. IT performs a test restore of critical "
        "systems every six months and reports the results to the CISO. The "
        "recovery time objective for the Fleet Manager cloud service is "
        "8 hours."
    )

    doc.add_heading("7. Exceptions and Enforcement", level=1)
    doc.add_paragraph(
        "Exceptions to this policy must be requested through the Service Portal "
        "and approved in writing by the CISO. Approved exceptions are valid for "
        "a maximum of 6 months and must then be renewed or closed. Violations "
        "of this policy may lead to disciplinary action, up to and including "
        "termination of employment."
    )
    return _docx_bytes(doc)


def _use_chinese_fonts(doc: DocxDocument) -> None:
    """Give the styles an East Asian font so the text renders well in Word."""
    fonts = {
        "Normal": "SimSun",
        "Title": "SimHei",
        "Heading 1": "SimHei",
        "Heading 2": "SimHei",
        "List Number": "SimSun",
    }
    for style_name, font in fonts.items():
        style = doc.styles[style_name]
        r_pr = style.element.get_or_add_rPr()
        r_fonts = r_pr.get_or_add_rFonts()
        r_fonts.set(qn("w:eastAsia"), font)
        lang = r_pr.find(qn("w:lang"))
        if lang is None:
            lang = r_pr.makeelement(qn("w:lang"), {})
            r_pr.append(lang)
        lang.set(qn("w:eastAsia"), "zh-CN")
    doc.styles["Normal"].font.size = Pt(11)


def build_cn_policy() -> bytes:
    """Build the Chinese travel-reimbursement policy (.docx)."""
    doc = Document()
    _use_chinese_fonts(doc)
    _set_core_properties(doc, "差旅报销制度", "zh-CN")
    doc.add_paragraph("北风机器人差旅报销制度", style="Title")
    doc.add_paragraph(
        "文件编号：FIN-CN-003　版本：1.2　生效日期：2025年1月1日　适用范围：北风机器人（苏州）有限公司"
    )

    doc.add_heading("一、总则", level=1)
    doc.add_paragraph(
        "第一条　为规范员工因公出差的费用管理，合理控制差旅成本，根据公司财务管理规定，制定本制度。"
    )
    doc.add_paragraph(
        "第二条　本制度适用于北风机器人（苏州）有限公司全体正式员工及实习生。"
        "出差须事先通过OA系统提交《出差申请单》，经直属上级批准后方可出行。"
    )

    doc.add_heading("二、交通费用标准", level=1)
    doc.add_heading("（一）城际交通", level=2)
    doc.add_paragraph("第三条　员工出差优先乘坐高铁或动车，乘坐二等座；部门总监及以上级别可乘坐一等座。")
    doc.add_paragraph("第四条　单程乘坐火车时间超过6小时的，可申请乘坐飞机，舱位限经济舱。")
    doc.add_heading("（二）市内交通", level=2)
    doc.add_paragraph(
        "第五条　出差期间市内交通以公共交通为主；确需乘坐出租车或网约车的，每人每天报销上限为150元。"
    )

    doc.add_heading("三、住宿标准", level=1)
    doc.add_paragraph(
        "第六条　住宿费按城市等级实行限额标准，凭酒店增值税发票在限额内据实报销，"
        "超出部分由个人承担。具体标准如下表："
    )
    _add_table(
        doc,
        [
            ("城市等级", "城市范围", "住宿标准（每人每晚）"),
            ("一类城市", "北京、上海、广州、深圳", "600元"),
            ("二类城市", "省会城市及计划单列市", "450元"),
            ("三类城市", "其他城市", "350元"),
        ],
    )
    doc.add_paragraph(
        "第七条　两名同性别员工同行出差的，原则上合住一间标准间，住宿标准按单人标准的1.5倍执行。"
    )

    doc.add_heading("四、出差补贴", level=1)
    doc.add_paragraph("第八条　出差期间按自然日发放伙食补贴，标准为每人每天100元，无需提供发票。")
    doc.add_paragraph("第九条　当天往返的出差，伙食补贴按标准的一半发放。")

    doc.add_heading("五、报销流程与时限", level=1)
    doc.add_paragraph("第十条　差旅费报销按以下流程办理：")
    for step in (
        "出差人在OA系统填写《差旅费报销单》，并上传发票及行程单电子版；",
        "直属上级审核出差事由及费用的真实性；",
        "财务部审核票据的合规性，单次报销金额超过5000元的，须经财务总监审批；",
        "审批通过后，财务部在3个工作日内将款项支付至员工工资卡。",
    ):
        doc.add_paragraph(step, style="List Number")
    doc.add_paragraph(
        "第十一条　员工应在出差结束后15个工作日内提交报销申请。逾期提交的，"
        "须书面说明原因；超过60天未提交的，不予报销。"
    )

    doc.add_heading("六、附则", level=1)
    doc.add_paragraph(
        "第十二条　本制度由财务部负责解释，自2025年1月1日起施行。原《差旅费管理办法》（2021年版）同时废止。"
    )
    return _docx_bytes(doc)


# --------------------------------------------------------------------------- #
# Verification (needs pypdf)
# --------------------------------------------------------------------------- #


def _extract_pages(path: Path) -> list[str]:
    # Imported lazily: pypdf is only needed for --check.
    from pypdf import PdfReader

    return [page.extract_text() or "" for page in PdfReader(path).pages]


def _extract_docx(path: Path) -> str:
    doc = Document(str(path))
    parts = [p.text for p in doc.paragraphs]
    for table in doc.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    return "\n".join(parts)


def check() -> list[str]:
    """Verify every gold answer occurs in its file (and page); return errors."""
    errors: list[str] = []
    for q in QUESTIONS:
        if q.source_file is None or q.unanswerable:
            if not q.unanswerable or q.page is not None or q.answers_all:
                errors.append(f"inconsistent (un)answerable entry: {q.question}")
            continue
        path = DOCS_DIR / q.source_file
        if path.suffix == ".pdf":
            pages = _extract_pages(path)
            if q.page is None or not 1 <= q.page <= len(pages):
                errors.append(f"bad page {q.page} for {q.question}")
                continue
            haystack = pages[q.page - 1]
        else:
            if q.page is not None:
                errors.append(f"DOCX question must have page null: {q.question}")
            haystack = _extract_docx(path)
        if q.answer not in q.answers_all:
            errors.append(f"answer not in answers_all: {q.question}")
        for ans in q.answers_all:
            # Strict: the exact string (including its spaces) must be in the
            # extracted text, i.e. it must not be split by a line break.
            if ans not in haystack:
                loc = f"{q.source_file} p.{q.page}" if q.page else q.source_file
                errors.append(f"{ans!r} not found in {loc}")
    return errors


# --------------------------------------------------------------------------- #
# Main
# --------------------------------------------------------------------------- #


def main() -> int:
    """Generate all sample files; with ``--check`` also verify the answers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--check",
        action="store_true",
        help="verify gold answers against the generated files (needs pypdf)",
    )
    args = parser.parse_args()

    outputs = {
        HANDBOOK: build_handbook(),
        DATASHEET: build_datasheet(),
        IT_POLICY: build_it_policy(),
        CN_POLICY: build_cn_policy(),
    }
    for rel, data in outputs.items():
        path = DOCS_DIR / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        print(f"wrote {path.relative_to(ROOT)} ({len(data):,} bytes)")

    QUESTIONS_PATH.write_text("".join(q.to_json() + "\n" for q in QUESTIONS), encoding="utf-8")
    print(f"wrote {QUESTIONS_PATH.relative_to(ROOT)} ({len(QUESTIONS)} questions)")

    if args.check:
        errors = check()
        for err in errors:
            print(f"CHECK FAILED: {err}", file=sys.stderr)
        if errors:
            return 1
        print("check passed: every gold answer found at its stated location")
    return 0


if __name__ == "__main__":
    sys.exit(main())
