"""Whether the runbooks mention the thing a "do we have X?" question asks about.

Retrieval always returns the nearest pages, so without a language model kb used to quote the
benefits page to "do we get pet insurance?" as if it answered. Such questions name the thing
they ask about, and whether a retrieved section mentions it is a matter of reading its words: a
section about insurance that never says "pet" does not answer. The check is deliberately narrow
(the question must have the shape, and every key word of the thing must be missing from every
retrieved section's text together) so that an answerable question is almost never turned away;
anything outside that shape is left to the relevance threshold as before.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable

from bot.answer.asks import TAG
from bot.answer.snippets import STOPWORDS, terms

_START = r"(?:^|(?<=[.!?;:\n])\s*|(?<=[^\w\s,'\"()-])\s*|(?<=,)\s+|(?<=\s-)\s+)(?:(?:hey|hi|hello|ok|so|also|quick q(?:uestion)?|q|btw)[,:!\s-]+)*"
_ORG = r"(?:company|team|org|organization|employer)"
"""Who "we" is when a question names it: "does the company…", "is our team doing…"."""
_COMPANY = r"(?:the |our )?" + _ORG
"""The company as a question names it, with its article or not: "the company", "our org", "team"."""
_WE = r"we|you|they|" + _COMPANY
"""Who has or does X, said of the company: "do *we*…", "do *you* (the bot's company)…", "does *the company*…"."""
_DOC_WORDS = "link|url|form|code|list|template|name|number|contact|email|address|formula|enrol+ment"
_DOC = f"(?:{_DOC_WORDS})"
"""Things sent in place of X ("the *link* to claim X", "the *name* of X"): X is what they lead to. "The policy / part
/ page about X" is not one: what follows names a topic in the asker's words ("people outside the company"), which the
runbooks word their own way."""
_PLACE = r"(?:spot|slot|seat|place|space|session|appointment)"
"""Places booked in X ("a *spot* at the flu shot clinic", "a *session* with the wellness coach")."""
_CARRIES = (r"(?:(?:the|a|an|our|that|those|any|some|this)\s+)?(?:(?:enrol+ment|sign-?up|request|booking|application"
            r"|claim|registration|download|invite|referral|official|right|correct|relevant|actual|exact|specific|direct"
            r"|internal|intake|reimbursement|expense)\s+)*"
            r"(?:" + _DOC + r"(?:\s+or\s+" + _DOC + r")?\s+(?:of|for|to|about|on|re|covering)"
            r"|" + _PLACE + r"\s+(?:at|in|on|for|with))\s+")
"""What a request asks to be sent before naming the thing: "the link *to* claim X", "the reimbursement form *for* X",
"a spot *at* X", "a session *with* X": X is what the link, form or place is for."""
_CARRIER = re.compile(r"^(?:" + _CARRIES + r"(?:the\s+)?)+"
                      r"(?:(?:claim|get|getting|request|requesting|book|booking|expense|expensing"
                      r"|enrol+(?:ing)?(?:\s+in)?|join|joining|apply(?:ing)?\s+for|order|ordering|buy|buying"
                      r"|set(?:ting)?\s+up|sign(?:ing)?\s+up\s+for"
                      r"|use|using|access|accessing|report|reporting|submit|submitting)\s+)?", re.IGNORECASE)
"""`_CARRIES` at the start of a requested X, with the verb after it ("the link to *claim*…"): X is what is left."""
_HANDLERS = r"tech ops|people ops|hr"
"""The teams that hand things out, named by themselves ("does *tech ops* do X?")."""
_TEAMS = _HANDLERS + "|" + _COMPANY
"""Who hands things out, named as the one asked ("can *tech ops* send me X", "*the company* gives X?")."""
_PAID_FOR = r"covered|reimbursable|expensable"
"""What a thing is when the company pays for it ("is X *covered*?", "laundry is *reimbursable*, i think?")."""
_SPAN = r"(?:days?|weeks?|wks?|hours?|hrs?|months?)"
"""How long, in "how many *days* of X do we get?": the unit counted, not the thing asked about (nor is it in "how
many days do i get…")."""
_SEEKING = r"(?:(?:i\s+)?(?:need|want)|(?:i'?m\s+|i am\s+)?looking for)\s+"
"""How a request says it is after something: "need…", "i want…", "looking for…"."""
_ADVERBS = "really|also|just|actually|totally|definitely|probably|honestly"
"""Words after "would" or "could" that start a statement, not a question about who has X ("would *really* help with
our daycare gap")."""
_EXISTS = re.compile(
    _START + r"(?:"
    r"(?:do|does|did|will|would|can|could)\s+(?P<who>we|i|you|they|employees|staff|people|folks|new hires|contractors"
    r"|(?:the |our |this )?" + _ORG + r"|(?!(?:i|we|my|your|his|her|their|its|" + _ADVERBS + r")\b)[a-z][\w&.-]*)"
    r"(?:\s+(?!to\b)\w+){0,2}?\s+(?P<verb>have|get|offer|provide|give out|give|cover|pay for|pay|reimburse|support"
    r"|help(?: out)? with|help pay for|chip in (?:for|on)|top up|arrange"
    r"|sponsor|subsidi[sz]e|run|host|include|match|hand out|send out|mail out|lend|loan|contribute to|allow|permit)"
    r"(?!\s+to\b)(?:\s+(?:us|me|employees|staff))?\s+(?P<a>[^?.!,;]+)"
    r"|(?:(?:is|are) there (?:going to|gonna) be|(?:will|would) there be|(?:is|are) there)\s+(?P<b>[^?.!,;]+)"
    r"|any\s+(?!chance\b)(?P<c>[^?.!,;]+?)\s*\?\s*$"
    r"|(?:do|does)\s+(?:" + _WE + r"|(?:the )?people team|" + _HANDLERS +
    r"|(?!(?:i|it|that|this|he|she|one|anyone|someone|everyone|people)\b)[a-z][\w&.-]*)"
    r"\s+(?:do|run|hold|throw|organi[sz]e|celebrate)\s+(?P<d>[^?.!,;]+)"
    r"|(?:are|is)\s+(?:" + _WE + r")"
    r"\s+(?:doing|running|hosting|having|holding|throwing|organi[sz]ing)\s+(?P<e>[^?.!,;]+)"
    r"|(?:any chance|wondering if|do you know if)\s+(?:that\s+)?(?:we|" + _COMPANY +
    r"|(?!(?:i|it|that|this|my|your|his|her|their|its|there|they)\b)[a-z][\w&.-]*)"
    r"\s+(?:have|has|offers?|gets?|pays? for|covers?|provides?|helps? with|reimburses?|subsidi[sz]es?|sponsors?"
    r"|matches)\s+(?P<f>[^?.!,;]+)"
    r"|(?:is|are)\s+(?P<i>(?:[\w/&'-]+\s+){0,4}?[\w/&'-]+)\s+(?:" + _PAID_FOR +
    r"|(?:something|one of the (?:things|benefits|perks))\s+(?:" + _WE + r")\s+(?:have|has|offers?|gets?)"
    r"|one of (?:our|the) (?:perks|benefits))\b"
    r"|(?:can|could|may)\s+(?:i|we)\s+(?:also\s+|still\s+|just\s+)?"
    r"(?:expense|claim|get reimbursed for|be reimbursed for)\s+(?P<j>[^?.!,;]+)"
    r"|(?:is\s+|are\s+)?(?P<g>(?:[\w/&'-]+\s+){0,3}[\w/&'-]+)\s+(?:even\s+|still\s+|actually\s+)?a thing\b"
    r"|(?:(?:pls|plz|please|can|could|would|will)\s+)?(?:(?:you|u|someone|somebody|anyone|anybody|" + _TEAMS + r")\s+)?"
    r"(?:(?:pls|plz|please|just)\s+)?(?:send|give|dm|share|forward|show|find|book|order|grab|ship|mail)\s+(?:me|us)"
    r"(?:\s+(?:over|into|onto))?\s+(?!(?:to|home|back|off|away|out|there|here)\b)(?P<k>[^?.!,;]+)"
    r"|(?:pls|plz|please)\s+send\s+over\s+(?P<q>[^?.!,;]+)"
    r"|(?:point|direct)\s+me\s+(?:to(?:wards)?|at)\s+(?P<l>[^?.!,;]+)"
    r"|(?:sign|put|add|enrol+|register|set)\s+(?:me|us|my name)\s+(?:up\s+|down\s+)?(?:for|to|in|on|into|with)"
    r"\s+(?P<m>[^?.!,;]+)"
    r"|" + _SEEKING + r"(?:whoever|someone who|somebody who"
    r"|the (?:person|people|team|folks) (?:who|that))\s+(?:does|do|runs|run|handles|handle|manages|owns|organi[sz]es"
    r"|looks after|deals with|is in charge of)\s+(?P<o>[^?.!,;]+)"
    r"|" + _SEEKING + r"(?P<n>" + _CARRIES + r"[^?.!,;]+)"
    r"|gimme\s+(?P<p>(?:the|a|an|our|some|any|that|those|one of those)\s+[^?.!,;]+)"
    r"|there(?:'s| is| are)\s+(?!(?:no|not)\b)(?P<s>[^?.!,;]+)\?"
    r"|(?:we|they|everyone|everybody|employees|staff|new hires|(?:the )?people team|" + _TEAMS
    + r"|(?!(?:i|go|it|that|this|he|she|my|your|his|her|their|its|there|they|what|who|which|how|where|when|why|one"
    r"|anyone|someone|everyone|somebody|anybody|everybody|nobody|people)\b)[a-z][\w&.-]*)"
    r"\s+(?:(?:also|all|each|still|usually|always)\s+)?(?:has|have|gives?|offers?|pays? for|pays?|covers?|provides?"
    r"|reimburses?(?: part of)?|subsidi[sz]es?|sponsors?|matches|gets?"
    r"|(?:ships?|mails?|sends?)(?: (?:you|us|everyone|me))?)"
    r"(?!\s+(?:to|been|got|gotten|had|paid)\b)\s+(?P<t>[^?.!,;]+)\?"
    r"|(?P<v>(?:[\w/&'-]+\s+){0,5}?[\w/&'-]+)\s+(?:is|are)\s+(?:also\s+)?(?:" + _PAID_FOR
    + r"|reimbursible|claimable|something (?:we|i|you) can (?:claim|expense|get reimbursed for)(?: back)?)"
    r"(?:\s+(?:on|for|when|if|during|while|in)\b[^?.!,;]*)?\s*\?"
    r"|i can (?:also\s+)?(?:expense|claim|get reimbursed for)\s+(?P<u>[^?.!,;]+)"
    r"|who(?:'?s|\s+is)?\s+(?:(?:actually|currently|usually)\s+)?(?:owns?|runs?|administers?|manages?|handles?"
    r"|organi[sz]es?|looks after|is in charge of|(?:the\s+)?admin(?:istrator)?\s+(?:on|of|for))\s+(?P<y>[^?.!,;]+)"
    r"|where\s+(?:do|can|should|would)\s+(?:i|we)\s+(?:go\s+to\s+)?(?:sign\s+up\s+for|enrol+\s+in|register\s+for"
    r"|apply\s+for)\s+(?P<z>[^?.!,;]+)"
    r"|(?:can|could|may)\s+(?:i|we)\s+(?:(?:also|still|just|even)\s+)?(?:sign\s+up\s+for|enrol+\s+in|register\s+for"
    r"|opt\s+in(?:to|\s+to|\s+for))\s+(?P<h>[^?.!,;]+)"
    r"|(?:how\s+(?:do|can|would|should|could)\s+(?:i|we)\s+(?:(?:actually|even|go about|best)\s+)?"
    r"|what(?:'?s|\s+is)\s+the\s+(?:process|procedure|steps?)\s+(?:to|for)\s+)"
    r"(?:(?:order|book|reserve|rent|buy|redeem)(?:ing)?|sign(?:ing)?\s+up\s+for|enrol+(?:ing)?\s+in"
    r"|register(?:ing)?\s+for)\s+(?P<r>[^?.!,;]+)"
    r"|how (?:many|much)\s+(?:(?:extra|paid)\s+)?(?:" + _SPAN + r"\s+(?:of\s+)?)?"
    r"(?!(?:do|does|did|will|would|can|could|is|are|" + _SPAN + r"|time|money)\b)"
    r"(?P<w>[^?.!,;]+?)\s+(?:do|does|will|would|can|could)\s+(?:we|i|you|employees|staff|people|new hires"
    r"|" + _COMPANY + r"|(?!(?:it|that|this|he|she|they)\b)[a-z][\w&.-]*)"
    r"\s+(?:(?:usually|normally|typically|actually)\s+)?(?:get|have|receive|cover|offer|give|provide|pay)\b(?!\s+to\b)"
    r"|(?:what(?:'?s| is| are)|how much (?:is|are))\s+(?:the|our)\s+(?:(?:monthly|yearly|annual|weekly|quarterly)\s+)?"
    r"(?P<x>(?:[\w/&'-]+\s+){0,3}?(?:stipend|allowance|budget|bonus(?:es)?|reimbursement|credits?|prize money"
    r"|subsidy|payout|per diem))\b"
    r")",
    re.IGNORECASE,
)
_DEFINED = re.compile(
    _START + r"(?:what\s+(?:does|do)\s+(?:the\s+)?(?:(?:term|word|acronym|abbreviation|phrase)\s+)?[\"“']?"
    r"(?P<A>[^?.!,;\"”]+?)[\"”']?\s+(?:(?:even|actually|really|exactly|usually|normally|typically|here)\s+)?"
    r"(?:mean|stand\s+for)\b(?!\s+by\b)"
    r"|(?:what(?:'?s|\s+is|\s+are)|wtf\s+is)\s+(?:an?\s+|the\s+)?"
    r"(?:(?-i:(?P<B>[A-Z][A-Z0-9&]{1,6}s?))(?=\s*[?,.!:]|\s*$)|[\"“](?P<C>[^\"”]{2,40})[\"”]))",
    re.IGNORECASE,
)
"""What a term means, asked of a term the asker met ("what does PTAL mean?", "what's a RACI?", "what's a \"duvet
day\"?"): runbooks that never say the term cannot say what it means, and quoting the nearest page would read as
if they did. Only a term marked as one: an acronym written in capitals, or quoted, after "what's"; any X before
"mean" or "stand for", but not one that means something *by* a word ("what do ppl mean by…": the word follows)."""
_BELIEF = re.compile(r"(^|[.!?;:\n]\s*|,\s+)(?:(?:so|ok|okay|just (?:confirming|checking|to confirm)"
                     r"|(?:i'?m )?pretty sure|i (?:assume|think|believe)|am i right (?:that|in thinking)"
                     r"|correct me if i'?m wrong(?:,? but)?)[,:\s-]+)+", re.IGNORECASE)
"""A belief put up to be confirmed ("pretty sure *we get* a gym stipend too, *right?*", "the company pays for X,
*correct?*", "laundry *is reimbursable, i think?*"): with its tag and lead-in taken off, it is the uninverted
"we get X?" (`bot.answer.asks.TAG` finds the tag, this the lead-in)."""
_BARE = re.compile(r"^\W*(?P<h>(?:[a-z0-9][\w/&'-]*\s+){1,3}(?:perks?|stipend|benefit|program|scheme|allowance"
                   r"|discounts?|club|membership|plan))\s*\?+\W*$", re.IGNORECASE)
"""A message that is only a name and a question mark ("costco membership perk?", "company book club?"): chat's
"do we have X?" when X is a kind of benefit or group. Other bare names ("pto policy?") ask about X, not whether it exists."""
_JOINERS = """for after at in on with if when as during like to from that which so because since or and before by
    through under while where here there without off they once""".split()
"""Words that join X to the rest of the question ("pet insurance *for* my dog"): X ends before one; "in lieu" is
one name with the word before it ("a day in lieu", "pay in lieu")."""
_LINK_WORDS = frozenset([*_JOINERS, "of", "about"])
_CUT = re.compile(r"\s+(?:" + "|".join([*(r"in(?!\s+lieu\b)" if word == "in" else word for word in _JOINERS),
                                        "anymore", "instead", "these days", "now", "still", "yet", "too", "as well",
                                        "somewhere", "anywhere",
                                        "right away", "straight away", "immediately",
                                        "(?:meant|made|designed|intended|tailored|built|specific|specifically)"
                                        " (?:for|to)",
                                        "pls", "please", "plz",
                                        "we", "i", "you", "over", "between",
                                        "(?:this|next|every) (?:year|month|week|quarter|season|fall"
                                        "|autumn|spring|summer|winter|time|cycle|round)",
                                        "the (?:(?:last|first|next|final|second|third) )?(?:week|weekend|month|quarter)s?",
                                        "the (?:last|first|next|final|second|third) days?"])
                  + r")\b.*$", re.IGNORECASE)
_INDEX_STOPWORDS = frozenset("""against between through during without within upon among across along around
    behind beyond toward towards onto into over under again further once also than very""".split())
"""Words the full-text index drops as stop words: looked up there they would seem never written."""
_HOW = frozenset("""fix fixes way ways workaround workarounds solution solutions trick tricks tip tips hack hacks
    route routes path paths avenue avenues fallback fallbacks""".split())
"""Vague words that still ask how when other words come first ("any *quick fix*?", "an *easy way*…"); "help" is not
one of them: "student loan repayment help" names a benefit."""
_VAGUE = _HOW | frozenset("""somewhere someone somebody anyone anybody anything anywhere something advice help idea
    ideas suggestion suggestions alternative alternatives recommendation recommendations guidance rule rules guideline
    guidelines convention conventions format whatever whichever human humans person persons reason reasons issue
    issues problem problems concern concerns downside downsides drawback drawbacks catch harm habit habits practice
    practices norm norms opinion opinions stance stances""".split())
"""Words that ask how, not whether a thing exists: "is there someone (an actual human) I can talk to", "is there a
way to…", "the record button is greyed out, any workaround?" name nothing to look for in the runbooks; nor do "is there
a rule of thumb for…", "any convention?" or "is there a set format?", which ask what the rule is, nor "any reason not to
click yes?" or "…any issue?", which ask whether doing something is a problem (57 sets replayed, session 42: with the
participle rule of `_DONE_TO_ABOUT`, four answerable questions no longer turned away, nothing else moved), nor "do
we have a *habit* for catching people up?", which asks what the practice is."""
_CUSTOMS = _HOW | frozenset("""format formats style styles place places slot slots convention conventions norm norms
    practice practices etiquette flow flows workflow workflows material materials resource resources reading""".split())
"""Last words of X that ask how or where a thing is done, whatever comes before them: "is there a *standard way*…",
"any *documented format* we could try?", "a *house style* for feedback?", "a *proper place* for that?" ask what the
custom is, which the runbooks state without naming it so. With `_DOERS` and `_QUALIFIERS` (59 sets replayed, session
43): nine answerable questions no longer turned away (eight of check set 48, which the rules were read from), one
more showing the fact, nothing else moved; "preferred" as a qualifier answered a "preferred moving company" the
runbooks never name, and was left out. "Any beginner *material*?", "a *resource* on…", "some *reading*…" ask for
what the runbooks say on a topic, not for a thing named so (session 46: one answerable question of 64 sets no longer
turned away, nothing else moved)."""
_DOERS = frozenset("people folks everyone everybody others teams".split())
"""Who does it, after a word of `_CUSTOMS` ("a standard way *people* do this", "a way *folks* show they saw it"): a
clause saying what the custom is for, not part of a name."""
_RELATIVE = frozenset(("that", "which", "who"))
"""After a filler noun ("stuff *that* happens…", "anything *which*…") these start a clause, not a name."""
_OWN = frozenset(("my", "mine"))
"""X that is the asker's own ("…pay for *my* spouse's visa", "…cover *my* physio") exists whatever the
runbooks say: the question is whether it is covered, which they may answer in other words ("family visas")."""
_OTHERS = frozenset(("their", "his", "her"))
"""X that is someone else's ("can hr give me *their* home address?"): a favour asked, not a thing the company has."""
_BACK = frozenset("it them this that these those".split())
"""X that points back at a thing named earlier ("global entry renewal is due, can i expense *it*?"): the thing is not
in the clause, so the clause says nothing of whether the runbooks name it."""
_POINTING = frozenset("this that these those".split())
"""Words of `_BACK` that also point at a thing named after them ("do we get *that* paid trip to see the new city?"):
the asker half remembers it, and the name follows."""
_WHEN_WORDS = frozenset("""time times day days week weeks weekend month months year years quarter season morning
    afternoon evening night fall autumn spring summer winter cycle round""".split())
"""Words after "this" or "that" that say when, not what ("do we have *this week* off?")."""
_DESCRIBING = frozenset("where that which who to for when everyone people you they".split())
"""Words that start what describes a thing half remembered, after its name ("that trip *to*…", "that thing
*where*…")."""
_PARTICLES = frozenset("in into out back away through off over ahead along around rid by there here".split())
"""Words after "get" or "have" that make a phrasal verb ("get in trouble", "get out of", "get back"), not
the start of a thing the runbooks would name."""
_NOT_NAMING = STOPWORDS | _PARTICLES | _WHEN_WORDS
"""Words that cannot be part of a name "that" points at ("that *money back*", "*this week*")."""
_AMOUNT = re.compile(r"(?:^|\s)(?:[$€£]\d|\d+(?:\.\d+)?\s*(?:%|(?:days?|wks?|weeks?|hrs?|hours?|mos?|months?"
                     r"|yrs?|years?)\b)|\d{1,2}k\b|zero\b)", re.IGNORECASE)
"""An amount in X: a sum ("$500", "25k", "3%") or a number of days, weeks, hours, months or years ("16 wks"):
"do i get a separate 16 wks for each one?" asks how much, and the runbooks say "16 weeks" in words of their
own. A name with a number in it ("401k", "13th month salary", "529 plan", "1password") is not an amount; "zero"
is one ("do i just get *zero* new options then?")."""
_DONE_TO = re.compile(r"^(?:\w{2,}[^e\W]ed|cut|paid|hurt|let go|laid(?: off)?|put|set|shut|told|sent|spent|held|kept|"
                      r"lost|left|caught|sold|hit|docked|frozen|taken|given|shown|seen)$", re.IGNORECASE)
""""Get" and a past participle alone ("get cut", "get reimbursed", "get laid off") is something done to the asker:
the question asks whether it happens, which the runbooks answer in words of their own. A participle before
a noun ("do we get paid holidays?") names a thing as usual."""
_DONE_TO_ABOUT = re.compile(r"^(?P<done>\S+)\s+(?:about|around|up|out|back|over|through|along|in|into|on|off|by|to"
                            r"|the|every|each|this|next|before|after|early|late|weekly|monthly|twice|once"
                            r"|company-wide|org-wide|everywhere|again|automatically|permanently)\b",
                            re.IGNORECASE)
"""A participle with a preposition after it ("does it get *talked about* around the company?") or a time ("do we get
*paid the* friday before?"): what is done, as with a participle alone; before a noun ("paid holidays") it names a
thing."""
_ADVERB = re.compile(r"[a-z]{2,}(?:ally|ously|fully|ively|ately|itely|ently|antly|ibly|ably|ily|essly|ingly|edly)",
                     re.IGNORECASE)
"""A word alone with an adverb's ending ("does it just run *indefinitely*?"): how something is done, no thing; a
name that ends in "ly" ("calendly") keeps its place. With "company-wide", "everywhere", "again" after a participle
(`_DONE_TO_ABOUT`: "can it get blocked company-wide?"): on 68 sets 2 answerable questions changed, both no longer
turned away; nothing else changed (session 48)."""
_ACT_ON_IT = re.compile(r"\w{3,}ing\s+(?:it|that|this|them|those|these)\b", re.IGNORECASE)
"""X that is an act on a thing named before ("who owns *getting it* over the line while she's out?"): with "any *bar*
on who can…", "a *restriction*" and "a *prerequisite*" read as rule nouns, two answerable questions of check set 50
no longer turned away; nothing else of 63 sets changed (session 45)."""
_AGAIN = re.compile(r"(?:another|one more|a second|a further|second)\s+(?:round|one|go|time|batch|chance|try|shot|cycle)",
                    re.IGNORECASE)
"""X that asks for a thing named before once more ("used the moving money last year, is there *another round*?"): the
thing is the one named before, which the runbooks may well give. With a time after "get paid" and "how many X do i
get *to*…" (leave to choose, not X given), three answerable questions of check set 52, which they were read from, were
no longer turned away; nothing else of 62 sets changed (session 45)."""
_HELP_WITH = re.compile(r"^(?:(?:any|some|kind|sort|of|a|an|the|financial|company|extra)\s+)*"
                        r"(?:help|support|assistance)\s+(?:(?:with|for|towards?)\s+|(?=\w{3,}ing\s))(?P<x>\S.*)$",
                        re.IGNORECASE)
"""Help named as X ("does sourcegraph offer any *help with* student loan repayment?", "any *support for* spouses
looking for a job?"): what the help is with is the thing asked about."""
_LIKE = re.compile(r"^(?:(?:some|any)thing|(?:a|an|some|any)\s+(?:tool|app|service|program|platform))\s+"
                   r"(?:like|similar to|along the lines of)\s+(?P<x>\S.*)$", re.IGNORECASE)
"""A thing named by its likeness ("do we have *something like* pandadoc for proposals?"): what it is like names it."""
_LIKE_THAT = re.compile(r"\b(?:(?:do|does|did|would|will)\s+(?:" + _WE
                        + r"|(?!(?:i|it|that|this|he|she|my|your|his|her|their|its)\b)[a-z][\w&.-]*)\s+"
                        r"(?:have|do|offer|get|give)\s+|(?:is|are)\s+there\s+)(?:any|some)thing\s+(?:like|similar to)"
                        r"\s+(?:that|this|it)\b[^.?!]*\?\s*$", re.IGNORECASE)
_SEEN_ELSEWHERE = re.compile(
    r"\b(?:(?:some|other|many|a lot of|lots of|most)\s+(?:\w+\s+)?(?:companies|employers|startups|places|orgs)"
    r"|my\s+(?:old|last|previous|former|prior)\s+(?:company|employer|job|workplace|place|team)"
    r"|(?:friends|people)\s+at\s+other\s+companies\s+say\s+their\s+employers?)"
    r"(?:\s+[\w,'-]+){0,3}?\s+(?:do|did|give|gave|had|have|offer|offered|provide|provided|mail|run|ran|hand out"
    r"|handed out|pay for|paid for|would)\s+(?:everyone\s+|employees\s+|us\s+|staff\s+)?(?P<x>[^.?!;]+)",
    re.IGNORECASE)
"""A thing seen at other companies and asked after as "do we have anything like that?": the message names it where
it tells what other places do ("heard some companies do *summer fridays*", "my previous employer had *menstrual leave
days*"), and the question points back at it. On 66 sets X changed for 4 questions, all unanswerable, 3 of them now said
"not found"; no answerable question changed (session 47)."""
_GET_SOMEONE_TO = re.compile(r"(?:someone|somebody|anyone|anybody|support|them|him|her|it|my manager|my lead"
                             r"|(?:the |my |our )?(?:" + _TEAMS + r"|manager|lead|admin|recruiter|team))\s+to\s+\w"
                             r"|(?:the |my |our |an? )?[a-z]+\s+to\s+(?:add|approve|cover|pay|send|sign|review|look"
                             r"|check|call|chase|bump|waive|refund|reimburse|include|extend|move|fix|change|update"
                             r"|help|email|ping|contact|reach|drop|remove|cancel|reissue|replace|resend)\b",
                             re.IGNORECASE)
"""Who "get" asks to act ("can i get *support to* bump it?", "can we get *it to* approve it"): an action, not a thing.
On 66 sets it changed X for one question, answerable and no longer turned away (session 47). Anyone asked to do one
of the usual favours ("can people ops get *the insurer to add* it?"): on 68 sets 2 answerable questions changed, 1 no
longer turned away; no unanswerable question changed (session 48)."""
_REQUESTED = frozenset("klmnopqr")
"""The shapes of a request ("pls send me X", "point me to X", "sign me up for X", "need the X", "looking for whoever
runs X", "how do i order X"): chat asks for a thing as often as it asks whether there is one, and a thing the
runbooks never name is as absent either way."""
_CARRIED = re.compile(r"(?:\s+(?:" + _DOC_WORDS + r"|details|info|information|policy|rules|process|page|doc|docs|steps"
                      r"|guide))+$", re.IGNORECASE)
"""The same words after the thing ("the pawternity leave *details*", "the lasik discount *code*"): X is what they
are of."""
_WH = re.compile(r"\b(?:how|what|when|where|which|who|whom|why)\b", re.IGNORECASE)
_HAVE = frozenset(("have", "get"))
"""The verbs of "do I have / get X?", which ask whether X exists for the asker. Asked by "I", the others ask
leave to do something ("can i run ubuntu…", "can i include my partner…"), not whether the runbooks name X."""
_RULE_NOUNS = frozenset("""threshold thresholds requirement requirements condition conditions step steps setting
    settings spec specs specification specifications floor floors warning warnings bar bars restriction restrictions
    prerequisite prerequisites paperwork""".split())
""""Is there a *threshold* where…", "a tenure *requirement*", "any *specs* for the video?", "a *step* for recording
it?": the question asks what the rule is, which the runbooks state without naming it so. On 51 sets, read as asking
for a thing, such nouns first or last in X turned away 11 answerable questions for 1 unanswerable one said so
(session 39). "Any *paperwork* they need before we merge?" asks for the steps too (session 46: one answerable question
of 64 sets no longer turned away, nothing else moved)."""
_MEASURES = frozenset("""cap caps limit limits max maximum minimum min deadline deadlines cutoff cut-off ceiling amount
    amounts enough window timeframe timeframes length lengths ratio ratios proportion proportions percentage
    percentages""".split()) | _RULE_NOUNS
""""Is there a cap on the stipend?" asks how much, not whether a thing exists: the runbooks may give
the amount without ever saying "cap", so the question is left to retrieval; so does "do i have *enough* tenure?", and
"is there a *window* for that?", which asks when (59 sets replayed, session 43: with "flow" among `_CUSTOMS` and
"zero" as an amount, three answerable questions no longer turned away, nothing else moved). A ratio, proportion
or percentage asks how much too (session 49). A measure last in X is kept ("a storage *limit*"): read as naming
nothing, it cost five unanswerable questions of 68 sets their "not found" for one answerable one answered."""
_ASSENT = frozenset("approval approvals sign-off sign-offs signoff signoffs permission go-ahead".split()) | _RULE_NOUNS
""""Is there an extra *sign-off* for three weeks off?" asks whether a step is needed and who takes it, which the runbooks
answer in words of their own ("approval from your Manager"), not whether a thing exists; so does X ending in a rule's
noun ("an earnings *floor*", "a setup *condition*")."""
_STATES = frozenset("wrong right wrongly done fixed sorted".split())
""""Did tech ops get the order *wrong*?": "get" with a state after its object says what was done to it, not that X
is to be had."""
GENERIC = frozenset(
    """any some kind kinds sort sorts type types form thing things stuff way ways option options program programs
    policy policies plan plans benefit benefits perk perks company team org employee employees staff people folks
    us me our we available actual actually official officially something anything support process service
    services setup set one ones lot extra free special particular similar such sorta kinda a an the always usually ever
    normally typically generally""".split()
)


_PARTS = frozenset("bit bits section sections piece line lines paragraph page pages doc docs".split())
"""A part of the runbooks named in place of X ("send me *the bit* about reconstruction", "is there *a section* on
travel?"): what follows is a topic in the asker's words, which the runbooks word their own way. Not "part", which is
as often a share of X ("can i get part of my salary paid in bitcoin?")."""


_FAVOURS = frozenset("sec second minute min moment hand break chance call ring shout ping heads clue hint".split())
"""What "give me / send me a …" asks of a person, not of the runbooks ("give me a sec", "send me a ping")."""


_IDIOMS = frozenset(("say", "hook"))
"""Nouns of idioms that name no thing: "do i get *a say* in…", "does that get him *off the hook*?"."""
_POSSESSIVES = frozenset("mine yours ours theirs hers".split())
"""Pronouns that stand for a thing named before ("can i get just *mine* into google calendar?")."""
_BESIDES = frozenset(("besides", "except"))
"""An alternative asked for ("any option *besides* picking an item?"): what follows is what the asker does not want."""
_FILLER = frozenset("already even also really currently exactly".split())
"""Adverbs that say how the asker expects X to stand, not which X ("is there *already* some regular thing…"): skipped
before X and never a word the runbooks must say."""
_NAMING_NOTHING = _VAGUE | _MEASURES | _PARTS | _FAVOURS | _IDIOMS | _POSSESSIVES | _BESIDES
"""First words of X, past stop words and filler, that say no thing is named (see `_OPENINGS`)."""
_OPENINGS = (
    (frozenset(), _PARTICLES | _OWN | _OTHERS | _BACK),
    (STOPWORDS, _PARTICLES | _NAMING_NOTHING),
    (GENERIC | STOPWORDS | _LINK_WORDS | _FILLER, _NAMING_NOTHING),
)
"""How the words after "is there" or "do we get" are read, in turn: the words skipped, then the first word
that says no thing is named. As written, a particle ("will i get *in* trouble", "can i get *out of*
on-call") or the asker's own ("…pay for *my* spouse's visa": whether it is covered); past stop words, a
particle after a pronoun ("can i still get those *back*?"), a vague word ("is there *someone* I can talk
to", "a *way* to…") or a measure ("is there a *cap*…"); past filler too, the last two again ("is there like
a *minimum* amount…", "any kind of *way* to…")."""


def _skips(words: list[str], skipped: frozenset[str]) -> bool:
    """Whether the first of `words` is passed over on the way to X: one of `skipped`, unless it is a vague word
    met among them ("is there *anyone* on the team…" still names nothing) or the "all" of "an *all hands*"."""
    word = words[0].lower()
    if word not in skipped or word in _VAGUE:
        return False
    return not (word == "all" and len(words) > 1 and words[1].lower().startswith("hand"))


_NOT_A_NAME = _LINK_WORDS | STOPWORDS
"""Words after a part of the runbooks that leave it naming the part ("a section *on* travel", "the docs *for* it")."""


def _compound(words: list[str]) -> bool:
    """Whether the first of `words`, a part of the runbooks, names what kind of thing the next word is ("a *docs*
    linter", "a *page* builder"), not the part where a topic is written up ("a *section* on travel", "the *docs*")."""
    return words[0].lower() in _PARTS and len(words) > 1 and words[1].lower().isalpha() \
        and words[1].lower() not in _NOT_A_NAME


def _pointed_at(words: list[str]) -> int:
    """Where the description starts when the first of `words` points at the thing named next, which the words after
    it describe ("*that* paid trip *to* see the new city", "*those* classes *everyone* mentions", "*that* thing
    *where*…"); 0 when it points back at one named before ("can i get *that* money back?", "is *that* even covered?",
    "can sourcegraph support *that* extension or…")."""
    if words[0].lower() not in _POINTING:
        return 0
    for end in range(2, min(len(words), 5)):  # the name: one to three words, each checked once
        named = words[end - 1].lower()
        if not named.isalpha() or named in _NOT_NAMING:
            return 0
        if words[end].lower() in _DESCRIBING:
            return end
    return 0


def _shape(text: str) -> re.Match[str] | None:
    """The first of the shapes that name a thing which question `text` (whitespace collapsed) matches, or None."""
    match = _EXISTS.search(text) or _BARE.search(text) or _DEFINED.search(text)
    if match is None and TAG.search(text):  # "we get X too, right?": the statement without its tag
        match = _EXISTS.search(_BELIEF.sub(r"\1", TAG.sub("?", text)))
    return match


def asks_meaning(question: str) -> bool:
    """Whether the question asks what a term means (`_DEFINED`) rather than whether there is a thing: a "not found"
    says it cannot tell what the term means, not whether the company has it."""
    text = " ".join(question.split())
    shape = _shape(text)
    return shape is not None and shape.re is _DEFINED and asked_thing(text) is not None  # "what does that mean?"


def asked_thing(question: str, *, judged: bool = False) -> str | None:
    """The X of "do we have X?", "is there an X?", "does the company offer X?", "can I expense X?", and chat's ways
    of asking it ("do we do a secret santa?", "summer fridays a thing?", "any chance we have an espp?", "costco
    membership perk?", "is X one of our perks?", "does the company contribute to X?", "does tech ops hand out X?", a
    thing half remembered: "do we get *that* paid trip to see the new city?", and uninverted: "sourcegraph has a gym
    membership?", "there is a secondment program?", or put up to be confirmed: "we get X too, right?"; or asked how
    much of it there is: "how many days of X do we get?", "what's the monthly X stipend?", or who owns it or where one
    joins it: "who administers the group RRSP?", "where do i sign up for commuter benefits?"), and the X
    of a request for it ("pls send me the military leave policy", "can tech ops send me X", "dm me the lasik
    discount code", "sign me up for the bystander workshop", "looking for whoever runs the loan program"); None for
    other shapes. A request names its X less often than it names what it needs ("need a sitter while I'm at the
    offsite": the runbooks meet it as "dependent care"), so "need" and "looking for" count only with a thing sent in
    its place ("need the enrollment link for X"); with them alone, the 38 development sets turned away 12 answerable
    questions for no unanswerable one said so (README, session 34).

    With `judged`, the words the runbooks must say for X to be there, when they differ from the name: what one would
    expense is judged by its last word alone ("a windows gaming laptop": the runbooks say whether *laptops* are
    expensed, and name kinds, not models). Judged whole, such Xs turned away 7 answerable questions for 8
    unanswerable ones said so ("gaming", "a couple beers"); by the last word, none for 9, with "beers" read as the
    runbooks' "alcoholic beverages" (`bot.answer.chat_terms`; README, session 33). Who owns X and where to sign up for
    it changed X for 11 questions of 47 sets: 3 more unanswerable said so, no answer turned away (session 38).

    How to order, book, reserve, rent, buy, redeem, sign up, enrol or register for X ("how do i book the company ski
    cabin?", "what's the process to order business cards?") takes X for granted too; on 51 sets it changed X for 15
    questions: 6 more unanswerable said so, none answerable turned away. How to get, request, set up or add X did
    not carry over: 10 more for 24 answerable turned away ("how do i get recording rights?", "…add captions…"):
    what one gets or sets up is worded the asker's way. Whether the company helps with, chips in for, tops up or
    arranges X ("does sg help with student loan repayments?") changed X for 5 questions: 2 more unanswerable said
    so, none answerable turned away (session 39). What a term means ("what does PTAL mean?", "what's a RACI?",
    `_DEFINED`) changed X for 28 questions of 53 sets: 5 more unanswerable said so, none answerable turned away
    (session 40). Pay, paid time, money, a stipend, allowance, discount, bonus or reimbursement *for* something keeps
    what it is for ("any extra pay for night hours?": pay alone is named on hundreds of pages), and an expensed fee,
    bill or charge is judged with the word before it ("the overdraft fee"): on 55 sets X changed for 20 questions,
    10 more unanswerable said so and 1 fewer, none answerable turned away or its quote changed (session 41). Access,
    a subscription, membership or licence *to* something keeps what it is to ("free access to turbotax"), and "can i
    sign up for X?" takes X for granted as "where do i sign up for X?" does: on 62 sets X changed for 5 questions, 4
    more unanswerable said so, none answerable turned away ("…the 401k right away": what comes after X is cut)
    (session 45). A thing named by its likeness (`_LIKE`: "something like pandadoc") and a practice asked as allowed
    ("do we *allow* X?", "permit" among the verbs): on 66 sets X changed for 4 questions, all unanswerable and now said
    so, no answerable question changed (session 47). A route, path, avenue or fallback asks how, an opinion or stance
    what a guide says, a length how much, "one on our list" one of a thing named before, "besides X" for another thing,
    and what a thing is meant, made or designed *for* is cut off: on 67 sets X changed for 8 questions, all
    answerable, 7 no longer turned away and the eighth still answered; no unanswerable question changed (session
    48). A part of the runbooks that names what kind of thing comes next ("a *docs* linter") no longer reads as
    naming none: one unanswerable question more said so (session 48). "Will there be X?" asks as "is there X?" does,
    "does tech ops do X?" as "does the company do X?", and "do we do anything *for* X?" asks about X; where it is ("a
    directory *somewhere*"), how the asker expects it to stand ("*already* some regular thing", "*exactly* that") and
    what holds it ("a *package of* accommodations") are not X: on 68 sets X changed for 17 questions, 5 answerable no
    longer turned away, 3 more unanswerable said so and one fewer (its "test devices" are named) (session 49)."""
    text = " ".join(question.split())
    seen = _SEEN_ELSEWHERE.search(text) if _LIKE_THAT.search(text) else None
    if seen is not None:  # "my last job had X. do we have anything like that?": X, named where it was seen
        return asked_thing(f"do we have {seen.group('x')}?", judged=judged)
    match = _shape(text)
    if match is None:
        return None
    found = match.groupdict()
    verb = (found.get("verb") or "").lower()
    if (found.get("who") or "").lower() == "i" and verb not in _HAVE:
        return None  # "can i run ubuntu…", "can i include my partner…": asks leave to act, not whether X exists
    # X is whichever one-letter group matched: each shape of the question captures it under its own letter.
    letter, asked = next((name, value) for name, value in found.items() if len(name) == 1 and value)
    occasion = _ANYTHING_FOR.match(asked) if letter in "de" else None
    if occasion:  # "does the company do anything for flu shots?": what it is done for names the thing
        asked = asked[occasion.end():]
    if verb == "get" and _GET_SOMEONE_TO.match(asked):
        return None  # "can i get support to bump it?": someone asked to act, no thing to have
    if _SAME_AS.search(asked):
        return None  # "do interns get the same perks as full-time people?": X is taken as had, the asker's share asked
    if letter in _REQUESTED:
        asked = _CARRIED.sub("", _CUT.sub("", _CARRIER.sub("", asked.strip())))
    words = asked.strip(" '\"").split()
    if words and (_WH.fullmatch(words[0]) or words[0].lower() in ("whether", "if")):
        return None  # "point me to where…", "send me what to tell her": a question of its own, not a thing
    if len(words) > 1 and words[0].lower() in ("one", "ones") and words[1].lower() in _JOINERS:
        return None  # "is there one on our recommended list?": one of a thing named before, not a thing named here
    helped = _HELP_WITH.match(" ".join(words))
    if helped:  # "any help with student loan repayment?": the help is vague, what it is with names the thing
        words = helped.group("x").split()
    liked = _LIKE.match(" ".join(words))
    if liked:
        words = liked.group("x").split()
    before = ""
    for skipped, naming_nothing in _OPENINGS:
        while words and _skips(words, skipped):
            word = words.pop(0).lower()
            if word in _RELATIVE and before in GENERIC:
                return None  # "does the policy cover stuff *that* happens at the bar": what follows is a clause
            before = word
        described = _pointed_at(words) if words else 0
        if described:  # "that paid trip to see the city": the name, without what describes it
            words = words[:described]
        elif not words or (words[0].lower() in naming_nothing and not _compound(words)):
            return None
    for_what = _FOR_WHAT.match(" ".join(words))
    if for_what:  # "any extra pay for night hours?": pay alone names nothing, what it is for does
        thing = f"{for_what.group('x')} {_CUT.sub('', for_what.group('y'))}".strip(" '\"")
    else:
        said = _HOLDING.sub("", " ".join(words))  # "a standard package of accommodations": the accommodations
        if _AND_ANOTHER.search(said):
            return None  # "do they get a login and the new hire packet?": two things, neither judged alone
        thing = _CUT.sub("", said).strip(" '\"")
    if _AGAIN.fullmatch(thing) or _ACT_ON_IT.match(thing):
        return None  # "is there another round?", "who owns getting it over the line?": the thing named before
    done = _DONE_TO_ABOUT.match(thing)
    if verb == "get" and (_DONE_TO.match(thing) or (done and _DONE_TO.match(done.group("done")))):
        return None  # "could my salary get cut?", "does it get talked about…?": done to the asker (or it), not a thing
    if _ADVERB.fullmatch(thing):
        return None  # "does it just run indefinitely?": how it runs, no thing
    if _WH.search(thing):
        return None  # "any expenses older than how many days need approval?": a question of its own about X
    if _AMOUNT.search(thing):
        return None  # "do i get a separate 16 wks…", "a fresh 25k": how much, which the runbooks may word otherwise
    said = thing.lower().split()
    if (said and said[-1] in _ASSENT) or (verb in _HAVE and len(said) > 1 and said[-1] in _STATES):
        return None  # "an extra sign-off for…": whether a step is needed; "get the order wrong?": what was done to X
    if said and (said[-1] in _CUSTOMS or _MEASURES.intersection(said[:-1])
                 or any(word in _CUSTOMS and after in _DOERS for word, after in zip(said, said[1:]))):
        return None  # "any quick fix…", "a standard way people do this": how; "a recommended minimum…": how much
    if judged and (found.get("j") or found.get("u")):  # "can I expense X?", "i can expense X?"
        last = thing.split()[-2:]
        # A fee, bill or charge is judged by what it is for: the runbooks name fees everywhere ("the overdraft fee").
        priced = len(last) == 2 and last[-1].lower() in _CHARGES and last[0].lower() not in _WHOLE
        thing = " ".join(last if priced else last[-1:])
    return thing or None


_SAME_AS = re.compile(r"^(?:the\s+)?same\b|^(?:an?\s+)?fresh\b"
                      r"|\blike\s+(?:a\s+|an\s+|the\s+|other\s+|our\s+|any\s+)?(?:everyone|everybody"
                      r"|full[- ]?time(?:rs?)?|employees|staff|normal|regular|usual|other|others|rest|new hires?"
                      r"|permanent|salaried)\b", re.IGNORECASE)
"""X asked for as others have it ("the *same* perks *as* full-time people", "a laptop *like full-timers* do") or
again ("a *fresh* grant at the new level"): the question takes X as had and asks whether it reaches the asker, which
the runbooks answer in other words. On 68 sets it changed 12 answerable questions, 5 no longer turned away (the rest
answered before and after), and one unanswerable question that was answered before and after (session 48)."""


_ANYTHING_FOR = re.compile(r"\s*(?:anything|something)\s+(?:special\s+)?(?:for|about|around|on)\s+(?=\w)",
                           re.IGNORECASE)
"""What "do we do anything / are we doing something *for*…" is done for: the thing asked about ("…for pride month")."""
_HOLDING = re.compile(r"\b(?:package|bundle|range|menu|selection|collection|suite)\s+of\s+(?=\w)", re.IGNORECASE)
"""Nouns that hold what follows "of" ("a standard *package of* accommodations", "a *menu of* options"): the runbooks
name what is held, seldom the holder."""
_AND_ANOTHER = re.compile(r"^\S+(?:\s+\S+){0,3}?\s+and\s+(?:the|a|an|our|some|any|their|my)\s+\w", re.IGNORECASE)
"""X and a second thing after it ("do they get a login *and the* new hire packet?"): either may be what the runbooks
name, so neither alone is judged absent. On 68 sets it changed 4 answerable questions, 1 no longer turned away (the
others were answered before and after); no unanswerable question changed (session 48)."""


_FOR_WHAT = re.compile(r"(?P<x>(?:paid (?:time|days?|hours?)|pay|money|stipend|allowance|bonus|reimbursement)s?\s+for"
                       r"|discounts?\s+(?:for|on)|days?\s+off\s+(?:for|on)|access\s+to|subscriptions?\s+(?:to|for)"
                       r"|memberships?\s+(?:to|at|for|with)|licen[cs]es?\s+(?:for|to))\s+"
                       r"(?!(?:it|that|this|them|those|these|me|us)\b)(?P<y>\w.*)", re.IGNORECASE)
"""Money or time that names nothing until what it is for: "extra pay *for night hours*", "a stipend *for a home
security system*", "a discount *on antivirus*", "paid days *for volunteering*", "a day off *on the founding
anniversary*"; X keeps what it is for, up to the next joining word. A discount *on* something (57 sets replayed,
session 42): two unanswerable questions more said so, nothing else moved; paid days and a day off *for* or *on*
something, with habits, practices and norms as vague words and "mine" standing for a thing named before (58 sets):
two answerable questions no longer turned away and one more unanswerable said so, all of check set 47, which the
rules were read from. Access, a subscription, a membership or a licence *to* something (session 45) likewise."""
_CHARGES = frozenset("fee fees charge charges bill bills fine fines".split())
"""Last words of an expensed X that say only that it costs money: X is judged by the word before as well."""
_WHOLE = frozenset("whole full entire total".split())
"""Words before a fee that say how much of it, not what it is for ("the whole bill")."""


_QUALIFIERS = frozenset("""usual normal standard proper typical existing documented established recommended
    default outside external formal informal dedicated regular structured""".split())
"""Words that say how settled or whose a thing is, not which ("an *outside* firm", "a *usual* handover", "any
*structured* training"): the runbooks name the firm, the handover or the training without them."""
_NOT_KEY = GENERIC | STOPWORDS | _INDEX_STOPWORDS | _QUALIFIERS | _FILLER
"""Words of X that `key_terms` drops."""


def key_terms(thing: str) -> list[str]:
    """The words of `thing` that a section must mention to be about it, as written (generic words and
    `_QUALIFIERS` dropped): the full-text index stems them its own way, so they are looked up unstemmed."""
    words = re.findall(r"[a-z0-9]+", thing.lower())
    return [word for word in words if word not in _NOT_KEY and len(word) > 1]


_NUMBER_IN_WORD = re.compile(r"(?<=[a-z])\d+|\d+(?=[a-z])")


def spellings(term: str) -> list[str]:
    """`term` and, for a word of letters and digits ("401k", "w2"), its number: runbooks write "401(k)"
    and "W-2", which the index and `terms` split apart, and a miss here would turn an answer away."""
    return [term, *_NUMBER_IN_WORD.findall(term)]


def mentioned(term: str, words: set[str]) -> bool:
    """Whether `term` (stemmed) is among `words` (stemmed), allowing a shared stem ("counsel" for
    "counselor", "reimburs" for "reimbursement"): a miss here would turn an answer away."""
    if any(spelling in words for spelling in spellings(term)):
        return True
    if term.rstrip("s") in {word.rstrip("s") for word in words}:
        return True
    stem = term[:6]
    return len(term) >= 6 and any(word.startswith(stem) for word in words)


_DEVICES = "laptop laptops machine machines computer computers device devices pc pcs box"
_DEVICE_TERMS = frozenset(terms(_DEVICES))
"""Last words that say what kind of device X is when a word before says which ("a *windows* laptop", "a *linux*
machine"): the runbooks name the system ("What if I have a business need for Windows or Linux"), not the box."""


_RENEWED = frozenset(terms("new replacement spare second extra backup loaner another additional"))
"""Words before a device that say which one the asker wants, not what kind ("order a *replacement* laptop"): the
runbooks say how laptops are replaced in words of their own ("refresh")."""


_SAME_HEAD = {"leave": re.compile(r"\b(?:time|days?) off\b|\bpto\b|\babsences?\b", re.IGNORECASE)}
"""Head words the runbooks say in words of their own: "is there bereavement leave?" is met by the section that lists
bereavement among the reasons to take *time off*. On 62 sets, 4 answerable questions were no longer turned away (2
more showing the fact); the unanswerable kinds of leave (military, wedding, donor, grandparent…) stayed "not found"
(session 45)."""


def unmentioned(thing: str, texts: Iterable[str]) -> bool:
    """Whether no text is about `thing`: none mentions its head word (the last: "insurance" in "pet
    insurance", but not a device's kind: "windows" in "windows laptop") together with at least half of its
    other key words ("pet"). Half, not all, so a modifier the runbooks word differently ("full meal
    allowance") does not turn an answer away."""
    wanted = terms(" ".join(key_terms(thing)))
    if len(wanted) >= 2 and wanted[-1] in _DEVICE_TERMS:
        # "a windows laptop": the section says "Windows", the box is what kind; "a replacement laptop" is a laptop
        wanted = wanted[-1:] if set(wanted[:-1]) <= _RENEWED else wanted[:-1]
    if not wanted:
        return False
    head, others = wanted[-1], wanted[:-1]
    needed = len([term for term in others if term not in _COMPARATIVES])  # counted when written, not asked for
    for text in texts:
        words = set(terms(text))
        met = mentioned(head, words) or (head in _SAME_HEAD and _SAME_HEAD[head].search(text) is not None)
        if met and 2 * sum(mentioned(term, words) for term in others) >= needed:
            return False
        if named(thing, text):
            return False
    return True


DISTINCTIVE = 30
"""A word fewer chunks than this hold names something particular ("volunteer", "adobe", "softball"); one that
more hold ("paid", "days", "license") is met on many pages about other things. On the Sourcegraph handbook
(11,038 chunks) 10, 30 and 200 said "not found" to 5, 6 and 4 more unanswerable questions of 305 and turned
away no answerable one of 1,588 (README, session 22)."""


def alternatives(thing: str) -> list[str]:
    """The things a "do we have X?" offers in turn ("a laundry / dry cleaning perk", "a softball team or
    sports league", "work permit / visa stuff"): any one of them in the runbooks answers the question."""
    return [part for part in re.split(r"\s*/\s*|\s+or\s+|\s*,\s*", thing) if part.strip()]


_COMPARATIVES = frozenset("shorter longer bigger smaller larger cheaper faster quicker slower newer older nicer "
                          "fancier lighter heavier higher lower easier".split())
"""Words that say how X should differ from what the asker has, not which thing X is: "a shorter email address"
is the email alias the runbooks offer, which they never call short ("not found" to an answerable question of the
development sets; no other question whose X holds one changed, README session 30). `unmentioned` leaves them out
of the words that must meet the head too: "can i get a shorter address?" is met by the section on an alternative
email address (3 answerable questions of 62 sets no longer turned away, none else changed; session 45)."""


def distinctive_unmentioned(thing: str, texts: Iterable[str], chunks_with: Callable[[str], int]) -> bool:
    """Whether no text names a particular word of `thing` (one fewer than `DISTINCTIVE` chunks hold:
    `chunks_with` counts them), for a thing of two words or more, in each of its alternatives.

    "Paid volunteer days" is not met by the time-off section that says "paid" and "days" (which `unmentioned`
    allows: the head word and half the rest) but never "volunteer". Any particular word is enough to meet X,
    not the rarest alone: in "a shorter email alias" the page says "alias" but not "shorter", a modifier the
    runbooks word otherwise. A thing whose words are all common says nothing particular and is left to
    `unmentioned`."""
    if len(telling_terms(thing)) < 2:
        return False
    said = [set(terms(text)) for text in texts]
    for alternative in alternatives(thing):
        particular = [terms(word) for word in telling_terms(alternative) if word not in _COMPARATIVES
                      and max(chunks_with(spelling) for spelling in spellings(word)) < DISTINCTIVE]
        if not particular or not all(particular):
            return False
        if any(mentioned(stems[0], found) for stems in particular for found in said):
            return False
    return True


_KINDS = frozenset("insurance cover coverage plan plans program programs scheme".split())
"""Last words that name what kind of thing X is, not which: "short-term disability insurance" is named by
the section that says "short term disability" (and that it is not offered) though it never says "insurance"."""
_KIND_STEMS = frozenset(kind.rstrip("s") for kind in _KINDS)


def telling_terms(thing: str) -> list[str]:
    """`key_terms` without a last word that only says what kind of thing X is, when two or more words say
    which: an index that never says "insurance" can still hold "short term disability" (`named`)."""
    terms_ = key_terms(thing)
    return terms_[:-1] if len(terms_) >= 3 and terms_[-1] in _KINDS else terms_


def named(thing: str, text: str) -> bool:
    """Whether `text` names `thing` word for word, in order (plurals aside; a kind word at its end may be
    missing), when that is two words or more: a phrase, unlike a single word, is not met by chance on a
    long page ("long term care" is not in "long term disability", nor "cycle to work" in "the cycle, work")."""
    wanted = _stems(thing)
    if wanted and wanted[-1] in _KIND_STEMS:
        wanted = wanted[:-1]
    if len(wanted) < 2:
        return False
    said = _stems(text)
    width = len(wanted)
    return any(said[start:start + width] == wanted for start in range(len(said) - width + 1))


def _stems(text: str) -> list[str]:
    """`text`'s words in order, lower case, a plural's "s" dropped: what `named` compares."""
    return [word.rstrip("s") for word in re.findall(r"[a-z0-9]+", text.lower())]
