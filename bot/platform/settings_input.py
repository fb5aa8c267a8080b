"""What a person writes in the environment, and what they are told when it is wrong.

Settings come from people editing a ``.env`` file or a service definition. A list is written
``24,2`` at least as often as ``[24, 2]``, so both are read; and a wrong value is reported as
one line per setting that names the variable and the form expected, never as a traceback.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping

from pydantic import ValidationError
from pydantic_core import ErrorDetails

PREFIX = "SAMORDNA_"

# Expected forms by pydantic error type, for settings without a form of their own.
_FORMS_BY_TYPE: dict[str, str] = {
    "time_parsing": "a time of day like 08:00",
    "time_type": "a time of day like 08:00",
    "int_parsing": "a whole number",
    "int_type": "a whole number",
    "int_from_float": "a whole number",
    "float_parsing": "a number like 2.5",
    "float_type": "a number like 2.5",
    "bool_parsing": "true or false",
    "bool_type": "true or false",
}
_UNREADABLE = frozenset({"string_pattern_mismatch", "tuple_type", "list_type"})
_SOURCE_FIELD = re.compile(r'field "([^"]+)"')


def split_list(value: object) -> object:
    """A list setting written as JSON (``[24, 2]``) or plainly (``24,2``, ``24, 2``).

    An empty value is an empty list. Anything not a string is left to pydantic.
    """
    if not isinstance(value, str):
        return value
    text = value.strip()
    if text.startswith("["):
        try:
            return json.loads(text)
        except ValueError:
            raise ValueError("not a valid list") from None
    return [part.strip() for part in text.split(",") if part.strip()]


def variable(field: str) -> str:
    return f"{PREFIX}{field.upper()}"


def error_line(error: ErrorDetails, forms: Mapping[str, str]) -> str:
    """``SAMORDNA_NAME: what is wrong; expected <form>``, on one line."""
    location = error["loc"]
    message = " ".join(str(error["msg"]).removeprefix("Value error, ").split())
    if not location:
        # A check across settings; its message names the variables itself.
        return message if message.startswith(PREFIX) else f"settings: {message}"
    field = str(location[0])
    unreadable = error["type"] in _FORMS_BY_TYPE or error["type"] in _UNREADABLE
    form = forms.get(field) or _FORMS_BY_TYPE.get(error["type"])
    if unreadable and form:
        message = f"expected {form}"  # pydantic's own words would only repeat the form
    elif form:
        message = f"{message}; expected {form}"
    return f"{variable(field)}: {message}"


def error_lines(exc: ValidationError, forms: Mapping[str, str]) -> list[str]:
    """One line per bad setting (the first problem with each), in the order pydantic found."""
    lines: dict[str, str] = {}
    for error in exc.errors():
        key = str(error["loc"][0]) if error["loc"] else error["msg"]
        lines.setdefault(key, error_line(error, forms))
    return list(lines.values())


def source_line(exc: Exception, forms: Mapping[str, str]) -> str:
    """A value the settings source could not even decode (pydantic-settings' own error)."""
    found = _SOURCE_FIELD.search(str(exc))
    if found is None:
        return f"settings: {exc}"
    field = found.group(1)
    form = forms.get(field, "a valid value")
    return f"{variable(field)}: could not be read; expected {form}"
