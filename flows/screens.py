"""What the engine asks Telegram to show: plain data, so the engine is testable without it."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Button:
    text: str
    data: str


@dataclass
class Screen:
    """A message; ``attachment`` is (filename, bytes, is_photo) for a file or a picture."""

    text: str
    buttons: list[list[Button]] = field(default_factory=list)
    attachment: tuple[str, bytes, bool] | None = None

    def button_texts(self) -> list[str]:
        return [b.text for row in self.buttons for b in row]


@dataclass
class Outcome:
    """The answer to one update: an optional toast, and screens to show.

    With ``replace`` the first screen takes the place of the message whose button was pressed.
    ``menu`` names the command menu this chat should show from now on (see bot/command_menu.py).
    """

    screens: list[Screen] = field(default_factory=list)
    toast: str | None = None
    replace: bool = True
    finished: bool = False
    menu: str | None = None

    @classmethod
    def message(cls, text: str) -> Outcome:
        """A new message with ``text`` and no buttons: the plain answer to a command."""
        return cls([Screen(text)], replace=False)


def rows(buttons: list[Button], columns: int) -> list[list[Button]]:
    columns = max(1, columns)
    return [buttons[i : i + columns] for i in range(0, len(buttons), columns)]
