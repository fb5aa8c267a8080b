"""The playground page as server-rendered HTML: the frame, each phone's chat, the side panel.

Pure rendering from the views the web layer builds; every text is escaped, and every word
of the page's own goes through the catalogs. A phone's chat is written in the phone's
language and direction; the frame in the page's language.
"""

from __future__ import annotations

import html
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.bot_api_double import SentMessage, UserLine
from bot.demo import people
from bot.demo.playground import guide, texts
from bot.platform.i18n import LANGUAGE_NAMES, Translator


@dataclass(frozen=True)
class PhoneView:
    person: people.Person
    language: str
    rtl: bool
    lines: list[SentMessage | UserLine]
    commands: list[tuple[str, str]]
    invite: str | None  # what opening Anna's link sends, until she has opened it


@dataclass(frozen=True)
class PanelView:
    now: datetime
    progress: guide.Progress


def _e(text: object) -> str:
    return html.escape(str(text), quote=True)


def page(tr: Translator, phones: list[tuple[PhoneView, Translator]], generation: int) -> str:
    language_links = " ".join(
        f'<a href="/?lang={code}" class="{"chosen" if code == tr.locale else ""}" '
        f'lang="{code}">{_e(name)}</a>'
        for code, name in LANGUAGE_NAMES.items()
    )
    rendered = "\n".join(phone_frame(view, phone_tr, tr) for view, phone_tr in phones)
    return f"""<!doctype html>
<html lang="{tr.locale}" dir="{"rtl" if tr.rtl else "ltr"}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_e(tr.gettext(texts.TITLE))}</title>
<link rel="stylesheet" href="/static/playground.css">
</head>
<body data-generation="{generation}" data-lang="{tr.locale}"
      data-reset-confirm="{_e(tr.gettext(texts.RESET_CONFIRM))}"
      data-starting="{_e(tr.gettext(texts.STARTING))}">
<header class="top">
  <div>
    <h1>{_e(tr.gettext(texts.TITLE))}</h1>
    <p>{_e(tr.gettext(texts.INTRO))}</p>
  </div>
  <nav class="page-language" aria-label="{_e(tr.gettext(texts.PAGE_LANGUAGE))}">
    {language_links}
  </nav>
</header>
<div class="stage">
  <aside class="panel" id="panel"></aside>
  <main class="phones">
{rendered}
  </main>
</div>
<script src="/static/playground.js"></script>
</body>
</html>
"""


def phone_frame(view: PhoneView, tr: Translator, page_tr: Translator) -> str:
    person = view.person
    options = "".join(
        f'<option value="{code}"{" selected" if code == view.language else ""}>{_e(name)}</option>'
        for code, name in LANGUAGE_NAMES.items()
    )
    return f"""<section class="phone" data-phone="{person.key}" lang="{view.language}"
         dir="{"rtl" if view.rtl else "ltr"}">
  <header class="phone-head" dir="{"rtl" if page_tr.rtl else "ltr"}" lang="{page_tr.locale}">
    <div class="avatar">{_e(person.first_name[0])}</div>
    <div class="who"><strong>{_e(person.name)}</strong>
      <small>{_e(page_tr.gettext(person.role))}</small></div>
    <select class="language" aria-label="{_e(page_tr.gettext(texts.PHONE_LANGUAGE))}">
      {options}</select>
  </header>
  <div class="phone-body">{phone_body(view, tr)}</div>
  <div class="toast" role="status" hidden></div>
  <form class="composer">
    <input name="text" autocomplete="off" placeholder="{_e(tr.gettext(texts.MESSAGE))}">
    <button type="submit">{_e(tr.gettext(texts.SEND))}</button>
  </form>
</section>"""


def phone_body(view: PhoneView, tr: Translator) -> str:
    """What changes as the chat goes on: the messages, the link, the command menu."""
    if view.lines:
        chat = "\n".join(_line(view.person.key, line, tr) for line in view.lines)
    else:
        chat = f'<p class="empty">{_e(tr.gettext(texts.NO_MESSAGES))}</p>'
    parts = [f'<div class="chat">{chat}</div>']
    if view.invite:
        parts.append(
            f'<div class="invite"><span>{_e(tr.gettext(texts.LINK_FROM_SOFIA))}</span>'
            f'<button type="button" class="open-link" data-text="{_e(view.invite)}">'
            f"{_e(tr.gettext(texts.OPEN_LINK))}</button></div>"
        )
    if view.commands:
        chips = "".join(
            f'<button type="button" class="command" data-text="/{_e(name)}" '
            f'title="{_e(about)}">/{_e(name)}</button>'
            for name, about in view.commands
        )
        parts.append(f'<div class="commands">{chips}</div>')
    return "\n".join(parts)


def _time(tr: Translator, stamp: int) -> str:
    return tr.time(datetime.fromtimestamp(stamp, UTC)) if stamp else ""


def _line(key: str, line: SentMessage | UserLine, tr: Translator) -> str:
    if isinstance(line, UserLine):
        return (
            f'<div class="msg me" data-message-id="{line.message_id}"><div class="bubble">'
            # As Telegram does: what a person typed runs in the direction of its own first
            # letter, so "/results" reads left to right in an Arabic phone.
            f'<div class="text" dir="auto">{_e(line.text)}</div>'
            f'<div class="meta">{_time(tr, line.date)}</div></div></div>'
        )
    body: list[str] = []
    file_url = f"/phone/{key}/file/{line.message_id}"
    if line.kind == "photo":
        body.append(
            f'<a href="{file_url}" target="_blank" rel="noopener">'
            f'<img class="photo" src="{file_url}" alt="{_e(line.filename or "")}"></a>'
        )
    elif line.kind == "document":
        name = line.filename or "file"
        body.append(
            f'<a class="file" href="{file_url}" download="{_e(name)}">📎 {_e(name)}'
            f" <small>{_e(tr.gettext(texts.DOWNLOAD))}</small></a>"
        )
    if line.text:
        body.append(f'<div class="text">{_e(line.text)}</div>')
    meta = _time(tr, line.edit_date or line.date)
    if line.edits:
        meta = f'<span class="edited">{_e(tr.gettext(texts.EDITED))}</span> {meta}'
    body.append(f'<div class="meta">{meta}</div>')
    rows = []
    for row in line.buttons:
        cells = []
        for button in row:
            if button.callback_data is not None:
                cells.append(
                    f'<button type="button" class="inline" data-message="{line.message_id}" '
                    f'data-data="{_e(button.callback_data)}">{_e(button.text)}</button>'
                )
            elif button.url:
                cells.append(
                    f'<a class="inline" href="{_e(button.url)}" target="_blank" '
                    f'rel="noopener">{_e(button.text)} ↗</a>'
                )
        rows.append(f'<div class="row">{"".join(cells)}</div>')
    keyboard = f'<div class="keyboard">{"".join(rows)}</div>' if rows else ""
    return (
        f'<div class="msg bot" data-message-id="{line.message_id}">'
        f'<div class="bubble">{"".join(body)}</div>{keyboard}</div>'
    )


def panel(view: PanelView, tr: Translator) -> str:
    moves = "".join(
        f'<button type="button" class="move" data-move="{move.value}">'
        f"{_e(tr.gettext(label))}</button>"
        for move, label in texts.MOVES.items()
    )
    upcoming = view.progress.next
    steps = []
    for number, step in enumerate(guide.STEPS, start=1):
        done = step.key in view.progress.done
        state = "done" if done else "next" if step is upcoming else "todo"
        hint = f"<small>{_e(step.hint_in(tr))}</small>" if step is upcoming else ""
        mark = "✓" if done else str(number)
        steps.append(
            f'<li class="{state}" data-step="{step.key}" data-phone="{step.phone}">'
            f'<span class="tick">{mark}</span><span class="step">'
            f"{_e(tr.gettext(step.title))}{hint}</span></li>"
        )
    finished = "" if upcoming else f'<p class="all-done">{_e(tr.gettext(texts.ALL_DONE))}</p>'
    return f"""<section class="clock">
  <h2>{_e(tr.gettext(texts.BOT_TIME))}</h2>
  <p id="bot-time" data-iso="{view.now.isoformat()}">{_e(tr.datetime(view.now))}</p>
  <div class="moves">{moves}</div>
  <p class="clock-note" role="status"></p>
</section>
<section class="guide">
  <h2>{_e(tr.gettext(texts.GUIDE))}</h2>
  <p>{_e(tr.gettext(texts.GUIDE_INTRO))}</p>
  <ol>{"".join(steps)}</ol>
  {finished}
  <p class="made-up">{_e(tr.gettext(texts.MADE_UP))}</p>
  <button type="button" class="reset">{_e(tr.gettext(texts.RESET))}</button>
</section>"""


def move_note(tr: Translator, moved_to: datetime | None) -> str:
    if moved_to is None:
        return tr.gettext(texts.NO_MEETING)
    return tr.gettext(texts.MOVED).format(when=tr.datetime(moved_to))
