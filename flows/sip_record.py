"""Recording a SIP established at a meeting: the questions the handbook says must be answered.

Were the units whose efforts are coordinated there with a mandate (and if not, which were
missing), who is the main responsible person (huvudansvarig), when is the plan followed up,
and what happens if something stops (the plan for interruptions). The text for the regional
SIP system is made from these answers only, so the staff member reviews them before saving.
"""

from __future__ import annotations

from bot.platform.i18n import N_
from flows.model import AnswerKind, Answers, Flow, Option, Step

NAME = "sip_record"
MANDATE = "mandate"
MISSING = "missing"
MAIN = "main"
DAY = "followup_day"
TIME = "followup_time"
PLAN = "plan"
NOTE = "note"
NOTE_MAX = 200
OTHER_UNIT = "other"

MANDATE_OPTIONS = (
    Option("yes", N_("Yes, all of them, with a mandate")),
    Option("no", N_("No, some were missing or had no mandate")),
)

# The plan for interruptions as categories; a short optional note may add what they miss.
INTERRUPTIONS = (
    Option("units_tell", N_("The units tell each other the same working day")),
    Option("main_contacts", N_("The main responsible person contacts the individual")),
    Option("person_calls", N_("The individual knows whom to call")),
    Option("care_continues", N_("Treatment and medication continue during the interruption")),
    Option("new_meeting", N_("A new SIP meeting is called at once")),
    Option("close_person", N_("Someone close to the individual is contacted, as agreed")),
)

TIMES = tuple(Option(t, t, translate=False) for t in ("09:00", "10:00", "11:00", "13:00", "14:00"))


def _after_mandate(answers: Answers) -> str:
    return MISSING if answers.get(MANDATE) == "no" else MAIN


SIP_RECORD = Flow(
    name=NAME,
    version=1,
    title=N_("SIP established"),
    steps=(
        Step(
            MANDATE,
            N_(
                "Were the units whose efforts are to be coordinated at the meeting, with a "
                "mandate to decide on those efforts?"
            ),
            AnswerKind.CHOICE,
            title=N_("Present with a mandate"),
            options=MANDATE_OPTIONS,
            next=_after_mandate,
        ),
        Step(
            MISSING,
            N_("Which units were missing, or had no mandate? Choose one or more."),
            AnswerKind.MULTI,
            title=N_("Missing or without a mandate"),
            context_options="units",
            options=(Option(OTHER_UNIT, N_("A unit that is not in Samordna")),),
        ),
        Step(
            MAIN,
            N_("Who is the main responsible person (huvudansvarig) for the plan?"),
            AnswerKind.CHOICE,
            title=N_("Main responsible"),
            context_options="staff",
        ),
        Step(
            DAY,
            N_(
                "When is the plan followed up? Choose the day. The follow-up is proposed to "
                "everyone who took part, and then the person is invited."
            ),
            AnswerKind.CHOICE,
            title=N_("Follow-up day"),
            context_options="days",
            columns=2,
        ),
        Step(
            TIME,
            N_("At what time?"),
            AnswerKind.CHOICE,
            title=N_("Follow-up time"),
            options=TIMES,
            columns=3,
        ),
        Step(
            PLAN,
            N_(
                "The plan for interruptions: what happens if something stops? Choose what "
                "was agreed."
            ),
            AnswerKind.MULTI,
            title=N_("Plan for interruptions"),
            options=INTERRUPTIONS,
        ),
        Step(
            NOTE,
            N_(
                "A short note on the plan for interruptions, if something is not covered above. "
                "Please do not write names, personal identity numbers or diagnoses."
            ),
            AnswerKind.TEXT,
            title=N_("Note on interruptions"),
            max_length=NOTE_MAX,
            skippable=True,
        ),
    ),
    done_text=N_("The SIP is saved."),
    review=True,
    review_intro=N_(
        "Please check the answers: the text for the regional SIP system is made from exactly "
        "these, and says nothing else."
    ),
    finish_label=N_("Save the SIP"),
)
