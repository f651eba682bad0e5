"""Each option declared once: flag, env, default, check and help, as a dataclass field.

An option is made with `option(...)`: its metadata carries the flag, the environment
variable, the default as shown to people, the parser that validates a raw value, and the
help text. `cli.parser` builds argparse from these declarations, the README's option
tables are checked against them by a test, and `resolve()` fills a settings object from
parsed arguments and the environment (flag beats environment beats default).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Collection, Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from typing import Any, TypeVar

from ci_gate.config.parsers import env_flag

S = TypeVar("S")


Parser = Callable[[str, str], Any]


@dataclass(frozen=True)
class Option:
    """One option as users see it: its flag and/or env variable, default, help, parser."""

    name: str
    flag: str | None
    env: str | None
    help: str
    parse: Parser | None
    metavar: str | None
    default: str | None
    shown_default: str
    repeatable: bool

    @property
    def switch(self) -> bool:
        return self.parse is None

    @property
    def env_shown(self) -> str:
        """The env column of the README: `NAME=true` for switches."""
        if self.env is None:
            return ""
        return f"{self.env}=true" if self.switch else self.env


def option(
    flag: str | None,
    *,
    help: str,
    env: str | None = None,
    parse: Parser | None = None,
    metavar: str | None = None,
    default: str | None = None,
    shown_default: str | None = None,
    repeatable: bool = False,
) -> Any:
    """A settings field that is also a user-facing option (`parse=None`: an on/off switch)."""
    source = flag or env or "option"
    value: Any
    if parse is None:
        value = False
    elif repeatable:
        value = tuple(parse(item, source) for item in (default or "").splitlines() if item)
    else:
        value = None if default is None else parse(default, source)
    shown = shown_default or (
        default if default is not None else ("off" if parse is None else "none")
    )
    meta = Option(
        name="",
        flag=flag,
        env=env,
        help=help,
        parse=parse,
        metavar=metavar,
        default=default,
        shown_default=shown,
        repeatable=repeatable,
    )
    return field(default=value, metadata={"option": meta})


def shared_option(
    flag: str,
    *,
    help: str,
    env: str | None = None,
    parse: Parser | None = None,
    metavar: str | None = None,
) -> Callable[[str, str], Any]:
    """One option that several commands take, each with a default of its own (`--timeout`:
    an hour for a wait, five minutes for a start, one for a stop): declared once here, one
    field per command. `help` names what the option covers as `{covers}`."""

    def field_for(default: str, covers: str) -> Any:
        return option(
            flag,
            help=help.format(covers=covers),
            env=env,
            parse=parse,
            metavar=metavar,
            default=default,
        )

    return field_for


def negated(flag: str) -> str:
    """`--no-stop-on-cancel` of `--stop-on-cancel`: the way to turn off a switch that is on."""
    return "--no-" + flag.removeprefix("--")


def options_of(cls: type) -> Iterator[Option]:
    """The options declared on a settings class, in declaration order."""
    for item in fields(cls):
        meta = item.metadata.get("option")
        if isinstance(meta, Option):
            yield replace(meta, name=item.name)


def add_arguments(
    parser: argparse.ArgumentParser | Any, cls: type, defaults: object | None = None
) -> None:
    """Register a settings class's flags on an argparse parser (or argument group).

    `defaults`, an instance of `cls`, gives a command defaults of its own: a switch that is
    on there gets its `--no-` form too (`run` stops what it started on cancel unless told
    not to). A switch not given stays None, so that the environment can still decide.
    """
    for opt in options_of(cls):
        if opt.flag is None:
            continue
        on = opt.switch and defaults is not None and getattr(defaults, opt.name) is True
        extra = [f"env {opt.env}=false" if on else f"env {opt.env_shown}"] if opt.env else []
        extra.append(f"default {'on' if on else opt.shown_default}")
        if on:
            extra.append(f"{negated(opt.flag)} turns it off")
        help_text = f"{opt.help} ({'; '.join(extra)})".replace("%", "%%")
        if opt.switch:
            parser.add_argument(
                opt.flag, dest=opt.name, action="store_true", default=None, help=help_text
            )
            if on:
                parser.add_argument(
                    negated(opt.flag),
                    dest=opt.name,
                    action="store_false",
                    default=None,
                    help=f"turn {opt.flag} off",
                )
        elif opt.repeatable:
            parser.add_argument(
                opt.flag, dest=opt.name, action="append", metavar=opt.metavar, help=help_text
            )
        else:
            parser.add_argument(opt.flag, dest=opt.name, metavar=opt.metavar, help=help_text)


def _value(opt: Option, given: Any, env: Mapping[str, str], current: Any) -> Any:
    source = opt.flag or opt.env or opt.name
    if opt.switch:
        if given is not None:  # --x or --no-x
            return bool(given)
        raw = env.get(opt.env) if opt.env else None
        # empty: not set (an action or template input left blank keeps the command's default)
        return current if raw is None or not raw.strip() else env_flag(raw, str(opt.env))
    assert opt.parse is not None
    if opt.repeatable:
        if given:
            return tuple(opt.parse(item, source) for item in given)
        raw = env.get(opt.env) if opt.env else None
        if raw is None or not raw.strip():
            return current
        return tuple(opt.parse(line, str(opt.env)) for line in raw.splitlines() if line.strip())
    if given is not None:
        return opt.parse(given, source)
    raw = env.get(opt.env) if opt.env else None
    if raw is None or not raw.strip():
        return current
    return opt.parse(raw, str(opt.env))


def resolve(
    settings: S,
    args: argparse.Namespace | None,
    env: Mapping[str, str],
    only: Collection[str] | None = None,
) -> S:
    """`settings` with each declared option taken from its flag, else its env, else kept.

    `only` names the options to read (the rest are kept as they are, never checked): a
    command reads only the options it takes."""
    changes = {
        opt.name: _value(opt, getattr(args, opt.name, None), env, getattr(settings, opt.name))
        for opt in options_of(type(settings))
        if only is None or opt.name in only
    }
    return replace(settings, **changes)  # type: ignore[type-var]


def parse_option(cls: type, name: str, raw: str) -> Any:
    """One declared option's value from raw text, as its flag would take it."""
    for opt in options_of(cls):
        if opt.name == name and opt.parse is not None:
            return opt.parse(raw, opt.flag or opt.env or name)
    raise KeyError(name)
