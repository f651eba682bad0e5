"""The baseline the benches compare ci-gate with: a plain `requests` client, as a user
would write it, that asks for every event on every poll (level=INFO), decodes the answer
with `json.loads` and judges by index (the answer is newest first; everything past the
count seen last time is new), polling its masters from a thread pool round after round."""

from __future__ import annotations

import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

import requests
import requests.adapters

LEVELS = {"DEBUG": 100, "INFO": 200, "WARNING": 300, "ERROR": 400, "CRITICAL": 500}


@dataclass
class MasterSeen:
    events: int = 0
    offending: int = 0
    ended: bool = False


@dataclass
class BaselineClient:
    url: str
    auth: tuple[str, str]
    threads: int = 16
    bytes_received: int = 0
    requests: int = 0
    seen: dict[str, MasterSeen] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.session = requests.Session()
        self.session.auth = self.auth
        adapter = requests.adapters.HTTPAdapter(pool_maxsize=self.threads)
        self.session.mount("http://", adapter)

    def poll(self, master_id: str, threshold: int = 400) -> None:
        answer = self.session.get(
            f"{self.url}/masters/{master_id}/status", params={"level": "INFO"}, timeout=30
        )
        self.bytes_received += len(answer.content)
        self.requests += 1
        result = json.loads(answer.content)["result"]
        events = result.get("events") or []
        seen = self.seen.setdefault(master_id, MasterSeen())
        for event in events[: len(events) - seen.events]:  # newest first: the new ones
            if LEVELS.get(str(event.get("level", "")).upper(), 400) >= threshold:
                seen.offending += 1
        seen.events = len(events)
        seen.ended = result.get("status") in ("ENDED", "NULL")

    def wait(self, master_ids: list[str], interval: float) -> dict[str, MasterSeen]:
        pending = list(master_ids)
        with ThreadPoolExecutor(self.threads) as pool:
            while pending:
                list(pool.map(self.poll, pending))
                pending = [m for m in pending if not self.seen[m].ended]
                if pending:
                    time.sleep(interval)
        return self.seen


def ratio(ours: float, theirs: float) -> str:
    return f"{ours / theirs:.2f}" if theirs else "n/a"
