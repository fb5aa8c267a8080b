"""After joining, a staff member gives the name and phone number colleagues will see."""

from __future__ import annotations

from bot.platform.i18n import N_
from flows.model import AnswerKind, Flow, Step

NAME = "staff_profile"

SAVED = N_(
    "Thank you, {name}. Colleagues see your name and the phone number {phone}. "
    "/help shows what you can do."
)
BAD_PHONE = N_(
    "Your name is saved. The phone number did not look right: please write it with digits, "
    "like 040-34 10 00. Send /profile to try again."
)


STAFF_PROFILE = Flow(
    name=NAME,
    version=1,
    title=N_("Your name and phone number"),
    steps=(
        Step(
            "name",
            N_("What is your name? Colleagues see it, for example in meeting requests."),
            AnswerKind.TEXT,
            title=N_("Name"),
            max_length=80,
        ),
        Step(
            "phone",
            N_("Which phone number can colleagues reach you on?"),
            AnswerKind.TEXT,
            title=N_("Phone number"),
            max_length=40,
        ),
    ),
    done_text=N_("Thank you. Your name and phone number are saved."),
    review=True,
    review_intro=N_("Colleagues will see this. You can change it before you save."),
    finish_label=N_("Save"),
)
