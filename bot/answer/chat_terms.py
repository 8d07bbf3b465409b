"""The runbooks' words for what people say in chat.

People ask a bot the way they talk in Slack: they "hand in their notice", get a "sus" email, have
"beef" with a teammate, want a "promo". Runbooks are written in the other register: resignation,
phishing, conflict, promotion. The full-text leg of retrieval matches words, and a small embedding
model knows little slang, so such a question can miss the one page that answers it while every
word of it is ordinary.

`expanded` adds the formal words after the question (the question itself is untouched), from a
table of workplace chat written for the register, not for one company's handbook: slang,
abbreviations, idioms, a situation told in lay words ("pregnant", "a journalist DMd me") and
brand names, each mapped to the name every HR and IT runbook gives the thing. A word that is
already a runbook's term is never mapped to a neighbouring one ("equity" to "stock options",
"salary band" to "compensation"): measured, that pulls in the neighbour's page instead. The
policy never sees the expansion (it reads what the asker wrote). A "do we have X?" check judges X with
its chat words replaced by the runbooks' (`translated`): "do we get a wfh stipend?" is not turned away
by runbooks that only ever say "remote".
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache
from pathlib import Path

import yaml

CHAT_TERMS: dict[str, str] = {
    # leaving, and being let go
    r"hand(ing|ed)? in (my|a|the|our) notice|put(ting)? in (my|a|the) notice|(two|2) weeks'? notice"
    r"|put(ting)? in (my|your|the) (two|2) weeks"
    r"|\bquit(ting)?\b|leaving the company|leave the company|moving on from"
    r"|\bg(ave|iving|ive) (in )?my notice\b|\b(gave|giving) notice\b"
    r"|\baccepted (another|a new|an) (offer|job)|\b(took|taking|got) (another|a new) job\b": "resign resignation",
    r"\blet go\b|laid off|lay-?offs?\b|got fired|getting fired|\bfired\b|\bcanned\b|\baxed\b": "termination",
    r"\bmy last day\b": "offboarding",
    # time away
    r"\bvacay\b|\bday off\b|\bdays off\b|\btime away\b|\bannual leave\b|\bon holiday\b": "time off",
    r"\bx-?mas\b": "christmas",
    r"\booo\b|\booto\b": "out of office",
    r"\bsick day|\bcalling in sick|\bcall in sick|\bfeeling sick|\bunder the weather": "sick leave",
    r"\bsick note|\bfit note": "doctor's note",
    # an appointment and a medical bill, as chat says them. With the words for leaving ("gave notice"), a side activity
    # and an angel round added in their groups (check set 26): 36 sets, five more answers show the fact, none fewer.
    r"\bappts?\b": "appointment",
    r"\b(er|a&e|emergency room|hospital|medical|doctor'?s?|dental|ambulance) (bill|invoice)s?\b|\bsurprise bill"
    r"|\bbill (from|for) (an? |the |my )?(er|a&e|emergency room|hospital|doctor|dentist|ambulance)\b":
        "medical bill insurance claim",
    r"\badhd\b|\bautis(m|tic)\b|\bdyslexi|\bneurodivergen|\b(reasonable )?adjustments? (to|for) my"
    r" (schedule|hours|workload|desk|setup|work)|\breasonable adjustments?\b": "accommodation disability",
    r"\bhard of hearing\b|\bdeaf\b|\b(live )?captions\b|\bsign language\b|\bwheelchair\b|\blow vision\b"
    r"|\bscreen reader\b": "accommodation disability",
    # a family member on the asker's health plan
    r"\b(son|daughter|kids?|child|children|stepson|stepdaughter|spouse|wife|husband)\b(?=.*\b(medical|dental|vision"
    r"|health|insurance|plan|coverage|benefits)\b)": "dependents",
    r"\b(baby|dog|pet|house|cat)? ?sitters?\b|\bbabysit|\bnann(y|ies)\b|\bdaycare\b|\bchild ?care\b|\bchild ?minder"
    r"|\bcr[eè]che\b": "dependent care",
    r"\bmat leave|\bpat leave|\bmaternity|\bpaternity|\bbaby\b|\bnewborn|\bpregnan|\bdue date\b": "parental leave",
    r"\bpassed away|\bfuneral|\b(mom|dad|mother|father|grandma|grandpa|grandmother|grandfather|brother|sister"
    r"|wife|husband|partner|son|daughter|uncle|aunt|cousin) died": "bereavement leave",
    # where and how people work
    r"\bwfh\b": "remote work from home",
    r"\bdigital nomad|\bwork(ing)? from (abroad|another country)|\bwork(ing)? while travel": "working abroad",
    r"\bboss\b|\bmgr\b": "manager",
    r"\bnew starters?\b|\bnewbies?\b|\bnoobs?\b|\bjust (joined|started)\b": "new hire onboarding",
    r"\beng\b|\bengs\b": "engineer engineering",
    r"\bergs?\b": "employee resource group",
    r"\bl&d\b": "learning development",
    r"\bco-?workers?\b": "teammate colleague",
    r"\ball[- ]hands\b|\btown ?hall\b": "company meeting",
    # pay and money
    r"\bperf\b": "performance",
    r"\bpromo\b|\blevel up\b": "promotion",
    r"\bcomp\b": "compensation",
    r"\b(a|my|get|getting|got|ask for|asking for) raise\b|\bpay bump\b|\bpay rise\b": "salary increase",
    r"\bpayday\b|\bpaycheck|\bpay ?stub|\bpayslip|\bget(ting)? paid\b": "payroll",
    r"\bpay(ing)? me back\b|\bmoney back\b|\bpaid back\b|\breimb\b": "reimbursement",
    r"\bcorp(orate)? card\b|\bcompany card\b|\bp-?cards?\b|\bpurchasing cards?\b|\bamex\b": "corporate credit card",
    r"\bside (hustle|gig|job|business)|\bmoonlight|\bon the side\b|\bfreelanc(e|ing)\b(?! visa)": "outside employment",
    r"\bbeers?\b|\bbooze\b|\bcocktails?\b|\b(and|plus|with|include|includes|including|do|does) drinks\b":
        "alcoholic beverages",
    r"\bangel (round|investor|investment)|\binvest(ing)? in (a|my|their|his|her) (friend'?s )?(startup|company)":
        "investment conflict of interest",
    r"\brefer(red|ring|s)? (a |my |an? old )?(friend|buddy|someone|candidate|former colleague"
    r"|ex-?colleague)": "referral",
    # hiring and immigration
    r"\bscreening (company|firm|service|check)|\bbackground screening|\baddress history\b|\bhireright\b"
    r"|\bfirst advantage\b": "background check",
    r"\bopt\b(?![- ]?(in|out)\b)|\bstem extension|\bstudent visa": "F-1 visa",
    # IT and security
    r"\bsus\b|\bsketchy\b|\bshady\b|\bphishy\b|\bscam(my)?\b|\bspammy\b|\bweird (email|text|link|message)"
    r"|\bfake (email|text|message)": "suspicious phishing spam",
    r"\bhacked\b|\bpwned\b": "security incident compromised",
    r"\bpw\b|\bpwd\b|\bpasswd\b": "password",
    r"\bcreds\b": "credentials",
    r"\bsso\b": "single sign-on",
    r"\bgcal\b": "Google Calendar",
    r"\bgdrive\b": "Google Drive",
    r"\bgdocs?\b": "Google Docs",
    r"\bmbp\b": "laptop MacBook",
    r"\bdms?\b|\bdm'?d\b|\bdm'?ed\b": "direct message",
    r"\bping(ed)?\b": "message contact",
    r"\bheads[- ]up\b": "notify advance notice",
    r"\bperms\b": "permissions access",
    r"\bchat ?gpt\b|\bgpt\b|\bcopilot\b|\bclaude\b|\bgemini\b": "AI tools",
    r"\bjournalists?\b|\breporters?\b": "press media",
    r"\bspill(ed)?\b|\bcracked\b|\bwon'?t turn on\b|\bwon'?t boot\b|\bdied on me\b|\bbricked\b": "damaged broken",
    r"\bhelp ?desk\b|\btech support\b|(?-i:\bIT\b)|\bservice ?desk\b|\bservice ?now\b|\bzendesk\b|\bfreshservice\b"
    r"|\bjira service (desk|management)\b": "IT support",
    r"\bwi-?fi\b": "internet",
    r"\bmerch\b": "swag",
    r"\bgym\b|\bwork-?outs?\b": "wellness fitness",  # "work out how much" is a verb
    r"\blawyers?\b": "attorney",
    r"\bapi (keys?|tokens?)\b|\baccess tokens?\b|\bsecret keys?\b|\b(db|database|root|admin) passwords?\b": "credentials secret",
    r"\b(keep|buy|purchase) (back )?(my|the|our) old (laptop|mac|macbook|mbp|computer|machine)"
    r"|\bold (laptop|mac|macbook|computer) (off|from) the company": "buyback",
    r"\backs?\b|\back'?(ed|ing)\b": "acknowledge",
    # other workplaces' words (British, Indian, big-company HR) for what the runbooks call otherwise, and below other
    # vendors' tools: a "do we have X?" with X in a word the runbooks never use was turned away. Development set 7
    # (written in such words): answerable questions turned away 17 -> 10 of 90; 32 other sets: one more answer shows
    # the fact, none fewer (README).
    r"\bpaediatric": "pediatric",
    r"\bbank holidays?\b": "public holidays",
    r"\b(winter|holiday|year[- ]end|christmas|company|office)[- ](shutdown|shut down|closure)\b": "holidays office closed",
    r"\bdeed poll\b|\bsurname change": "legal name change",
    r"\blong[- ]service (award|leave|bonus)|\bservice awards?\b|\bwork anniversar(y|ies)\b": "anniversary",
    r"\bevergreen (grant|refresh)|\brefresher grants?\b|\btop-?up grants?\b": "equity refresh grant",
    r"\bfinder'?s fee\b|\breferral (reward|fee|award|payout)": "referral bonus",
    r"\bombuds(man|person|people)?\b|\bwhistle-?blow|\b(ethics|speak[- ]up|integrity) (hot)?line\b": "anonymous report hotline",
    r"\bconfidential waste\b|\bshredd(ing|er)\b": "shred secure disposal",
    r"\bbleisure\b": "personal travel business trip",
    r"\bt&e\b": "travel expenses",
    r"\bappraisals?\b": "performance review",
    r"\brsus?\b|\brestricted stock": "stock options equity",
    r"\bright[- ]to[- ]work (check|document)": "employment eligibility verification I-9",
    r"\bsmp\b|\bstatutory maternity": "statutory parental leave",
    r"\bauto[- ]?repl(y|ies)\b|\bauto-?responder\b|\bout[- ]of[- ]office (message|reply)": "out of office vacation responder",
    # other vendors' tools, by what the runbooks call the kind of tool
    r"\bconcur\b|\bexpensify\b|\bemburse\b": "expense report reimbursement",
    r"\bworkday\b|\bsuccessfactors\b|\bpersonio\b|\bhibob\b|\bgusto\b|\badp\b|\bpaychex\b|\bpaylocity\b": "HR payroll",
    r"\bsedgwick\b|\bunum\b|\bmatrix absence\b": "leave of absence",
    r"\bbenefitfocus\b|\bbenefitsolver\b": "benefits enrollment",
    r"\bhealthequity\b|\bwageworks\b": "HSA FSA",
    r"\bdelta dental\b|\bmetlife dental\b": "dental plan",
    r"\blyra\b|\bspring health\b|\bheadspace\b|\btalkspace\b|\bbetterhelp\b": "mental health therapy",
    r"\bkronos\b|\bukg\b|\btsheets\b|\btime ?sheets?\b": "timecard hours",
    r"\bintune\b|\bkandji\b|\bmosyle\b|\bmdm\b": "device management",
    r"\bcrowdstrike\b|\bdefender\b|\bsentinel ?one\b|\bmcafee\b|\bnorton\b|\bsophos\b": "antivirus endpoint security",
    r"\blinkedin learning\b|\budemy\b|\bcoursera\b|\bpluralsight\b": "learning development",
    r"\bcalendly\b|\bchili ?piper\b": "calendar appointment scheduling",
    r"\blastpass\b|\bbitwarden\b|\bdashlane\b": "password manager",
    # people
    r"\bbeef\b|\bclash(ing)?\b|\bfriction\b|\bbutting heads|\bdon'?t get along|\bdrama\b": "conflict",
}
"""Chat phrasing (a regular expression) → the words a runbook uses for it."""

Table = tuple[tuple[re.Pattern[str], str], ...]


def compiled(terms: Mapping[str, str], origin: str = "the built-in table") -> Table:
    """`terms` ready to match, case-insensitively; a pattern that does not compile is refused, naming
    where it came from, so a typo in an operator's file stops the start instead of matching nothing."""
    table = []
    for pattern, words in terms.items():
        if not isinstance(pattern, str) or not isinstance(words, str) or not words.split():
            raise ValueError(f"{origin}: each entry must be a pattern and the words to add, not {pattern!r}: {words!r}")
        try:
            table.append((re.compile(pattern, re.IGNORECASE), words))
        except re.error as error:
            raise ValueError(f"{origin}: {pattern!r} is not a regular expression ({error})") from None
    return tuple(table)


BUILT_IN = compiled(CHAT_TERMS)


def load(path: str) -> Table:
    """The built-in table and the operator's own (`KB_CHAT_TERMS_FILE`: a YAML mapping of pattern to
    words), for the company's jargon: product nicknames, internal tool names, team shorthand."""
    if not path:
        return BUILT_IN
    source = Path(path)
    try:
        data = yaml.safe_load(source.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as error:
        raise ValueError(f"KB_CHAT_TERMS_FILE {path}: cannot be read ({error})") from None
    if not isinstance(data, dict):
        raise ValueError(f"KB_CHAT_TERMS_FILE {path}: expected a mapping of pattern to words, "
                         f"got {type(data).__name__}")
    return BUILT_IN + compiled(data, f"KB_CHAT_TERMS_FILE {path}")


@lru_cache(maxsize=4096)
def expanded(question: str, table: Table = BUILT_IN) -> str:
    """`question` followed by the runbook words for the chat phrasing it uses, those it does not already say."""
    present = set(re.findall(r"[a-z0-9]+", question.lower()))
    added: list[str] = []
    for pattern, words in table:
        if pattern.search(question):
            added.extend(word for word in words.split() if word.lower() not in present and word not in added)
    return f"{question} ({' '.join(added)})" if added else question


def translated(thing: str, table: Table = BUILT_IN) -> str:
    """`thing` with its chat phrasing replaced by the runbooks' words ("wfh stipend": "remote work from home
    stipend"), for a "do we have X?" check: X said in chat is not absent from runbooks that say it formally."""
    for pattern, words in table:
        thing = _WORD_TAIL.sub("", pattern.sub(lambda _: f"{words}{_TAILED}", thing))  # as written: no groups
    return " ".join(thing.split())


_TAILED = "\x00"
"""Marks where a replacement ends, so that the rest of a word the pattern matched the start of goes with it:
"babysitting" is "dependent care", not "dependent careting"."""
_WORD_TAIL = re.compile(_TAILED + r"\w*")
