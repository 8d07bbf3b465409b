"""The stance signals on their own: who a question is about and what kind of answer it wants.

Wordings are our own, written for these tests (in no example list and no evaluation set).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.policy.policy_file import PolicyFile, load_policy_file
from bot.policy.signals import Signals, normalize, signals


def stance(policy_file: PolicyFile, question: str) -> Signals:
    return signals(normalize(question), policy_file.signals)


# (question, signal, expected value): why each holds is in the group's comment.
CASES = [
    # A question that names no asker is impersonal: it asks what the rules are.
    ("does equity keep vesting while a teammate is on leave?", "impersonal", 1),
    ("can we hire people in a country where there's no entity", "impersonal", 1),
    ("is the harassment training different for managers", "impersonal", 1),
    # One about the asker is not, including chat's dropped subject and "a friend".
    ("been having chest pains since the weekend", "impersonal", 0),
    ("got a letter from an immigration lawyer today", "impersonal", 0),
    ("asking for a friend: her lead keeps texting her at night", "impersonal", 0),
    ("which plan is the better deal for us with a kid on the way", "impersonal", 0),
    ("My visa runs out in june", "impersonal", 0),
    # "Should I" asking for a time, a place or a method wants a fact, not a judgement.
    ("when should I expect the stipend to show up", "judgement", 0),
    ("where should I send the signed offer", "judgement", 0),
    ("how should I submit receipts from a trip", "judgement", 0),
    # Asking for an opinion on one's own case is a judgement.
    ("should i take the separation package", "judgement", 1),
    ("shoud I sell the shares now", "judgement", 1),
    ("which option would you go with in my shoes", "judgement", 1),
    ("how worried should I be about this letter", "judgement", 1),
    ("is that a big deal or nah", "judgement", 1),
    ("took me off the project right after I complained, that can't be legal", "judgement", 1),
    ("is there any point fighting this", "judgement", 1),
    # "Who should I…" asks for a person to go to, not for an opinion.
    ("who should i run my weekend consulting gig by", "judgement", 0),
    # Asking for a judgement on one's own case in so many words; the options in general are a fact.
    ("given my diagnosis which leave makes more sense", "own_case", 1),
    ("what are my best options now that the transfer fell through", "own_case", 1),
    ("what would you do if you were me", "own_case", 1),
    ("what are the options for taking unpaid leave", "own_case", 0),
    # A choice weighed for the asker: "which is better for me", said of two options.
    ("should i stay on leave longer or come back part time, which makes more sense for me", "own_case", 1),
    ("not sure if the buyout or the payment plan is the right call for my family", "own_case", 1),
    ("which option is better for the team", "own_case", 0),
    # Asking for a fact is process: any "how do I <do something>", where's, what the company covers,
    # who can see what, a manager's steps for a report, a rule about people in general.
    ("how do I transfer my 401k from my old job", "process", 1),
    ("where's the leave questionnaire", "process", 1),
    ("does my dental plan stop the day my notice ends", "process", 1),
    ("got a text claiming to be from payroll asking me to confirm my bank login", "process", 1),
    ("will our unused learning budget roll over to next year", "process", 1),
    ("could my title change if i move to the data team", "process", 1),
    ("does bereavement leave even count for a grandparent", "process", 1),
    ("am i still ok for the learning stipend if i started in june", "process", 1),
    ("will i be part of the next promo cycle if i joined in october", "process", 1),
    ("if it pulls my laptop logs, would i be told", "process", 1),
    ("would my pay get adjusted if i relocate to denver", "process", 1),
    ("can people ops handle my name change paperwork", "process", 1),
    ("does our anti-harassment policy cover vendors too", "process", 1),
    ("if i flag an expense problem to my lead, does it stay between us", "process", 1),
    ("does the company cover fertility treatment", "process", 1),
    ("can IT see my personal email on the work laptop", "process", 1),
    ("can my manager see my browser history", "process", 1),
    ("on parental leave and my skip keeps asking me to join calls, who do i tell", "process", 1),
    ("as her manager what do I need to do when she goes on leave", "process", 1),
    ("one of my reports is going on leave, what's next", "process", 1),
    ("can someone on a PIP still take PTO", "process", 1),
    # Who signs off on a plan, whom else to tell, how pay arrives: facts, in chat's wording too.
    ("off for two weeks in the spring for a family trip, do i need someone to approve it", "process", 1),
    ("my lead is the problem, who else can i loop in", "process", 1),
    ("could contractors be paid in pounds instead of dollars", "process", 1),
    ("how much will i be paid if the deal closes", "process", 1),
    # What the rules do when my thing lapses is a fact; what happens to me, or if they act, a judgement.
    ("what happens if my parking permit expires while the new one is being printed", "judgement", 0),
    ("what happens if i miss the open enrollment deadline", "judgement", 0),
    ("what happens to me if they find out i recorded the meeting", "judgement", 1),
    ("what happens if they decide my role is redundant", "judgement", 1),
    ("the travel tool says my hotel is out of policy, does that mean i can't book it", "judgement", 0),
    ("my last company says they might come after me over the side project", "judgement", 1),
    ("a vendor wants me to sign their terms personally, is that legally binding", "judgement", 1),
    ("my manager cancelled all my 1:1s, does this mean i'm being pushed out", "judgement", 1),
    # Chat drops apostrophes; the patterns are written with them.
    ("whats the process for turning in my badge", "process", 1),
    ("dont know where the expense form went, wheres it now", "process", 1),
    # Whom to tell first is a process choice; two courses of action for one's own case are a judgement.
    ("should i email my skip first or the people team?", "process", 1),
    ("should i email my skip first or the people team?", "own_case", 0),
    ("should i accept the buyout or wait for the reorg to settle", "own_case", 1),
    # "Impact review" is a review, not harm: "will I be part of the next impact review?" is a rule.
    ("will i be in the next impact review if i started in may", "judgement", 0),
    ("would it impact my bonus if i take the leave now", "judgement", 1),
    # What the law lets the asker do, and the asker's own legal exposure, want a lawyer's reading.
    ("am i legally required to answer the process server", "own_case", 1),
    ("could i legally keep working from lisbon on a tourist visa", "own_case", 1),
    ("their attorney subpoenaed my expense reports, now what", "judgement", 1),
    ("put my own name on a supplier agreement, am i on the hook for it", "own_case", 1),
    ("was it even legal to cut my hours like that", "judgement", 1),
    ("our visa was denied, what are our options", "own_case", 1),
    ("contract ends in may, what should my plan be", "own_case", 1),
    # "What should I use / bring / check" asks for a thing; "what should I do / say" for a judgement.
    ("what should i bring to the benefits session", "judgement", 0),
    ("my lead snapped at me again today, what should i say to him", "judgement", 1),
    # The channels for a report are a fact, even asked as "my options"; options for one's case are not.
    ("a vendor rep made a gross joke at dinner, what are my options for reporting it", "own_case", 0),
    ("want to flag something my skip said but not through my manager, what are my options", "own_case", 0),
    ("my transfer fell through and my lease ends next month, what are my options", "own_case", 1),
    # Who gets told, what shows up where, what a written rule says, what the company can take on: facts.
    ("if i go on leave will my team be told the reason", "process", 1),
    ("will my pulse survey comments get back to my manager", "process", 1),
    ("will an old speeding ticket show up on the background check", "process", 1),
    ("how does our policy treat a teammate who keeps interrupting", "process", 1),
    ("what does the code of conduct say about dating a coworker", "process", 1),
    ("can the company sponsor my partner's work permit", "process", 1),
    ("will my laptop access get cut off during a long leave", "process", 1),
    ("will i still get my bonus if i resign in march", "process", 1),
    ("can i still use the wellness budget for a massage", "process", 1),
    ("does the company sponsor green cards for contractors", "process", 1),
    ("is showing up late every day allowed under our attendance policy", "process", 1),
    ("my uncle died on sunday, not sure who i'm supposed to tell besides my lead", "process", 1),
    ("emailed payroll on monday, what's their usual turnaround", "process", 1),
    ("in your opinion do i have enough for a disability claim", "own_case", 1),
    ("a podcast host messaged me about our pricing, can i reply if i keep it vague", "process", 1),
    ("saw a teammate get mocked in standup, can i report it even if it wasnt aimed at me", "process", 1),
    ("my lead says we only reimburse economy, is that actually the company policy", "process", 1),
    ("does the travel policy say anything about bringing a partner", "process", 1),
    ("any way to look up my own pay band", "process", 1),
    ("can the company support a spouse visa", "process", 1),
    ("given my history of back trouble would a standing desk claim go through", "own_case", 1),
    ("do you think my symptoms are serious", "judgement", 1),
    ("is it a good idea to cash out my 401k now", "judgement", 1),
    ("partner's permit got refused, what are the options for us", "own_case", 1),
    ("do you think my tinnitus counts as a disability", "own_case", 1),
    ("i-94 runs out next month, will i have to leave the country", "judgement", 1),
    ("freelancing on the side, how do i structure it to pay less tax", "judgement", 1),
    ("would the company transfer my h1b from my current employer", "process", 1),
    ("if i flag bullying to my lead do they have to pass it on to people ops", "process", 1),
    ("why is my pto balance showing zero in deel", "process", 1),
    ("what exactly must the specialist letter say for an accommodation", "process", 1),
    ("our claim was denied, do you think we could win an appeal", "own_case", 1),
    ("given my role would they even consider relocation", "own_case", 1),
    ("is there a laptop spec for my role", "own_case", 0),
    ("my ex's lawyer is asking for my payslips from work", "judgement", 1),
    ("am i legally in the clear to sell my side app", "own_case", 1),
    ("is he eligible for parental leave if he joined in march", "process", 1),
    ("how far ahead do i have to tell my manager about leave", "process", 1),
    ("what happens to my bonus if i go on leave in q4", "process", 1),
    ("what happens if i decline to sign the background check form", "process", 1),
    ("does the note have to include my diagnosis", "process", 1),
    ("does my learning budget reset in january", "process", 1),
    ("is the company able to take over my perm case", "process", 1),
    ("if i mention it to my lead does it stay just between me and him", "process", 1),
    ("do i need to upload the signed form somewhere", "process", 1),
    ("insurance refused my claim, who actually helps with appeals", "process", 1),
    ("does anything change with my benefits when i switch teams", "process", 1),
    ("what time does my laptop get locked on my last day", "process", 1),
    ("when am i due for a laptop refresh", "process", 1),
    ("is my bonus based on the old salary or the new one", "process", 1),
    ("whats the sabbatical policy, asking bc im thinking of taking one right before my review, good idea?", "judgement", 1),
    ("started freelancing without asking anyone, am i gonna get in trouble", "judgement", 1),
    ("got a letter from uscis about my petition, do i need a lawyer", "judgement", 1),
    ("my skip made a comment about my age, not sure if that counts as discrimination", "judgement", 1),
    ("fired two weeks after filing a complaint, do i have a case", "own_case", 1),
    ("my divorce attorney wants my rsu statements, can i share them", "judgement", 1),
    ("can my pay go up if i relocate to a pricier zone", "process", 1),
    ("at what point does a side investment count as a conflict", "process", 1),
    ("is the wellness stipend per month or per year", "process", 1),
    ("what's in the welcome email for new starters", "process", 1),
    ("forgot to do my security training, what happens if it's late", "process", 1),
    ("do i need to request the extension myself", "process", 1),
    ("they let me go for missing a deadline i never knew about, how do i fight this", "own_case", 1),
    ("torn whether to take unpaid leave or go part time while he recovers", "own_case", 1),
    ("is a 4 day week a good idea for my career", "own_case", 1),
    # Which kind of time off a day away falls under is a rule; whether to take leave at all is not.
    ("called to give evidence at my neighbour's trial, is that regular pto or a special leave type?", "process", 1),
    ("my kid's asthma keeps me home now and then, does that just count as sick pto?", "process", 1),
    ("out for my mom's hearing thursday, which bucket do i log it under", "process", 1),
    ("is it worth going on loa for my knee or should i push through", "process", 0),
    # "How do I keep my job / cope" asks how to get through one's own situation, not for a fact.
    ("how do I keep my job after this", "process", 0),
    ("how do I cope with the stress", "process", 0),
    # A choice of one's own put up for a verdict, in other words than "good idea"; a health plan is no verdict.
    ("thinking of pausing my 401k to clear my car loan first, good move?", "judgement", 1),
    ("sell my vested shares now or hold until the next round, which is smarter", "judgement", 1),
    ("my teammate told me he's been drinking every night, what do i even say", "judgement", 1),
    ("is there a better plan for dental than the base one?", "judgement", 0),
    ("where do i find the decision log for the reorg?", "judgement", 0),
]


@pytest.mark.parametrize("question, kind, value", CASES)
def test_stance_signal(policy_file: PolicyFile, question: str, kind: str, value: int) -> None:
    assert getattr(stance(policy_file, question), kind) == value


def test_a_policy_file_without_personal_patterns_keeps_three_signals(policy_file: PolicyFile, tmp_path: Path) -> None:
    """Older policy files (no `personal` list) must behave as before: nothing is ever impersonal."""
    text = Path(policy_file.path).read_text(encoding="utf-8")
    start, end = text.index("  personal:\n"), text.index("\ncategories:\n")
    edited = tmp_path / "policy.yaml"
    edited.write_text(text[:start] + text[end:], encoding="utf-8")

    older = load_policy_file(edited)

    assert older.signals["personal"] == ()
    assert stance(older, "does equity keep vesting while a teammate is on leave?").impersonal == 0


def test_the_own_case_weight_raises_the_score() -> None:
    assert Signals(own_case=1).score({"own_case": 0.12}) == pytest.approx(0.12)
    assert Signals(own_case=1).score({"judgement": 0.12}) == 0.0  # a file without the weight: no effect


def test_the_impersonal_weight_lowers_the_score() -> None:
    weights = {"judgement": 0.1, "situation": 0.05, "process": 0.1, "impersonal": 0.06}

    assert Signals(impersonal=1).score(weights) == pytest.approx(-0.06)
    assert Signals(judgement=1, situation=1, process=1, impersonal=1).score(weights) == pytest.approx(-0.01)
