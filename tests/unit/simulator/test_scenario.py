import json
import re
from pathlib import Path
from typing import Any

import pytest

from ci_gate.simulator.scenario import ScenarioError, builtin_names, load_scenario


def test_builtin_scenarios_load() -> None:
    names = builtin_names()
    assert {"seed", "error", "hang", "flaky", "unauthorized", "multi"} <= set(names)
    for name in names:
        assert load_scenario(name).description


def test_seed_replays_77_events_in_status_steps() -> None:
    script = load_scenario("seed").masters["12345678"]
    assert sum(len(step.events) for step in script.steps) == 77
    assert [step.status for step in script.steps][-1] == "ENDED"
    assert script.result_template["sessions"][0]["id"] == "r-v4-5f50ecd1568ef"


@pytest.mark.parametrize(
    ("data", "where"),
    [
        ({"masters": {}}, "masters: must name at least one master"),
        (
            {"masters": {"x1": {"steps": [{"status": "ENDED"}]}}},
            "masters.x1: master ids are whole numbers",
        ),
        (  # "²".isdigit() is true; it is not a master id
            {"masters": {"²": {"steps": [{"status": "ENDED"}]}}},
            "masters.²: master ids are whole numbers",
        ),
        ({"masters": {"1": {"steps": []}}}, "masters.1.steps: must be a non-empty list"),
        (
            {"masters": {"1": {"steps": [{"status": 5}]}}},
            "masters.1.steps\\[0\\].status: must be a string",
        ),
        (
            {"masters": {"1": {"steps": [{"status": "ENDED", "polls": 0}]}}},
            "masters.1.steps\\[0\\].polls",
        ),
        (
            {"masters": {"1": {"steps": [{"statuss": "ENDED"}]}}},
            "masters.1.steps\\[0\\]: unknown field",
        ),
        (
            {"masters": {"1": {"steps": [{"fault": {"http_status": 700}}]}}},
            "masters.1.steps\\[0\\].fault.http_status: must be 100-599",
        ),
        (
            {"masters": {"1": {"steps": [{"status": "ENDED", "events": [{"level": "ERROR"}]}]}}},
            "masters.1.steps\\[0\\].events\\[0\\].message: every event needs a message",
        ),
        (
            {"masters": {"1": {"steps": [{"fault": {"http_status": 500}}]}}},
            "masters.1.steps: needs a state step",
        ),
        ({"masters": {"1": {"replay": "missing.json"}}}, "masters.1.replay: cannot replay"),
        (
            {"masters": {"1": {"steps": [{"status": "ENDED"}]}}, "extra": 1},
            "top level: unknown field",
        ),
    ],
)
def test_mistakes_name_the_file_and_the_field(
    tmp_path: Path, data: dict[str, Any], where: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ScenarioError, match=f"^{re.escape(str(path))}: {where}"):
        load_scenario(str(path))


def test_not_json_and_missing_files(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{")
    with pytest.raises(ScenarioError, match="not valid JSON"):
        load_scenario(str(path))
    with pytest.raises(ScenarioError, match="no such scenario file, and not a built-in"):
        load_scenario(str(tmp_path / "nope.json"))


def test_a_replayed_status_change_with_no_ascii_progress_has_none(tmp_path: Path) -> None:
    """A recording is server text: "Status changed to ENDED (²)" passes `isdigit` but not
    `int()`, and must load as a step without a progress, not crash the simulator."""
    events = [
        {"message": "Status changed to ENDED (²)"},
        {"message": "Status changed to RUNNING (2)"},
    ]
    (tmp_path / "recorded.json").write_text(json.dumps({"result": {"events": events}}))
    scenario = tmp_path / "scenario.json"
    scenario.write_text(json.dumps({"masters": {"1": {"replay": "recorded.json"}}}))
    steps = load_scenario(str(scenario)).masters["1"].steps
    assert [(step.status, step.progress) for step in steps] == [("RUNNING", 2), ("ENDED", None)]
