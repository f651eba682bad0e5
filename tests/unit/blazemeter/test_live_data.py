"""BlazeMeter's live data (`/data/labels`, `/data/kpis`): the parsers against the recorded
answers Taurus's developers transcribed (`taurus-reports/data-*.json`, every one replayed
with what it must give) and against hostile shapes; the client's requests as Taurus's
`bza.Master.get_kpis` sends them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import requests_mock as rm

from ci_gate.blazemeter.answers import parse_labels, parse_live_kpis, parse_master_info
from ci_gate.blazemeter.api import BlazeMeterClient
from ci_gate.config.credentials import Credentials
from ci_gate.config.settings import HttpSettings
from ci_gate.domain.live import KpiPoint, Label
from ci_gate.errors import MalformedResponseError
from tests.support.fakes import FakeClock
from tests.support.helpers import DATA, KEY_ID, SECRET

TAURUS = DATA / "realworld" / "taurus-reports"
URL = "https://api.example.test/api/v4"
BLAZEDEMO = Label("e843ff89a5737891a10251cbb0db08e5", "http://blazedemo.com/")


def _result(path: Path) -> object:
    """What the transport hands the parser: the envelope's `result`."""
    return json.loads(path.read_text())["result"]


def _point(ts: int) -> KpiPoint:
    """Taurus's recurring point (n 1, na 1, ec 0, t_avg 817, lt_avg 82, by_avg 0)."""
    return KpiPoint(ts, hits=1, errors=0, users=1, avg_rt=817.0, avg_lt=82.0, avg_bytes=0.0)


#: Every recorded labels answer, and the labels it must give.
LABELS = {
    "data-labels-test_check_interval@L836.json": [Label("ALL", "ALL"), BLAZEDEMO],
    "data-labels-test_datapoint@L1850.json": [Label("ALL", "ALL"), BLAZEDEMO],
    "data-labels-test_get_errors@L1734.json": [Label("ALL", "ALL"), BLAZEDEMO],
    "data-labels-test_no_kpis_on_cloud_crash@L1937.json": [Label("ALL", "ALL"), BLAZEDEMO],
}

#: Every recorded KPI answer, and the points per label id it must give.
KPIS: dict[str, dict[str, tuple[KpiPoint, ...]]] = {
    # two points of the same second in one answer: the second counts once, its last values
    "data-kpis-test_check_interval@L840.json": {
        "ALL": (KpiPoint(1, 7, 0, 4, 88.1, 11.9, 0.0),),
        BLAZEDEMO.id: (KpiPoint(2, 7, 0, 4, 88.1, 11.9, 0.0),),
    },
    "data-kpis-test_check_interval@L896.json": {},  # no new seconds yet
    "data-kpis-test_datapoint@L1861.json": {"ALL": (_point(1464248743),)},
    # api_version 4, a p90 beside the averages (not asked for, left out)
    "data-kpis-test_get_errors@L1745.json": {"ALL": (_point(1464248743), _point(1464248744))},
    "data-kpis-test_get_errors@L1763.json": {"ALL": (_point(1464248744), _point(1464248745))},
    "data-kpis-test_get_errors@L1775.json": {"ALL": (_point(1464248745),)},
    # a cloud crash: the label row carries no `kpis` at all, which is no data
    "data-kpis-test_no_kpis_on_cloud_crash@L1957.json": {"ALL": ()},
}


def test_every_recorded_live_data_answer_has_an_expectation() -> None:
    recorded = {path.name for path in TAURUS.glob("data-*.json")}
    assert recorded == set(LABELS) | set(KPIS)


@pytest.mark.parametrize("name", sorted(LABELS))
def test_recorded_labels_answers(name: str) -> None:
    assert parse_labels("1", _result(TAURUS / name)) == LABELS[name]


@pytest.mark.parametrize("name", sorted(KPIS))
def test_recorded_kpis_answers(name: str) -> None:
    assert parse_live_kpis("1", _result(TAURUS / name)) == KPIS[name]


def test_kpi_points_come_ordered_by_second_and_numbers_are_read_tolerantly() -> None:
    result = [
        {
            "labelId": "ALL",
            "kpis": [
                {"ts": "12", "n": "5", "ec": 1.0, "na": 3, "t_avg": "120.5", "lt_avg": None},
                {"ts": 11, "n": 4, "ec": 0, "na": 3, "t_avg": 100, "by_avg": 2048},
            ],
        }
    ]
    assert parse_live_kpis("1", result) == {
        "ALL": (
            KpiPoint(11, 4, 0, 3, 100.0, None, 2048.0),
            KpiPoint(12, 5, 1, 3, 120.5, None, None),
        )
    }


@pytest.mark.parametrize(
    "value",
    [float("nan"), True, "many", -3, 2.5, 10**400, {"n": 1}],
    ids=["nan", "bool", "text", "negative", "fraction", "huge", "object"],
)
def test_a_count_that_cannot_be_used_is_no_value_never_zero(value: object) -> None:
    points = parse_live_kpis("1", [{"labelId": "ALL", "kpis": [{"ts": 5, "n": value}]}])
    assert points["ALL"][0].hits is None


@pytest.mark.parametrize(
    "result",
    [
        None,
        {"labels": []},
        "ALL",
        [{"labelId": "ALL", "kpis": "1,2,3"}],
        [{"labelId": "ALL", "kpis": [{"n": 3}]}],  # a point without its second
        [{"labelId": "ALL", "kpis": [{"ts": -1, "n": 3}]}],
        [{"labelId": "ALL", "kpis": [{"ts": 1.5, "n": 3}]}],
        [{"labelId": "ALL", "kpis": ["n=3"]}],
    ],
    ids=["null", "object", "text", "kpis-text", "no-ts", "negative-ts", "fraction-ts", "row"],
)
def test_an_answer_the_gate_cannot_place_is_malformed_not_partial(result: object) -> None:
    """Fail closed: a point that cannot be placed in time would hide a breach; the whole
    answer is refused (and retried) rather than read with a hole in it."""
    with pytest.raises(MalformedResponseError, match="master 1"):
        parse_live_kpis("1", result)


def test_rows_without_a_label_are_left_out_and_null_kpis_are_no_data() -> None:
    result = [
        "junk",
        {"kpis": [{"ts": 1, "n": 1}]},
        {"labelId": None, "labelName": "Checkout", "kpis": None},
        {"labelId": 42, "kpis": []},
    ]
    assert parse_live_kpis("1", result) == {"Checkout": (), "42": ()}


@pytest.mark.parametrize("result", [None, {"id": "ALL"}, "ALL"], ids=["null", "object", "text"])
def test_a_labels_answer_that_is_no_list_is_malformed(result: object) -> None:
    with pytest.raises(MalformedResponseError, match="master 1"):
        parse_labels("1", result)


def test_labels_without_an_id_or_name_are_left_out() -> None:
    result = [
        {"id": "ALL", "name": "ALL"},
        {"id": "abc"},
        {"name": "orphan"},
        {"id": True, "name": "flag"},
        {"id": 7, "name": "Checkout"},
        "junk",
    ]
    assert parse_labels("1", result) == [Label("ALL", "ALL"), Label("7", "Checkout")]


# -- the client ------------------------------------------------------------------------------


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
def client(clock: FakeClock) -> BlazeMeterClient:
    return BlazeMeterClient(
        URL, Credentials(KEY_ID, SECRET), http=HttpSettings(), clock=clock, sleep=clock.sleep
    )


def test_labels_asks_by_master_id(requests_mock: rm.Mocker, client: BlazeMeterClient) -> None:
    body = (TAURUS / "data-labels-test_datapoint@L1850.json").read_bytes()
    requests_mock.get(f"{URL}/data/labels", content=body)
    assert client.labels("8", deadline=None) == [Label("ALL", "ALL"), BLAZEDEMO]
    assert requests_mock.last_request is not None
    assert requests_mock.last_request.qs == {"master_id": ["8"]}


def test_live_kpis_asks_as_taurus_does(requests_mock: rm.Mocker, client: BlazeMeterClient) -> None:
    body = (TAURUS / "data-kpis-test_get_errors@L1763.json").read_bytes()
    requests_mock.get(f"{URL}/data/kpis", content=body)
    points = client.live_kpis("8", 1464248744, ["ALL", BLAZEDEMO.id], deadline=None)
    assert [point.ts for point in points["ALL"]] == [1464248744, 1464248745]
    request = requests_mock.last_request
    assert request is not None
    assert request.path == "/api/v4/data/kpis"
    # repeated keys, in Taurus's order (requests_mock lower-cases query values)
    assert request.qs == {
        "interval": ["1"],
        "from": ["1464248744"],
        "master_ids[]": ["8"],
        "kpis[]": ["t", "lt", "by", "n", "ec", "ts", "na"],
        "labels[]": ["all", BLAZEDEMO.id],
    }


def test_a_malformed_kpis_answer_is_retried(
    requests_mock: rm.Mocker, client: BlazeMeterClient, clock: FakeClock
) -> None:
    good = (TAURUS / "data-kpis-test_datapoint@L1861.json").read_bytes()
    requests_mock.get(
        f"{URL}/data/kpis",
        [{"json": {"api_version": 2, "error": None, "result": {"oops": 1}}}, {"content": good}],
    )
    assert client.live_kpis("8", 0, ["ALL"])["ALL"] == (_point(1464248743),)
    assert requests_mock.call_count == 2
    assert len(clock.sleeps) == 1  # one back-off, on the fake clock


# -- the planned load (what a stop saved) ----------------------------------------------------


@pytest.mark.parametrize(
    ("executions", "seconds"),
    [
        ([{"holdFor": "30m", "rampUp": "1m"}], 1860.0),
        ([{"holdFor": "1h30m"}, {"holdFor": "10m", "rampUp": "2m30s"}], 5400.0),
        ([{"holdFor": 600, "rampUp": "500ms"}], 600.5),
        ([{"holdFor": "90", "rampUp": None}], 90.0),
        ([{"rampUp": "1m"}], None),  # no hold: nothing planned the gate can read
        ([{"holdFor": "soon"}], None),
        ([{"holdFor": "1" * 5000 + "x"}], None),  # hostile: refused at once
        ([{"holdFor": -5}], None),
        ("30m", None),
        (None, None),
    ],
)
def test_the_planned_length_is_the_longest_execution(executions: object, seconds: object) -> None:
    info = parse_master_info("1", {"reportStatus": None, "executions": executions})
    assert info.planned == seconds
