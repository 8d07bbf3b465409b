"""Which questions go to people: advice about my situation does, how the process works does not."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.answer.service import AnswerService
from bot.policy.policy_file import PolicyFileError, load_policy_file
from bot.policy.regulated import RegulatedTopicPolicy
from bot.policy.signals import normalize, signals
from bot.runtime import Runtime

# Written for these tests (not taken from any evaluation set): one advice question and one
# process question on the same topic, per category.
PAIRS = {
    "medical": ("the pain in my side has been getting worse for days, should I see a doctor or wait it out?",
                "how do I send my doctor's note to HR after a sick day?"),
    "legal": ("my manager wants me to sign a statement about the incident, is it legal for them to make me?",
              "who on the legal team reviews customer contracts?"),
    "financial": ("should I sell my vested company stock now or hold it for the long-term tax rate?",
                  "where do I change my 401k contribution?"),
    "harassment": ("my team lead keeps mocking my accent in meetings and I feel humiliated, what should I do",
                   "when is the harassment prevention training due?"),
    "immigration": ("if I move to the Berlin team will my H-1B still be valid?",
                    "how do I request an employment verification letter for my visa appointment?"),
    "termination": ("I got my second warning this month, are they going to fire me?",
                    "what's the checklist for returning equipment on my last day?"),
    "mental_health": ("I've felt hopeless and exhausted for weeks and can't concentrate at all, I don't know what to do",
                      "what's the phone number for the employee assistance program?"),
}


@pytest.mark.parametrize("category", sorted(PAIRS))
def test_advice_is_escalated_to_its_category_and_logistics_answered(policy: RegulatedTopicPolicy, category: str) -> None:
    advice, logistics = PAIRS[category]

    escalated = policy.classify(advice)
    answered = policy.classify(logistics)

    assert escalated is not None and escalated.category == category
    assert escalated.queue == policy.policy.categories[category].queue
    assert answered is None


def test_the_issue_line_fmla_process_answered_firing_question_escalated(policy: RegulatedTopicPolicy) -> None:
    assert policy.classify("how do I request FMLA leave") is None
    decision = policy.classify("can I be fired for taking leave for my cancer treatment")
    assert decision is not None and not decision.crisis


@pytest.mark.parametrize("message", ["I want to kill myself", "honestly thinking about suicide lately",
                                     "everyone would be better off without me", "I keep hurting myself after work",
                                     "lately i keep thinking about not being around anymore",
                                     "i can't see the point in going on, work included",
                                     "some days i just don't want to wake up",
                                     "tbh i don't see the point anymore",
                                     "feels like it would be easier for everyone if i just wasn't around",
                                     "honestly nothing feels worth it anymore. how does the EAP thing work",
                                     "lately it'd be easier to just not wake up. anyway where's the PTO thing",
                                     "i wish i was dead tbh", "i'm tired of living like this",
                                     "i feel like a burden to everyone around me",
                                     "where's the eap number. honestly i wish i didn't wake up most days",
                                     "my brother keeps texting about not wanting to be alive anymore, how do i help",
                                     "honestly the team would be better off if i just vanished. where's ooo",
                                     "my 15 yo told me tonight she doesnt want to be alive anymore. who do i call",
                                     "wheres the eap form... tbh i keep thinking about driving off the bridge on my "
                                     "way home",
                                     "lol work is a lot rn. not lol actually, i've been googling ways to end it. how "
                                     "do i book a day off",
                                     # Warning signs told as a plan or a goodbye, tucked into a practical question.
                                     "been stockpiling my meds for weeks now. anyway where do i log pto for friday",
                                     "already wrote goodbye letters to my family. how do i send my laptop back",
                                     "cant see the point of sticking around after the layoff. does the charger go in "
                                     "the same box?",
                                     # Someone else's goodbye, posted, and then silence.
                                     "my teammate posted 'bye all, take care' in #random an hour ago and isn't "
                                     "answering his phone. who do we call?"])
def test_crisis_gets_emergency_and_eap_contacts_first(policy: RegulatedTopicPolicy, message: str) -> None:
    judgement = policy.judge(message)

    assert judgement.source == "crisis"
    decision = judgement.decision
    assert decision is not None and decision.crisis and decision.category == "mental_health"
    assert decision.reply.startswith(policy.policy.crisis.emergency)
    assert policy.policy.crisis.eap in decision.reply


@pytest.mark.parametrize("message", [
    "I can't keep myself safe tonight. how do I call in sick for tomorrow?",
    "rough week and I dont feel safe on my own right now, where's the leave form",
    "I'm scared of what I might do this weekend; do I need a doctor's note for Monday?",
])
def test_a_safety_risk_is_a_crisis_even_with_a_practical_question_attached(policy: RegulatedTopicPolicy,
                                                                         message: str) -> None:
    decision = policy.classify(message)

    assert decision is not None and decision.crisis and decision.category == "mental_health"
    assert decision.reply.startswith(policy.policy.crisis.emergency)


@pytest.mark.parametrize("category, message", [
    ("medical", "my coworker just passed out at her desk, what do i do"),
    ("medical", "teammate collapsed at dinner during the offsite and is in hospital now, what do we do"),
    ("medical", "how do i log a sick day... also chest pain since yesterday and my left arm is kinda numb, ok to wait?"),
    ("medical", "i think my manager is having a stroke on our zoom call, his face is drooping"),
    ("medical", "at the team dinner a teammate ate something with peanuts and his lips are swelling up, what do we do"),
    ("harassment", "my ex coworker is outside my house and won't leave, he threatened me at work today"),
    ("harassment", "a guy from the customer threatened to kill me on the call and said he knows where i live"),
    ("harassment", "someone is following me right now after the offsite party, what do i do"),
])
def test_an_emergency_happening_now_leads_with_the_emergency_number(policy: RegulatedTopicPolicy, category: str,
                                                                    message: str) -> None:
    """A queue answers in hours; someone collapsing, or in danger, needs the emergency number first, whatever
    else is asked."""
    judgement = policy.judge(message)

    assert judgement.source == "rules"
    decision = judgement.decision
    assert decision is not None and decision.category == category and not decision.crisis
    config = policy.policy.categories[category]
    assert "911" in config.urgent_contact
    assert decision.reply.startswith(config.urgent_contact) and config.reply in decision.reply


@pytest.mark.parametrize("message", [
    "two detectives showed up asking about my roommate and want to look through my work laptop. do i have to let them",
    "was held for hours at the border coming back from the offsite and they took my work laptop. what do i do now",
])
def test_police_or_border_agents_going_through_a_company_device_go_to_legal(policy: RegulatedTopicPolicy,
                                                                           message: str) -> None:
    judgement = policy.judge(message)

    assert judgement.source == "rules" and judgement.decision is not None and judgement.decision.category == "legal"


@pytest.mark.parametrize("message", [
    "my designer is out and she's the only one who knows where the brand assets live, how do i get access?",
    "nobody on the team knows where the staging config lives anymore, who owns it?",
])
def test_where_a_thing_lives_is_no_threat(policy: RegulatedTopicPolicy, message: str) -> None:
    """"He knows where I live" is a threat told without the word; where a file or a config lives is not."""
    assert policy.judge(message).source != "rules"


@pytest.mark.parametrize("message", [
    "If a customs officer at the airport asks me to unlock my work laptop, what does the policy say I should do?",
    "the agent took my old laptop for recycling, do i need a receipt",
])
def test_a_device_question_that_reports_no_search_is_no_legal_rule(policy: RegulatedTopicPolicy, message: str) -> None:
    assert policy.judge(message).source != "rules"


@pytest.mark.parametrize("message", [
    "the slack sidebar collapsed and i can't find my channels",
    "when is the unconscious bias training due?",
    "my dad had a stroke last week and i'm his caregiver now, does leave cover caring for a parent?",
    "what's the point of the retro if nobody reads the notes",
    "how do i take my own life insurance policy with me when i leave?",
    "is there a policy if a teammate threatened to quit over the reorg?",
    "my throat is swollen, can i take a sick day?",
    "i wish i didn't wake up so early for standup, can it move to 10?",
    "not wanting to be here for the all-hands, can i watch the recording?",
    "my partner doesn't want to live in the bay area anymore, can i switch to remote?",
    "jumping onto the train to the office tomorrow, can i expense the ticket?",
    "i'm going to die carrying boxes up three flights on moving day lol, does the relocation budget cover movers?",
    "is my laptop going to die the minute my access ends on friday? lol",  # a thing, not the asker
    "our sales pipeline is going to die while i'm out on leave, how is my commission paid that month?",
    "our team photo was taken from the roof of the building, where do i upload it?",
    "saving up my pto for a long trip in june, how many days can i carry over?",
    "my last day is friday and i'm writing goodbye notes to the team, when does slack cut off?",
])
def test_emergency_and_crisis_words_in_ordinary_senses_get_no_emergency_reply(policy: RegulatedTopicPolicy,
                                                                            message: str) -> None:
    contacts = [config.urgent_contact for config in policy.policy.categories.values() if config.urgent_contact]
    decision = policy.classify(message)

    assert decision is None or not (decision.crisis or decision.reply.startswith(tuple(contacts)))


def test_mental_health_disclosure_without_a_subject_still_escalates(policy: RegulatedTopicPolicy) -> None:
    decision = policy.classify("been so burnt out for weeks, kept having panic attacks in standup. can I take a day?")

    assert decision is not None and decision.category == "mental_health" and not decision.crisis


def test_configured_contacts_replace_the_policy_files(policy_file, embedder) -> None:  # noqa: ANN001
    configured = RegulatedTopicPolicy(policy_file, embedder, emergency="Call Security on 4444.", eap="EAP: 0800 123")

    decision = configured.classify("i want to end my life")

    assert decision is not None and decision.reply.startswith("Call Security on 4444.\nEAP: 0800 123")


def test_non_crisis_mental_health_reply_still_carries_the_eap(policy: RegulatedTopicPolicy) -> None:
    decision = policy.classify("I've been having panic attacks every morning before work and can't cope, what should I do")
    assert decision is not None and not decision.crisis
    assert policy.policy.crisis.eap in decision.reply


def test_ordinary_it_questions_are_not_regulated(policy: RegulatedTopicPolicy) -> None:
    for question in ("how do I connect to the VPN from home?", "my printer shows offline", "reset my okta password pls"):
        assert policy.classify(question) is None, question


OPINIONS_ON_ORDINARY_THINGS = [
    "which laptop would you pick for me, the air or the pro",
    "should i learn rust or go first for my next project",
]
"""Written for this test: a judgement asked on one's own case, about nothing regulated. The stance signals
read them as advice; no advice example or labelled question is near (`min_similarity`), so no human queue.
("is it a good idea for me to switch teams to platform?" was a third: the labelled questions' visa
worries about switching teams now put it near immigration advice, and it goes to a person. A cost of
the labelled neighbours, kept for the many more they settle: docs/escalation.md.)"""


@pytest.mark.parametrize("question", OPINIONS_ON_ORDINARY_THINGS)
def test_an_opinion_on_something_unregulated_is_not_escalated(policy: RegulatedTopicPolicy, policy_file,
                                                              question: str) -> None:  # noqa: ANN001
    judged = policy.judge(question)

    assert judged.verdict is not None and judged.verdict.signals.judgement
    assert judged.verdict.advice_similarity < policy_file.thresholds.min_similarity
    assert judged.decision is None


def test_a_rule_escalates_even_when_examples_disagree(policy_file, embedder, tmp_path: Path) -> None:  # noqa: ANN001
    """Whoever edits the policy file can rely on a pattern: it is final."""
    text = Path(policy_file.path).read_text(encoding="utf-8").replace(
        '      - "\\\\bshould i (see|call|go to)', '      - "\\\\bpurple printer\\\\b"\n      - "\\\\bshould i (see|call|go to)', 1)
    edited = tmp_path / "policy.yaml"
    edited.write_text(text, encoding="utf-8")
    custom = RegulatedTopicPolicy(load_policy_file(edited), embedder)

    judgement = custom.judge("the purple printer jammed again")

    assert judgement.source == "rules" and judgement.decision is not None and judgement.decision.category == "medical"


def test_an_invalid_pattern_fails_loudly(tmp_path: Path) -> None:
    broken = tmp_path / "policy.yaml"
    original = Path(load_policy_file().path).read_text(encoding="utf-8")
    assert '- "suicid"' in original
    broken.write_text(original.replace('- "suicid"', '- "suicid("', 1), encoding="utf-8")
    with pytest.raises(PolicyFileError, match="invalid pattern"):
        load_policy_file(broken)


@pytest.mark.parametrize("replacement, message", [
    ("    urgent:\n      note:", "has patterns but no contact"),  # the contact line renamed away
    ("    urgent: [oops]\n    unused:\n      contact:", "must be a mapping"),
])
def test_an_urgent_block_without_its_contact_fails_loudly(tmp_path: Path, replacement: str, message: str) -> None:
    """Emergency patterns with no line to lead the reply would escalate without telling the asker to call anyone."""
    original = Path(load_policy_file().path).read_text(encoding="utf-8")
    assert "    urgent:\n      contact:" in original
    broken = tmp_path / "policy.yaml"
    broken.write_text(original.replace("    urgent:\n      contact:", replacement, 1), encoding="utf-8")
    with pytest.raises(PolicyFileError, match=message):
        load_policy_file(broken)


def test_grave_patterns_apply_to_process_questions_and_ordinary_patterns_do_not(tmp_path: Path, embedder) -> None:  # noqa: ANN001
    """A category's `grave` patterns escalate whatever the question's shape; its `patterns` leave a plain
    process question ("who do i report…?") to the classifier."""
    original = Path(load_policy_file().path).read_text(encoding="utf-8")
    edited = tmp_path / "policy.yaml"
    edited.write_text(original.replace("\n    grave:\n", '\n    grave:\n      - "\\\\bpurple printer\\\\b"\n', 1)
                      .replace("\n    patterns:\n", '\n    patterns:\n      - "\\\\bgreen stapler\\\\b"\n', 1),
                      encoding="utf-8")
    custom = RegulatedTopicPolicy(load_policy_file(edited), embedder)

    grave = custom.judge("the purple printer jammed again, who do i report it to?")
    plain = custom.judge("the green stapler jammed again, who do i report it to?")

    owner = re.findall(r"\n  (\w+):\n", original[:original.index("\n    grave:\n")])[-1]  # the category edited
    assert grave.source == "rules" and grave.decision is not None and grave.decision.category == owner
    assert plain.source != "rules"


def test_kb_policy_file_setting_points_the_runtime_at_another_file(runtime: Runtime, tmp_path: Path) -> None:
    text = Path(load_policy_file().path).read_text(encoding="utf-8").replace('name: "Legal"', 'name: "Counsel"', 1)
    (tmp_path / "mine.yaml").write_text(text, encoding="utf-8")
    runtime.settings = runtime.settings.model_copy(update={"policy_file": str(tmp_path / "mine.yaml")})

    assert runtime.policy_file.queues["legal"].name == "Counsel"


def test_escalated_answer_has_no_runbook_text_and_reports_queue_and_category(example_runtime: Runtime) -> None:
    service: AnswerService = example_runtime.answers

    answer = service.answer("my manager put me on a PIP last week, should I start looking for a new job?")

    data = answer.to_json()
    assert data["escalated"] is True and data["category"] == "termination" and data["queue"] == "people_partner"
    assert data["citations"] == [] and data["no_answer"] is False


def test_sensitive_logistics_still_get_a_cited_answer(example_runtime: Runtime) -> None:
    answer = example_runtime.answers.answer("how do I request parental leave?")

    assert not answer.escalated and answer.citations


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.one_of(
    st.text(max_size=300),
    st.text(alphabet=st.characters(categories=["So", "Sk", "Cs", "Zs", "Mn"], exclude_characters="\x00"), max_size=80),
    st.lists(st.sampled_from(["ich", "habe", "visa", "¿puedo", "despedir", "我", "被解雇", "🤒", "😭", "my", "boss",
                              "should", "I", "\u200b", "\n", "FMLA", "kill"]), max_size=40).map(" ".join),
    st.integers(min_value=4_000, max_value=60_000).map(lambda n: ("can they fire me " * n)[:n]),
))
def test_any_input_classifies_without_error(policy: RegulatedTopicPolicy, question: str) -> None:
    decision = policy.classify(question)

    assert decision is None or (decision.category in policy.policy.categories and decision.reply)


def test_empty_and_whitespace_questions_are_not_escalated(policy: RegulatedTopicPolicy) -> None:
    assert policy.classify("") is None
    assert policy.classify(" \n\t ") is None


# Held out: written for this test, in no example list, so they check the classifier generalizes.
UNSEEN_ADVICE = [
    "my boss said I might be let go if I take more sick days for my chemo, can they do that?",
    "hr wants me to sign a paper saying I was warned about lateness, I wasn't, do I have to sign",
    "my coworker told everyone about my diagnosis and now people treat me differently, what can I do",
    "I think I'm being underpaid compared to the guy who sits next to me because I'm a woman",
    "i'm on opt and my start date got pushed 2 months, am i going to be out of status",
    "should I cash out my pension or roll it over when I leave next month",
    "i just feel numb all the time and i'm scared of what i might do",
    # Nearer the leave process examples than any advice: the choice weighed "for me" is what a person must answer.
    "my mom is moving in after her surgery. should i ask for reduced hours or take unpaid leave, which is better for me?",
]
UNSEEN_LOGISTICS = [
    "how do I request FMLA for my wife's surgery next month?",
    "what do I need to submit to get reimbursed for my therapist visits?",
    "where's the form to request a reasonable accommodation for my hearing loss",
    "how many days of bereavement leave do we get, my grandma passed",
    "who do i contact to update my visa expiration date in workday",
    "when does the ESPP enrollment window open?",
    # A rule's deadline asked from one's own layoff: the termination rule leaves a process question alone.
    "i'm being laid off next month. what's my window to exercise the options that already vested?",
]


@pytest.mark.parametrize("question", UNSEEN_ADVICE)
def test_unseen_advice_is_escalated(policy: RegulatedTopicPolicy, question: str) -> None:
    assert policy.classify(question) is not None


@pytest.mark.parametrize("question", UNSEEN_LOGISTICS)
def test_unseen_logistics_are_answered(policy: RegulatedTopicPolicy, question: str) -> None:
    assert policy.classify(question) is None


# Questions about what the rules say of one's own case sound like advice but are answered from the
# runbooks; a judgement on one's own regulated situation is not. Our own wordings, in no example list.
RULES_OF_MY_CASE = [
    "i'm a new hire, am i eligible for parental leave yet?",
    "do I have to disclose my weekend consulting gig to anyone?",
    "what does a doctor's note need to include for sick days?",
    "what can IT see on my work laptop?",
]
MY_SITUATION = [
    ("will switching to part time affect my visa status?", "immigration"),
    ("my lead keeps making comments about my body at standup, what should I do", "harassment"),
]


# Issue 15: casual questions over another company's handbook. Logistics on a sensitive topic (a rule about
# people in general, a manager's process for a report, a fact the asker wants about their own leave) are
# answered; a judgement on the asker's own case (an opinion asked for, a story of what someone did to them)
# is escalated. Our own wordings, in no example list, the development set or any evaluation set.
SENSITIVE_LOGISTICS = [
    "is the vesting schedule paused while a teammate is on parental leave?",
    "my report just told me she's pregnant, as her manager what are the steps for her leave?",
    "does the mental health reimbursement cover couples therapy apps",
    "does the company sponsor green cards for people already here on an h1b",
    "can someone on medical leave still get their bonus",
    "when should I expect my leave case manager to reach out",
]
OWN_CASE_ADVICE = [
    ("my lead has been cc'ing HR on every small mistake since I came back from leave, feels like they're building "
     "a case. would you start job hunting?", "termination"),
    ("thinking of leaving but my visa is through here, how worried should I be about the gap between jobs",
     "immigration"),
    ("is this swelling in my ankle a big deal or can I wait till monday", "medical"),
    ("they pulled me off the on-call rotation right after I asked about my pay gap with a male peer", "harassment"),
    ("got a 1099 and a W-2 this year and honestly no clue if I should file jointly with my husband, thoughts",
     "financial"),
]


# Yes/no questions about what the rules allow, and a course or policy named by a regulated word: the
# runbooks answer them. Our own wordings, in no example list, development set or evaluation set.
RULE_QUESTIONS = [
    "am I allowed to lend my work laptop to my brother for an evening?",
    "if I leave do I need to send back the headphones the company bought me",
    "the manager edition of the harassment prevention course got assigned to me by mistake, who can swap it",
    "can I keep using the company figma seat for a side project",
]


@pytest.mark.parametrize("question", RULES_OF_MY_CASE + SENSITIVE_LOGISTICS + RULE_QUESTIONS)
def test_asking_what_the_rules_say_about_my_case_is_answered(policy: RegulatedTopicPolicy, question: str) -> None:
    judgement = policy.judge(question)
    assert judgement.decision is None, judgement


@pytest.mark.parametrize("question, category", MY_SITUATION + OWN_CASE_ADVICE)
def test_a_judgement_on_my_own_situation_is_escalated(policy: RegulatedTopicPolicy, question: str,
                                                       category: str) -> None:
    decision = policy.classify(question)
    assert decision is not None and decision.category == category


A_PROCEDURE_ASKED_FOR = "a vendor emailed asking me to wire money urgently and it looks like it's from our cfo, what do i do?"
"""A phishing report: "what do i do?" after a situation asks for the procedure, as "what should i do?"
asks for a judgement. Read as a judgement it sent this to the legal queue."""


def test_what_do_i_do_asks_for_the_procedure_and_what_should_i_do_for_a_judgement(
        policy: RegulatedTopicPolicy, policy_file) -> None:  # noqa: ANN001
    assert not signals(normalize(A_PROCEDURE_ASKED_FOR), policy_file.signals).judgement
    assert signals(normalize(A_PROCEDURE_ASKED_FOR.replace("what do i do", "what should i do")),
                   policy_file.signals).judgement
    assert policy.classify(A_PROCEDURE_ASKED_FOR) is None


@pytest.mark.parametrize("message", [
    "a friend asked me to vouch for him in his custody hearing. could that land the company in hot water?",
    "my report complained about her lead last week and now i want to move her to another team. would that look like "
    "retaliation?",
    "legally can we rescind an offer after the candidate told us she's pregnant?",
    "my landlord wants to raise rent mid-lease. sign the new one today or hold off until i talk to someone?",
    "a vendor made a gross comment to me on a call. flag it to the account team or just let it go?",
    "my sister thinks i should quit and i think i can push through. which of us is right?",
    # How bad one's own case is, put as a measure.
    "i moonlighted for a competitor over the holidays without telling anyone. how much trouble am i in?",
    "my old boss says my side app used his idea. how exposed am i here?",
    "led the whole data migration alone this half. is that a strong enough case for a title bump?",
    "thinking of leaving after 7 months. does it look bad on a resume?",
    "my lead keeps mimicking my accent in standup. is that bad enough to report?",
])
def test_trouble_a_step_of_ones_own_or_a_choice_between_acting_and_waiting_is_a_judgement(policy_file, message: str) -> None:  # noqa: ANN001
    assert signals(normalize(message), policy_file.signals).judgement


@pytest.mark.parametrize("message", [
    "booked a pricier flight without sign-off because the cheap ones were gone and now finance wants me to cover the "
    "gap. do I eat it or fight it?",
    "the parking fine came to my desk address, not my car's. pay it and move on, or contest it?",
    "I'm on an H-1B and my dad is sick in Lagos. if I stay there for six weeks could that cause problems with my status "
    "when I come back?",
])
def test_contesting_a_charge_or_harm_to_ones_standing_is_ones_own_case(policy_file, message: str) -> None:  # noqa: ANN001
    """Such a message reads near the process examples (expense rules, travel rules), so only own-case words let it
    past `min_margin`: policy check 55 missed one of each."""
    assert signals(normalize(message), policy_file.signals).own_case


@pytest.mark.parametrize("message", [
    "my manager keeps scheduling 7am calls since my chemo started. not looking for advice, just wondering if the "
    "policy says anything about meeting hours",
    "a teammate keeps joking about my accent. not asking what to do, only want to know whether the handbook covers it",
])
def test_a_message_that_disclaims_advice_reads_as_process(policy_file, message: str) -> None:  # noqa: ANN001
    assert signals(normalize(message), policy_file.signals).process


@pytest.mark.parametrize("message", [
    "was asked to leave a customer onsite and told not to log in until further notice. what does this mean for my job?",
    "the report who complained about me is my weakest performer. can i still rate her low, or will that look like "
    "payback?",
    "i put money into a startup that now competes with us. what's my exposure here?",
])
def test_what_a_thing_means_for_me_or_how_a_step_of_mine_would_look_asks_for_a_judgement(
        policy_file, message: str) -> None:  # noqa: ANN001
    asked = signals(normalize(message), policy_file.signals)

    assert asked.judgement or asked.own_case


@pytest.mark.parametrize("message, process", [
    ("a coworker keeps taking digs at my politics in channels. is that even covered by the respectful workplace "
     "policy?", True),
    ("my lead presents my work as his. is that the kind of thing the bullying policy covers?", True),
    ("if i resign, could they put me on garden leave instead, or is that not something we do?", True),
    ("could i work 2 days a week during parental leave so it lasts longer? or is that not a thing here", True),
    ("my lead presents my work as his. should i report it?", False),
])
def test_whether_a_written_rule_or_the_company_covers_a_case_reads_as_process(
        policy_file, message: str, process: bool) -> None:  # noqa: ANN001
    assert bool(signals(normalize(message), policy_file.signals).process) is process


@pytest.mark.parametrize("message, judgement", [
    ("i'm on a formal coaching plan. should i be getting something in writing after every 1:1 or only at the end?",
     False),
    ("should i be worried about this coaching plan?", True),
    ("should i take the coaching plan or just resign?", True),
])
def test_what_the_process_owes_me_is_no_judgement_of_my_own(
        policy_file, message: str, judgement: bool) -> None:  # noqa: ANN001
    """"Should I be getting something in writing?" asks what the process gives, not what the asker should do."""
    asked = signals(normalize(message), policy_file.signals)

    assert bool(asked.judgement or asked.own_case) is judgement


@pytest.mark.parametrize("message, process, own_case", [
    ("my mgr said 'your yubikeys have to come back when you leave', is that right?", True, False),
    ("am i right that any side gig at all needs formal approval?", True, False),
    ("is it true that whatever is on my work laptop can come out in discovery if the company gets sued?", True, False),
    ("my ex says i can't stop the move because we were never married. is that true in my case?", False, True),
    ("a coworker says i should max my hsa with a baby coming. is that right for us?", False, True),
])
def test_a_claim_heard_is_checked_as_process_unless_checked_against_my_own_case(
        policy_file, message: str, process: bool, own_case: bool) -> None:  # noqa: ANN001
    """"Someone said X, is that right?" asks what the rules say; "is that right for us?" asks someone to weigh the
    asker's case. The first used to read as a judgement ("is that right" beside "is that fair")."""
    asked = signals(normalize(message), policy_file.signals)

    assert bool(asked.process) is process and bool(asked.own_case) is own_case
    assert not asked.judgement or own_case


@pytest.mark.parametrize("message, judgement", [
    ("a process server just handed me papers at my door over my old partner's dispute. what am i supposed to do "
     "right now", True),
    ("my card details went into a text that looked like my bank and charges are showing up as we speak. what do i do "
     "first", True),
    ("think i clicked a phishing link and typed my okta creds in, what do i do rn", False),  # the runbooks' procedure
    ("tech ops says to buy my own macbook but i can't float $3k right now. what do i do?", False),
])
def test_what_to_do_right_now_is_a_judgement_whatever_the_topic(
        policy, policy_file, message: str, judgement: bool) -> None:  # noqa: ANN001
    """Something happening to the asker now ("what do I do right now?", "…as we speak") needs a person; "what do I
    do?" alone after a situation asks for the procedure, and "right now" in the story is no emergency."""
    asked = signals(normalize(message), policy_file.signals)

    assert bool(asked.judgement) is judgement
    if judgement:
        assert policy.classify(message) is not None


@pytest.mark.parametrize("message", [
    "to move countries do I email people-ops@ 30 days ahead? and would I be better off switching to contractor?",
    "is the gift form the same one used for conflicts? and does this put the renewal I'm negotiating at risk?",
    "how do I pull up my band in Assemble, and is my pay actually unfair compared to hers?",
])
def test_weighing_where_i_stand_after_a_logistics_ask_is_a_judgement(policy_file, message: str) -> None:  # noqa: ANN001
    """The judgement is often the second ask of two, after a question the runbooks answer."""
    assert signals(normalize(message), policy_file.signals).judgement


@pytest.mark.parametrize("message, own_case", [
    ("payroll says i was overpaid $900 and wants it back, i think their numbers are off. who is right?", True),
    ("my son turns 21 before our green card case is decided, does he age out? what can we do?", True),
    ("my landlord kept my deposit for no reason, can i force him to pay it back?", True),
    ("my ex-cofounder still uses our product name. can i make him stop?", True),
    ("what can i do with my learning budget besides books?", False),  # what the budget is for: the runbooks say
    ("one of my reports resigned with 4 days notice. can i make them stay for 2 wks?", False),
])
def test_who_is_right_and_what_one_can_still_do_in_ones_own_case_are_judgements(
        policy_file, message: str, own_case: bool) -> None:  # noqa: ANN001
    """Weighing one's own dispute, or what one can still do or make someone do about it, needs a person."""
    assert bool(signals(normalize(message), policy_file.signals).own_case) is own_case


@pytest.mark.parametrize("message, own_case", [
    ("missed the expense window while i was out sick. can someone make an exception for me?", True),
    ("my accommodation ends in two weeks and i'm not ready. how do i make my case for extending it?", True),
    ("they offered extra breaks instead of the shorter week my doctor asked for. is their offer actually enough?",
     True),
    ("hit 130% of quota and my bonus came in below a peer's. was i entitled to more?", True),
    ("i'd rather refuse the background check over an old conviction. would refusing be worse for me?", True),
    ("my work laptop was stolen last week and i never reported it. what happens to me now?", True),
    ("if my work permit lapses during the renewal, what happens to my job?", False),  # the written rule
    ("how do i request an exception to the hotel cap for a conference?", False),  # the route to ask: the runbooks
    ("who signs off on an exception to the patching SLA?", False),
])
def test_a_rule_bent_for_ones_case_or_what_one_was_given_judged_is_ones_own_case(
        policy_file, message: str, own_case: bool) -> None:  # noqa: ANN001
    """An exception asked for oneself, one's case argued, whether what one got was enough, which way is worse for
    oneself, or what becomes of oneself needs a person to weigh it; the route to ask for an exception and what happens
    to a job under a rule are the runbooks' (policy checks 62, 65 and 66 missed six such messages)."""
    assert bool(signals(normalize(message), policy_file.signals).own_case) is own_case


@pytest.mark.parametrize("message", [
    "if i report something to my manager, she keep it private or she must share it with people team?",
    "my medication changed and the accommodation does not fit anymore. what is process for change it?",
])
def test_a_process_question_asked_without_its_auxiliary_or_article_is_process(
        policy_file, message: str) -> None:  # noqa: ANN001
    """Many who write English as a second language drop "do" and "the": the question is still the rule's."""
    assert signals(normalize(message), policy_file.signals).process


WHAT_MY_BOSS_CAN_SEE = "can my boss see which sites i browse on the company laptop? just curious"
"""What the rules let a manager see: "my boss" is the subject of the question, not a situation of the
asker's own. Read as one, it went to the legal queue."""


def test_what_a_manager_can_see_is_no_situation_of_my_own(policy: RegulatedTopicPolicy, policy_file) -> None:  # noqa: ANN001
    asked = signals(normalize(WHAT_MY_BOSS_CAN_SEE), policy_file.signals)

    assert asked.process and not asked.situation
    assert signals(normalize("my boss keeps reading my dms out loud"), policy_file.signals).situation
    assert policy.classify(WHAT_MY_BOSS_CAN_SEE) is None


PLAINLY_PROCESS = "my mortgage lender needs my employment verified by friday, what should i do?"
"""Nearer the process examples than the advice ones by more than `min_margin`, with judgement and
situation signals ("what should i do", "my mortgage") that would otherwise carry it over the threshold."""


def test_signals_do_not_escalate_a_question_that_reads_plainly_as_process(policy: RegulatedTopicPolicy, policy_file,
                                                                         examples_only, policy_without) -> None:  # noqa: ANN001
    unfloored = policy_without("\n  min_margin: -0.09")

    kept = examples_only.judge(PLAINLY_PROCESS)
    old = unfloored.judge(PLAINLY_PROCESS)

    assert old.decision is not None and old.verdict is not None and old.verdict.signals.judgement
    assert kept.decision is None and kept.verdict is not None
    assert kept.verdict.margin < policy_file.thresholds.min_margin <= kept.verdict.score


@pytest.mark.xfail(strict=True, reason="session 49's pool (24,862 questions) puts the wording view at 0.914 for it, "
                   "over the 0.9 floor that lets a sure wording pass the margin veto (0.913 at 24,562, 0.910 at "
                   "24,262, 0.906 at "
                   "23,962, 0.909 at 23,662, 0.906 at 23,062, 0.9008 at "
                   "22,462, 0.898 at 22,162); a known false alarm, kept visible: the test passes again, and strict "
                   "xfail fails, when the view drops under it")
def test_the_pooled_policy_does_not_escalate_the_plainly_process_question(policy: RegulatedTopicPolicy) -> None:
    """The whole policy, labelled questions and wording view included, on the same question: the veto holds
    (`test_signals_do_not_escalate_a_question_that_reads_plainly_as_process`), but the wording view is a
    regression over the pooled questions, and each pooled set nudges it."""
    judged = policy.judge(PLAINLY_PROCESS)

    assert judged.decision is None


OWN_CASE_BELOW_FLOOR = ("the tumour is back and given my diagnosis i need to choose between a long leave or dropping "
                        "to part time, which one?")
"""Nearer the leave process examples than the medical advice ones by more than `min_margin`, yet it asks
for a judgement on the asker's own case in so many words ("given my diagnosis"): a person must answer."""


def test_asking_for_a_judgement_on_my_own_case_escalates_below_the_floor(policy: RegulatedTopicPolicy, policy_file,
                                                                          examples_only, policy_without) -> None:  # noqa: ANN001
    text = Path(policy_file.path).read_text(encoding="utf-8")
    plain = policy_without(text[text.index("  own_case:\n"):text.index("  personal:\n")])

    kept = examples_only.judge(OWN_CASE_BELOW_FLOOR)
    old = plain.judge(OWN_CASE_BELOW_FLOOR)

    assert old.decision is None and old.verdict is not None
    assert kept.verdict is not None and kept.verdict.margin < policy_file.thresholds.min_margin
    assert kept.decision is not None and kept.decision.category == "medical"
    judged = policy.judge(OWN_CASE_BELOW_FLOOR)
    assert judged.decision is not None and judged.decision.category == "medical"


@pytest.mark.parametrize("question", [
    "my manager sexually assaulted me at the offsite, who do i report it to?",
    "someone threatened to kill me at work, who do i tell",
    "someone groped me at the offsite party, who do i report it to?",
    "does it stay confidential if i tell hr my manager touched me?",
    "i was just fired and i think it's because i'm pregnant, who do i talk to?",
    "i think i'm having a breakdown, who can i talk to?",
    "i was assaulted in the hotel after the sales kickoff. who am i supposed to tell",
    "someone from another team keeps sending me threats over dm, where do i report that",
    "a contractor sent me photos i never asked for on slack, who handles that",
    "a guy from the offsite followed me home last night, who do i tell",
    "a customer called me a slur on the call this morning, who handles that",
    "after standup a teammate messaged that he knows where i live, who do i report that to",
    "the contractor we let go said he'll make us pay and knows where our office manager lives, who handles that",
])
def test_a_grave_situation_asked_as_who_do_i_tell_still_goes_to_a_person(policy: RegulatedTopicPolicy,
                                                                          question: str) -> None:
    """"Who do I tell?" is a process question in every development set, yet these need a person: the
    wording alone must not decide (docs/escalation.md)."""
    assert policy.classify(question) is not None


@pytest.mark.parametrize(("question", "category"), [
    ("picked up some freelance work in spain last year while living in the us, how do i declare it on my tax return",
     "financial"),
    ("lived in oregon then washington this year, do i file in both states or just one", "financial"),
    ("worked from the uk for 4 months, do i need to sort something out with hmrc", "financial"),
    ("my rsus vest after i move to france, am i going to be double taxed", "financial"),
    ("i wrote a browser extension on my own laptop at night, does acme own it now that i work here", "legal"),
    ("made a little budgeting app before i joined and kept working on it, do i own the ip or does the company",
     "legal"),
    ("a guy texted pretending to be from the bank and i gave him my debit card pin, how do i fix this", "financial"),
    ("an officer came by the house this morning asking for my company laptop, am i supposed to give it to him?",
     "legal"),
    ("a colleague dm'd me 'thanks for everything, you were the best' last night and hasn't been replying since, "
     "who do i contact?", "mental_health"),
    ("i think someone in sales is forwarding our pricing sheets to a competitor, how do i report it?", "legal"),
    ("my daughter is on my h4 and she ages out next spring, what are the options?", "immigration"),
    ("the manager who bullied me at my old company is now my skip level here, where do i even start", "harassment"),
    ("a client kissed me after dinner and i really didn't want it, which form do i use?", "harassment"),
    ("she's harassing me in dms every night, where's the report form", "harassment"),
    ("my wife was detained by ice at the airport last night, can i take today off without logging it?", "immigration"),
    ("my brother has a deportation hearing next month, which leave type covers going with him?", "immigration"),
    ("the police want to question me about a fight i saw outside the office, is that pto?", "legal"),
])
def test_situations_that_need_a_person_however_asked_go_to_one(policy: RegulatedTopicPolicy, question: str,
                                                                 category: str) -> None:
    """Filing one's own taxes is advice even when put as process ("how do i declare it"), and so is what to do
    after handing one's bank details to a scammer, or when the police ask for the work laptop; whether the
    company owns one's own side work is a reading of one's own contract (policy.yaml's financial and legal
    grave patterns, a legal pattern). So are someone's farewell followed by silence, company information going
    to a competitor, a child aging out of a dependent visa and harassment one went through (session 25's grave
    patterns of mental health, legal, immigration and harassment), and someone held by immigration officers or
    facing deportation, and the police asking to question the asker (session 26's)."""
    decision = policy.classify(question)

    assert decision is not None and decision.category == category


@pytest.mark.parametrize("question", [
    "the onboarding doc for new hires is stale, who owns it?",
    "does anyone own the vendor list page? it's out of date",
    "does security own the yubikey process or is that tech ops?",
    "after the laptop buyback do i own it outright or can it be wiped?",
    "i entered my bank details wrong in deel, how do i fix it before payday?",
    "can i file my offsite expenses on my return next week or do they need to be in before?",
    "posting a goodbye in #thanks before my last day, is that expected?",
    "my son ages out of my dental plan at 26, how do i keep him covered?",
    "the on-call bot keeps harassing me with pages for a flaky test, how do i mute it?",
    "my partner took a job at a competitor, is there a conflict of interest form?",
    "how do i book the offsite flights? also is there a per diem for meals",
    "where's the pto calendar? tbh i'm exhausted lol, how many days do i have left",
    "how do i expense a coworking day pass? honestly not sure if it's worth it, what do most people do",
    "my manager picked me up at the airport after the offsite, can i expense the parking?",
    "our security officer wants to talk to me about my laptop setup, what's the checklist?",
    "i've been called as a witness in a court case, which leave type do i pick?",
    "how do i book the offsite flights? and can i expense the hotel wifi?",
    "how do i reset my okta password? and can i use my personal phone for 2fa?",
    "what's the parental leave policy, and does it apply to adoptions too?",
])
def test_their_process_look_alikes_are_answered(policy: RegulatedTopicPolicy, question: str) -> None:
    """Who owns a page, a team's process or a bought-back laptop, bank details mistyped (not handed to a scammer) and expenses filed
    "on my return" from a trip are process; so are a goodbye in #thanks, aging out of a health plan, a noisy bot
    and a partner's new job at a competitor, and a second process question after "also", "tbh" or "honestly"."""
    assert policy.classify(question) is None


def test_a_short_clause_stays_with_its_neighbour_when_a_message_is_split_into_asks() -> None:
    """"when's payday?" is still the first ask, and "bad idea?" belongs to the plan before it: dropped, the plan
    became the first clause and was never judged alone."""
    from bot.policy.clauses import later_clauses

    text = normalize("when's payday? also about to miss a car payment and thinking of a payday loan — bad idea?")

    assert later_clauses(text) == ["also about to miss a car payment and thinking of a payday loan bad idea?"]


@pytest.mark.parametrize(("message", "later"), [
    ("where do i record my work permit in bamboo? and if we separate, can i keep my spousal permit?",
     ["and if we separate, can i keep my spousal permit?"]),
    ("how do i waive the insurance in rippling, and is it smarter to go on my husband's plan?",
     ["is it smarter to go on my husband's plan?"]),
    ("how do i waive the insurance in rippling, and where do i upload his plan's card?", []),
])
def test_a_second_question_is_a_second_ask_without_a_marker(message: str, later: list[str]) -> None:
    """Two question marks, or ", and should i…?" after a first ask, mark a second question as "also" does; ", and
    where…" goes on with the first ask's logistics."""
    from bot.policy.clauses import later_clauses

    assert later_clauses(normalize(message)) == later


def test_a_second_ask_told_over_several_sentences_clears_the_bar_as_a_whole(policy: RegulatedTopicPolicy) -> None:
    """Neither "her doctor wants reflux meds but my mom says…" nor "should we give them to her?" is advice alone."""
    verdict = policy.classifier.second_ask("where do i add my newborn to the health plan? separately, her doctor wants "
                                           "to start her on reflux meds but my mom says babies just spit up. should "
                                           "we give them to her?")

    assert verdict is not None and verdict.escalate and verdict.category == "medical"


def test_the_clauses_after_a_second_ask_are_also_judged_together() -> None:
    """A second ask told over several sentences ("separately, the doctor wants X but my mom says Y. should we?")
    is advice only as a whole: its question alone ("should we give them to her?") names nothing."""
    from bot.policy.clauses import later_clauses

    text = normalize("how do i add my newborn to the plan? separately, her doctor wants reflux meds but my mom "
                     "says babies just spit up. should we give them to her?")

    assert later_clauses(text) == [
        "separately, her doctor wants reflux meds but my mom says babies just spit up.",
        "should we give them to her?",
        "separately, her doctor wants reflux meds but my mom says babies just spit up. should we give them to her?"]


@pytest.mark.parametrize(("question", "category"), [
    ("how do i log a wellness day? tbh i haven't slept properly in weeks and cry every night, do i need meds",
     "mental_health"),
    ("how do i add my newborn to insurance? also she's been coughing for 3 days, should i take her to urgent care",
     "medical"),
    ("when does my access get cut on my last day? also honestly would it be smart to ask for severance even though "
     "i resigned", "termination"),
    ("how do i request leave for mental health stuff in deel, which category do i pick? real question, should i put "
     "down medical or say it's rehab?", "mental_health"),
    ("how do i add my partner to the dental plan? one more thing, should i claim her as a dependent on my taxes this "
     "year?", "financial"),
    ("where do i update my address in bamboo? on another note, should i move my 401k into bitcoin?", "financial"),
    ("where is the eap number? and do my nightly panic attacks mean i should be on medication?", "mental_health"),
    ("where's the link for the anonymous hotline? and are my lead's comments about my outfits bad enough to report?",
     "harassment"),
])
def test_advice_asked_after_a_process_question_in_the_same_message_goes_to_a_person(
        policy: RegulatedTopicPolicy, question: str, category: str) -> None:
    """The whole message reads mostly as its first, process half; the ask after "also" or "tbh", judged alone, is
    advice (`bot.policy.clauses`). Whether the whole message would clear the bar by itself moves with the pool (the
    dependent-on-my-taxes message crossed it by 0.013 at 24,262 labelled questions), so the later ask is checked
    on its own."""
    later = policy.classifier.second_ask(question)

    decision = policy.classify(question)

    assert later is not None and later.category == category
    assert decision is not None and decision.category == category
