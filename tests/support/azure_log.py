"""A reader of Azure Pipelines logging commands, written from Microsoft's documented
grammar, not from ci-gate's formatter: the tests check what the gate prints against it.

    ##vso[area.action property1=value;property2=value;...]message
    ##[group]title   ##[endgroup]   (formatting commands)

The agent finds `##vso[` anywhere in a line (any case), and a line is one command: a
property value escapes `%` `\\r` `\\n` `;` `]` as `%AZP25` `%0D` `%0A` `%3B` `%5D`, a message
`%` `\\r` `\\n` (azure-pipelines-task-lib's `taskcommand.ts`). `read_log` returns each command,
unescaped, and the plain lines; with `inert=True` it also refuses any command text inside a
value or a message, an unknown escape, and a formatting command other than a group's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PREFIX = re.compile(r"##vso\[", re.IGNORECASE)
FORMATTING = re.compile(r"##\[")
_COMMAND = re.compile(
    r"##vso\[(?P<area>[A-Za-z]+)\.(?P<action>[A-Za-z]+)(?P<props>[^\]]*)\](?P<message>.*)"
)
_PROPERTY_ESCAPES = {"%AZP25": "%", "%0D": "\r", "%0A": "\n", "%3B": ";", "%5D": "]"}
_DATA_ESCAPES = {"%AZP25": "%", "%0D": "\r", "%0A": "\n"}


class GrammarError(AssertionError):
    """A line the documented grammar does not allow (or, with inert=True, a forged one)."""


@dataclass(frozen=True)
class Command:
    area_action: str
    properties: dict[str, str] = field(default_factory=dict)
    message: str = ""


@dataclass
class Log:
    commands: list[Command] = field(default_factory=list)
    groups: list[str] = field(default_factory=list)
    plain: list[str] = field(default_factory=list)

    def named(self, area_action: str) -> list[Command]:
        return [command for command in self.commands if command.area_action == area_action]


def _unescape(text: str, escapes: dict[str, str], what: str) -> str:
    out, index = [], 0
    while index < len(text):
        if text[index] == "%":
            token = next((t for t in escapes if text.startswith(t, index)), None)
            if token is None:
                raise GrammarError(f"a raw % in a {what}: {text!r}")
            out.append(escapes[token])
            index += len(token)
        else:
            out.append(text[index])
            index += 1
    return "".join(out)


def read_command(line: str) -> Command:
    match = _COMMAND.fullmatch(line)
    if match is None:
        raise GrammarError(f"not ##vso[area.action properties]message: {line!r}")
    properties: dict[str, str] = {}
    props = match["props"]
    if props and not props.startswith(" "):
        raise GrammarError(f"properties must follow a space: {line!r}")
    for pair in props.strip().split(";"):
        if not pair:
            continue  # a trailing ";" is allowed
        name, equals, value = pair.partition("=")
        if not equals or not re.fullmatch(r"[A-Za-z]+", name):
            raise GrammarError(f"not name=value: {pair!r} in {line!r}")
        properties[name] = _unescape(value, _PROPERTY_ESCAPES, "property value")
    message = _unescape(match["message"], _DATA_ESCAPES, "message")
    return Command(f"{match['area']}.{match['action']}", properties, message)


def read_log(text: str, *, inert: bool = True) -> Log:
    """Every line of a log: a command (starting the line), a group marker, or plain text."""
    log = Log()
    for line in text.split("\n"):
        if "\r" in line:
            raise GrammarError(f"a raw CR: {line!r}")
        found = PREFIX.search(line)
        if found is None:
            if FORMATTING.search(line):
                if not (inert and re.fullmatch(r"##\[(group\].+|endgroup\])", line)):
                    raise GrammarError(f"a formatting command: {line!r}")
                log.groups.append(line)
            else:
                log.plain.append(line)
            continue
        if found.start() != 0:
            raise GrammarError(f"a command not at the start of its line: {line!r}")
        command = read_command(line)
        if inert:
            for value in (*command.properties.values(), command.message):
                if PREFIX.search(value) or FORMATTING.search(value) or "\n" in value:
                    raise GrammarError(f"command text inside a command: {line!r}")
        log.commands.append(command)
    return log
