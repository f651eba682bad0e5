"""Issue 29 item 3 through the real `ci-gate` process: no value a server sends can cost the
reports. A status answer with `progress: 10**400`, events at `t: 10**400` and before the
epoch, KPIs at ±1.7e308 and a trend of earlier runs at ±1.7e308 made report.html raise,
and every report was lost (exit 4) while the run passed."""

from __future__ import annotations

import json
from pathlib import Path

from lxml import html as lxml_html

from tests.support.helpers import (
    assert_no_traceback,
    assert_valid_junit,
    run_gate,
    simulator,
    wait_args,
    write_scenario,
)

HUGE = 10**400
EXTREME = {"lb": "ALL", "hits": 9800, "tp90": 1.7e308, "avg": -1.7e308, "failed": 0}


def _summary(kpis: dict[str, object]) -> dict[str, object]:
    return {"api_version": 4, "error": None, "result": {"summary": [kpis]}}


def _scenario(folder: Path) -> Path:
    events = [
        {"level": "INFO", "message": "from beyond any calendar", "t": HUGE},
        {"level": "WARNING", "message": "from before the epoch", "t": -HUGE},
        {"level": "INFO", "message": "an ordinary one"},
    ]
    return write_scenario(
        folder,
        {
            "10000001": {
                "steps": [
                    {"status": "DATA_RECEIVED", "result": {"progress": HUGE}, "events": events},
                    {"status": "ENDED", "result": {"progress": HUGE}},
                ],
                "report": {"test_id": 7000001, "created": 1_700_000_900},
            },
            "10000000": {
                "steps": [{"status": "ENDED"}],
                "report": {
                    "test_id": 7000001,
                    "created": 1_700_000_000,
                    # sent as they are (the simulator's own model would compute with them)
                    "faults": {
                        "summary": {"fault": {"body": _summary(EXTREME)}, "repeat": "forever"}
                    },
                },
            },
        },
    )


def test_extreme_values_from_the_server_cost_no_report_and_keep_the_verdicts_exit_code(
    tmp_path: Path,
) -> None:
    report = tmp_path / "report"
    with simulator(_scenario(tmp_path)) as sim:
        run = run_gate(
            wait_args(sim, report, "--trend", "5", "--timeout", "60", masters=["10000001"]),
            report,
        )
    assert_no_traceback(run.stdout, run.stderr)
    assert run.code == 0, run.stderr
    names = {path.name for path in report.iterdir()}
    assert {"junit.xml", "summary.json", "summary.md", "report.html"} <= names, names
    assert_valid_junit((report / "junit.xml").read_bytes())

    def refuse(name: str) -> None:
        raise AssertionError(f"summary.json holds {name}")

    summary = json.loads((report / "summary.json").read_text(), parse_constant=refuse)
    assert (summary["verdict"], summary["exit_code"]) == ("passed", 0)
    assert not [note for note in summary.get("notes", []) if "could not be rendered" in note]
    page = (report / "report.html").read_text()
    assert lxml_html.document_fromstring(page).find(".//h1").text == "ci-gate: passed"
    assert "out of range" in page  # the progress and the event times, marked
    trend = summary["masters"][0]["trend"]["points"]
    assert [point["master_id"] for point in trend] == ["10000000", "10000001"]
    assert trend[0]["p90"] == 1.7e308 and trend[0]["avg"] == -1.7e308  # shown as given
