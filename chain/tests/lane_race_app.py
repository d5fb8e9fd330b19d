"""The Celery app of the two-workers race test (chain/tests/test_lanes_race.py): config.celery's
app, with the relay instrumented in the worker process. Each relay sweep records
``{"lane", "pid", "start", "end"}`` and each relay task its outcome, one JSON line each,
appended to the file named by LANE_RACE_LOG; a sweep lasts at least LANE_RACE_SWEEP_SECONDS
(held inside the lane's lock), so two senders of one lane at once could not go unseen."""

from __future__ import annotations

import json
import os
import time
from typing import Any

from celery.signals import task_prerun

from config.celery import app

__all__ = ["app"]

_instrumented: list[bool] = []


def _record(line: dict) -> None:
    with open(os.environ["LANE_RACE_LOG"], "a") as log:   # O_APPEND: whole short lines, any process
        log.write(json.dumps(line) + "\n")


@task_prerun.connect
def _instrument(**_: Any) -> None:
    if _instrumented:
        return
    from chain import scheduling

    sweep, run = scheduling.relay_sweep, scheduling.relay_task_run
    hold = float(os.environ.get("LANE_RACE_SWEEP_SECONDS", "0.1"))

    def timed_sweep(**kwargs: Any) -> Any:
        start = time.time()
        _record({"start": kwargs.get("lane"), "pid": os.getpid(), "at": start})
        try:
            time.sleep(hold)
            return sweep(**kwargs)
        finally:
            _record({"lane": kwargs.get("lane"), "pid": os.getpid(), "start": start, "end": time.time()})

    def recorded_run(task: Any, lane: int | None = None) -> dict:
        outcome = run(task, lane)
        _record({"task": lane, "pid": os.getpid(), "outcome": outcome})
        return outcome

    scheduling.relay_sweep, scheduling.relay_task_run = timed_sweep, recorded_run
    _instrumented.append(True)
