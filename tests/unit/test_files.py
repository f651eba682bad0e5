"""The one reader of user-named files (issue 29 item 2): a FIFO, a device or a folder is
refused at once instead of blocking the gate for ever; a file too large is not read."""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import pytest

from ci_gate.ci.target import find_target
from ci_gate.config.ci_env import detect_ci
from ci_gate.config.credentials import resolve_credentials
from ci_gate.errors import UsageError
from ci_gate.files import (
    FileTooLarge,
    NotARegularFile,
    append_to_file,
    check_appendable,
    read_small_file,
    read_small_text,
)
from ci_gate.simulator.scenario import ScenarioError, load_scenario

T = TypeVar("T")


def _within(seconds: float, call: Callable[[], T], fifo: Path) -> T:
    """`call()` in a thread: a hang (`fifo` opened for reading) fails the test, not the
    suite."""
    result: dict[str, Any] = {}

    def run() -> None:
        try:
            result["value"] = call()
        except BaseException as error:  # handed back to the test
            result["error"] = error

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        # a writer lets the blocked open() return, so the thread does not outlive the test
        with open(fifo, "wb", opener=_nonblocking):
            pass
        raise AssertionError(f"still blocked after {seconds} s")
    if "error" in result:
        raise result["error"]
    return result["value"]  # type: ignore[no-any-return]


def _nonblocking(path: str, flags: int) -> int:
    return os.open(path, flags | os.O_NONBLOCK)


@pytest.fixture
def fifo(tmp_path: Path) -> Path:
    path = tmp_path / "fifo"
    os.mkfifo(path)
    return path


def test_a_regular_file_is_read_whole(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"x" * 300_000)
    assert read_small_file(path) == b"x" * 300_000
    assert read_small_text(path) == "x" * 300_000


def test_a_fifo_is_refused_at_once(fifo: Path) -> None:
    with pytest.raises(NotARegularFile) as refused:
        _within(5, lambda: read_small_file(fifo), fifo)
    assert refused.value.strerror == "not a regular file"


@pytest.mark.parametrize("path", ["/dev/zero", "/dev/null"])
def test_a_device_is_refused(path: str) -> None:
    with pytest.raises(NotARegularFile):
        read_small_file(path)


def test_a_folder_is_refused(tmp_path: Path) -> None:
    with pytest.raises(NotARegularFile) as refused:
        read_small_file(tmp_path)
    assert refused.value.strerror == "a folder"


def test_a_file_over_the_limit_is_not_read(tmp_path: Path) -> None:
    path = tmp_path / "big"
    path.write_bytes(b"x" * 101)
    assert read_small_file(path, limit=101) == b"x" * 101
    with pytest.raises(FileTooLarge) as refused:
        read_small_file(path, limit=100)
    assert refused.value.strerror == "larger than 100 bytes"


def test_an_api_key_file_that_is_a_fifo_is_a_usage_error(fifo: Path) -> None:
    with pytest.raises(UsageError) as refused:
        _within(5, lambda: resolve_credentials(str(fifo), {}), fifo)
    assert (
        str(refused.value) == f"--api-key-file {str(fifo)!r}: cannot read it (not a regular file)"
    )


def test_an_event_file_that_is_a_fifo_names_no_pull_request(fifo: Path) -> None:
    env = {
        "GITHUB_ACTIONS": "true",
        "GITHUB_EVENT_NAME": "pull_request",
        "GITHUB_EVENT_PATH": str(fifo),
        "GITHUB_TOKEN": "t",
        "GITHUB_REPOSITORY": "acme/shop",
    }
    assert (
        _within(5, lambda: find_target(detect_ci(env)), fifo)
        == "the event file names no pull request"
    )


def test_a_recording_to_replay_that_is_a_fifo_is_a_scenario_error(
    tmp_path: Path, fifo: Path
) -> None:
    scenario = tmp_path / "s.json"
    scenario.write_text(json.dumps({"masters": {"1": {"replay": str(fifo)}}}))
    with pytest.raises(ScenarioError) as refused:
        _within(5, lambda: load_scenario(str(scenario)), fifo)
    assert "not a regular file" in str(refused.value)


def test_appending_to_a_fifo_with_no_reader_is_refused_at_once(fifo: Path) -> None:
    with pytest.raises(OSError) as refused:
        _within(5, lambda: append_to_file(fifo, b"x"), fifo)
    assert refused.value.strerror == "a FIFO with no reader"
    with pytest.raises(OSError):
        check_appendable(fifo)


def test_appending_to_a_fifo_whose_reader_never_reads_gives_up(fifo: Path) -> None:
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        with pytest.raises(OSError) as refused:
            _within(5, lambda: append_to_file(fifo, b"x" * (1 << 20), wait=0.2), fifo)
        assert refused.value.strerror == "the reader is not reading"
    finally:
        os.close(reader)


def test_appending_to_a_fifo_with_a_reader_delivers_every_byte(fifo: Path) -> None:
    reader = os.open(fifo, os.O_RDONLY | os.O_NONBLOCK)
    try:
        append_to_file(fifo, b"outputs\n")
        assert os.read(reader, 100) == b"outputs\n"
    finally:
        os.close(reader)


def test_appending_to_a_regular_file_adds_to_its_end(tmp_path: Path) -> None:
    path = tmp_path / "out"
    append_to_file(path, b"one\n")
    check_appendable(path)
    append_to_file(path, b"two\n")
    assert path.read_bytes() == b"one\ntwo\n"
