"""Generate the binary runbooks of the Larkspur Labs demo corpus (one DOCX, one PDF).

The markdown and HTML runbooks are written by hand; the two binary formats are generated here so
they can be rebuilt and reviewed as text. The outputs are committed, so nobody needs to run this
unless they change the content below.

How to regenerate (from the repository root):

    python3 -m venv /tmp/gen
    /tmp/gen/bin/pip install python-docx fpdf2 pypdf
    /tmp/gen/bin/python examples/make_binary_runbooks.py

Packages needed in the throwaway venv: python-docx (writes the DOCX), fpdf2 (writes the PDF) and,
optionally, pypdf (only for the extraction check at the end). None of them are needed by kb itself
to *generate* anything; kb only reads these files (it already depends on python-docx and pypdf).

Outputs:

    examples/runbooks/hr/travel-reimbursement-form-guide.docx   (Title, Heading 1/Heading 2, lists, a table)
    examples/runbooks/hr/holiday-calendar-2026.pdf              (real text, metadata title, sections, tables)

Creation dates are pinned so that re-running without content changes gives near-identical files.
The PDF uses the built-in Helvetica font, which only covers Latin-1: keep the PDF text to plain
ASCII punctuation (hyphens, straight quotes).
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
HR = HERE / "runbooks" / "hr"
DOCX_PATH = HR / "travel-reimbursement-form-guide.docx"
PDF_PATH = HR / "holiday-calendar-2026.pdf"
FIXED_DATE = dt.datetime(2026, 1, 15, 9, 0, 0, tzinfo=dt.timezone.utc)


# -- DOCX: Travel Reimbursement Form Guide (Form TR-2) ------------------------------------------------

DOCX_TITLE = "Travel Reimbursement Form Guide (Form TR-2)"

# (kind, payload): kind is "title", "h1", "h2", "p", "bullets", "numbers" or "table"
DOCX_CONTENT: list[tuple[str, object]] = [
    ("title", DOCX_TITLE),
    ("p", "Most Larkspur Labs business travel is booked in Wayfare and paid by Larkspur directly, with per diem "
          "and other costs claimed in Ledger. Form TR-2 covers the cases that process does not: travel you had "
          "to book yourself, and travel by people who are not Larkspur employees, such as interview candidates "
          "and guest speakers. This guide explains when to use the form, how to fill in each section, and how "
          "to submit it so the traveller is reimbursed quickly. The travel rules themselves (flight classes, "
          "hotel caps and per diem rates) are in the Business Travel runbook."),

    ("h1", "When to use Form TR-2"),
    ("p", "Use Form TR-2 in any of these situations:"),
    ("bullets", [
        "You booked a flight, hotel or train yourself instead of through Wayfare, for example because Wayfare "
        "was unavailable or an event organiser required direct booking.",
        "A job candidate travelled to an interview and paid for their own travel.",
        "A guest speaker, customer advisory board member or other non-employee travelled at Larkspur's request.",
        "An employee's travel was paid personally by a manager or colleague on their behalf.",
    ]),
    ("p", "Do not use Form TR-2 for trips booked in Wayfare. Claim per diem and out-of-pocket costs for those "
          "trips directly in Ledger with the Per Diem and Travel expense types."),

    ("h1", "Before you start"),
    ("p", "Have the following ready before opening the form:"),
    ("bullets", [
        "the itinerary: departure and return dates and times, and each destination",
        "itemised receipts for every cost of $25 or more (CAD 30, EUR 25), and for every hotel stay",
        "the reason Wayfare was not used, if the traveller is an employee",
        "the cost centre to charge (your team's cost centre, or Recruiting's cost centre 4100 for candidates)",
        "for non-employees: their full name, personal email address and country of residence",
    ]),

    ("h1", "Filling in the form"),
    ("p", "Form TR-2 is a web form in Ledger. Open Ledger at ledger.larkspur.example and choose Forms, then "
          "Travel Reimbursement (TR-2). Your progress is saved automatically as a draft."),

    ("h2", "Section A: Traveller details"),
    ("p", "Choose Employee or Non-employee. For an employee, start typing their name and Ledger fills in the "
          "rest from PeopleHub. For a non-employee, enter their name, personal email and country; Finance uses "
          "the email to send them a secure Payee Portal link to enter their bank details. Never collect bank "
          "details yourself, by email or in Slack."),

    ("h2", "Section B: Trip details"),
    ("p", "Enter the business purpose (for example, \"On-site interview for Senior Data Engineer\"), the "
          "destinations, and the departure and return dates and times. The times are used to calculate per diem "
          "for the first and last day. For an employee, also select the reason Wayfare was not used."),

    ("h2", "Section C: Itemised expenses"),
    ("p", "Add one line per cost: date, category, merchant, amount and currency, with the receipt attached. "
          "Ledger converts foreign currencies at the rate on the date of the expense. The same limits apply as "
          "for employees booking in Wayfare, summarised below."),
    ("table", [
        ["Cost", "Limit on Form TR-2"],
        ["Flights", "Economy under 6 hours flying time; premium economy for 6 hours or more"],
        ["Hotels", "Nightly cap for the city, as in the Business Travel runbook (for example $220 in Portland)"],
        ["Ground transport", "Transit, taxi or rideshare; rental cars compact or midsize"],
        ["Mileage", "The rate shown in Ledger for the year of travel"],
        ["Meals", "Per diem only (Section D); do not add meal receipts here"],
    ]),

    ("h2", "Section D: Per diem"),
    ("p", "Meals are reimbursed as a per diem, not from receipts. Ledger calculates the amount from the trip "
          "dates in Section B and the destination: $75 a day in the United States, CAD 95 in Canada, EUR 70 in "
          "Ireland and the rest of the EU, GBP 65 in the United Kingdom and $80 elsewhere. Travel days are paid "
          "at 75%. Tick each meal that was provided (for example lunch during an interview day) so that Ledger "
          "deducts it: breakfast 15%, lunch 25% and dinner 40% of the daily amount."),
    ("p", "Candidates who are taken to lunch or dinner by the interview panel should have those meals ticked as "
          "provided."),

    ("h2", "Section E: Declaration and approvals"),
    ("p", "The submitter confirms that the costs are accurate, business-related and not claimed elsewhere. The "
          "form is then approved in this order:"),
    ("numbers", [
        "the traveller's manager, or the hiring manager for a candidate",
        "the cost centre owner, if different from the manager",
        "Travel Programme in Finance, for any out-of-policy item",
    ]),

    ("h1", "Submitting the form"),
    ("h2", "For your own travel"),
    ("p", "Submit the form in Ledger. It is routed for approval like an expense report, and the reimbursement "
          "is paid to the bank account held in PeopleHub in the next Ledger payment run (Tuesdays and Fridays)."),
    ("h2", "For a candidate or guest"),
    ("p", "The Larkspur host (the recruiter for candidates, or the employee who invited the guest) completes and "
          "submits the form on the traveller's behalf. The traveller emails their receipts to the host, or to "
          "travel@larkspur.example with the host copied. After approval, Finance emails the traveller a Payee "
          "Portal link; payment is made by bank transfer within 10 business days of them entering their details."),

    ("h1", "Deadlines and payment"),
    ("bullets", [
        "Employees: submit within 30 days of the end of the trip.",
        "Candidates and guests: the host submits within 45 days of the end of the trip.",
        "Forms received more than 90 days after the trip need VP approval, as with any late expense.",
        "December travel must be submitted by January 10 for the year-end close.",
    ]),

    ("h1", "Common reasons a form is returned"),
    ("bullets", [
        "A missing or non-itemised receipt, or a receipt that does not show the currency.",
        "Meal receipts added in Section C instead of claiming per diem in Section D.",
        "No reason given for booking outside Wayfare.",
        "The wrong cost centre, especially for candidate travel (use Recruiting, 4100).",
        "The same costs already claimed in Ledger or paid by a Larkspur corporate card.",
    ]),
    ("p", "A returned form keeps its place in the queue: fix the item noted by the approver and click Resubmit."),

    ("h1", "Contacts"),
    ("bullets", [
        "Travel policy and Form TR-2 questions: #travel or travel@larkspur.example",
        "Ledger problems: HelpDesk at help.larkspur.example, ext. 4357",
        "Payment status for a candidate or guest: expenses@larkspur.example",
    ]),
]


def write_docx(path: Path) -> None:
    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.styles["Normal"].font.name = "Calibri"
    document.styles["Normal"].font.size = Pt(11)
    for kind, payload in DOCX_CONTENT:
        if kind == "title":
            document.add_paragraph(str(payload), style="Title")
        elif kind == "h1":
            document.add_heading(str(payload), level=1)
        elif kind == "h2":
            document.add_heading(str(payload), level=2)
        elif kind == "p":
            document.add_paragraph(str(payload))
        elif kind in ("bullets", "numbers"):
            style = "List Bullet" if kind == "bullets" else "List Number"
            for item in payload:  # type: ignore[union-attr]
                document.add_paragraph(str(item), style=style)
        elif kind == "table":
            rows: list[list[str]] = payload  # type: ignore[assignment]
            table = document.add_table(rows=len(rows), cols=len(rows[0]))
            table.style = "Light Grid Accent 1"
            for r, row in enumerate(rows):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
        else:
            raise ValueError(kind)
    props = document.core_properties
    props.title = DOCX_TITLE
    props.author = "Larkspur Labs Finance - Travel Programme"
    props.subject = "How to complete and submit Form TR-2"
    props.keywords = "travel reimbursement, TR-2, candidate travel, per diem, Ledger"
    props.created = FIXED_DATE.replace(tzinfo=None)
    props.modified = FIXED_DATE.replace(tzinfo=None)
    props.revision = 1
    document.save(str(path))


# -- PDF: Holiday Calendar 2026 ---------------------------------------------------------------------

PDF_TITLE = "Larkspur Labs Holiday Calendar 2026"

US_HOLIDAYS = [
    ("New Year's Day", "Thursday, January 1"),
    ("Martin Luther King Jr. Day", "Monday, January 19"),
    ("Presidents' Day", "Monday, February 16"),
    ("Memorial Day", "Monday, May 25"),
    ("Juneteenth", "Friday, June 19"),
    ("Independence Day (observed)", "Friday, July 3"),
    ("Labor Day", "Monday, September 7"),
    ("Thanksgiving Day", "Thursday, November 26"),
    ("Day after Thanksgiving", "Friday, November 27"),
    ("Christmas Eve", "Thursday, December 24"),
    ("Christmas Day", "Friday, December 25"),
]
CA_HOLIDAYS = [
    ("New Year's Day", "Thursday, January 1"),
    ("Family Day", "Monday, February 16"),
    ("Good Friday", "Friday, April 3"),
    ("Victoria Day", "Monday, May 18"),
    ("Canada Day", "Wednesday, July 1"),
    ("Civic Holiday", "Monday, August 3"),
    ("Labour Day", "Monday, September 7"),
    ("National Day for Truth and Reconciliation", "Wednesday, September 30"),
    ("Thanksgiving", "Monday, October 12"),
    ("Christmas Day", "Friday, December 25"),
    ("Boxing Day (observed)", "Monday, December 28"),
]
IE_HOLIDAYS = [
    ("New Year's Day", "Thursday, January 1"),
    ("St Brigid's Day", "Monday, February 2"),
    ("St Patrick's Day", "Tuesday, March 17"),
    ("Easter Monday", "Monday, April 6"),
    ("May Bank Holiday", "Monday, May 4"),
    ("June Bank Holiday", "Monday, June 1"),
    ("August Bank Holiday", "Monday, August 3"),
    ("October Bank Holiday", "Monday, October 26"),
    ("Christmas Day", "Friday, December 25"),
    ("St Stephen's Day (observed)", "Monday, December 28"),
]

PDF_INTRO = (
    "This calendar lists the paid company holidays Larkspur Labs observes in 2026 in each country where we "
    "employ people, the winter closure, and the floating holidays. Your holidays follow the country of your "
    "employment contract. Where a holiday falls on a weekend, the observed date is shown. How holidays work "
    "(weekends, working on a holiday, floating holidays) is explained in the Company Holidays and Winter "
    "Closure runbook. Book time off and floating holidays in PeopleHub under Time Off."
)


def write_pdf(path: Path) -> None:
    from fpdf import FPDF

    pdf = FPDF(format="Letter")
    pdf.set_title(PDF_TITLE)
    pdf.set_author("Larkspur Labs People Operations")
    pdf.set_subject("Company holidays, winter closure and floating holidays for 2026")
    pdf.set_keywords("holidays 2026, public holidays, bank holidays, winter closure, floating holiday")
    pdf.set_creator("examples/make_binary_runbooks.py")
    pdf.set_creation_date(FIXED_DATE)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.set_margins(20, 18, 20)
    pdf.add_page()

    def heading(text: str, size: int = 14) -> None:
        pdf.ln(3)
        pdf.set_font("Helvetica", "B", size)
        pdf.multi_cell(0, 8, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def para(text: str) -> None:
        pdf.set_font("Helvetica", "", 10.5)
        pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    def bullets(items: list[str]) -> None:
        pdf.set_font("Helvetica", "", 10.5)
        for item in items:
            pdf.multi_cell(0, 5.5, "- " + item, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

    def holiday_table(rows: list[tuple[str, str]]) -> None:
        pdf.set_font("Helvetica", "", 10.5)
        with pdf.table(col_widths=(60, 40), text_align="LEFT", line_height=6.5) as table:
            header = table.row()
            header.cell("Holiday")
            header.cell("Date (2026)")
            for name, date in rows:
                row = table.row()
                row.cell(name)
                row.cell(date)
        pdf.ln(3)

    pdf.set_font("Helvetica", "B", 20)
    pdf.multi_cell(0, 10, PDF_TITLE, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", "I", 10)
    pdf.multi_cell(0, 6, "People Operations - published January 2026", new_x="LMARGIN", new_y="NEXT")
    pdf.ln(2)
    para(PDF_INTRO)

    heading("United States (Portland and US remote) - 11 holidays")
    holiday_table(US_HOLIDAYS)
    para("Independence Day falls on a Saturday in 2026, so it is observed on Friday, July 3.")

    heading("Canada (Toronto) - 11 holidays")
    holiday_table(CA_HOLIDAYS)
    para("Boxing Day falls on a Saturday in 2026, so it is observed on Monday, December 28.")

    heading("Ireland (Dublin) - 10 public holidays")
    holiday_table(IE_HOLIDAYS)
    para("St Stephen's Day falls on a Saturday in 2026, so Dublin employees take Monday, December 28 off instead.")

    heading("Winter closure 2026")
    para("All Larkspur offices close from Thursday, December 24, 2026 through Friday, January 1, 2027. Closure "
         "days that are not public holidays in your country are extra paid days off and do not use PTO:")
    bullets([
        "United States: December 28, 29, 30 and 31 are closure days.",
        "Canada: December 24, 29, 30 and 31 are closure days.",
        "Ireland: December 24, 29, 30 and 31 are closure days.",
        "On-call and support rotas for the closure are published in #announcements by November 30.",
    ])

    heading("Floating holidays")
    para("US and Canadian employees have 2 floating holidays in 2026; Dublin employees have 1 Larkspur Day. "
         "Employees who join after June 30, 2026 receive 1 floating holiday. Request them in PeopleHub as "
         "Floating Holiday at least 1 week ahead. Unused floating holidays expire on December 31, 2026 and "
         "are not paid out.")

    heading("Questions")
    bullets([
        "Holiday list and observed dates: #people-ops or people@larkspur.example",
        "Working on a holiday (Holiday in Lieu): see the Company Holidays and Winter Closure runbook",
        "PeopleHub booking problems: help.larkspur.example, category People Systems",
    ])

    pdf.output(str(path))


# -- check ------------------------------------------------------------------------------------------

def check() -> None:
    """Confirm the text comes back out the way kb reads it (python-docx headings, pypdf text)."""
    import docx

    document = docx.Document(str(DOCX_PATH))
    headings = [p.text for p in document.paragraphs if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == DOCX_TITLE, headings[:1]
    assert "Section D: Per diem" in headings, headings
    print(f"{DOCX_PATH.name}: {len(headings)} headings, title {document.core_properties.title!r}")
    try:
        from pypdf import PdfReader
    except ImportError:
        print("pypdf not installed: skipping the PDF extraction check")
        return
    reader = PdfReader(str(PDF_PATH))
    text = "\n".join(page.extract_text() or "" for page in reader.pages)
    for needle in ("Holiday Calendar 2026", "Friday, July 3", "St Brigid's Day", "Winter closure 2026"):
        assert needle in text, needle
    print(f"{PDF_PATH.name}: {len(reader.pages)} pages, {len(text.split())} words, title {reader.metadata.title!r}")


def main() -> int:
    HR.mkdir(parents=True, exist_ok=True)
    write_docx(DOCX_PATH)
    write_pdf(PDF_PATH)
    check()
    return 0


if __name__ == "__main__":
    sys.exit(main())
