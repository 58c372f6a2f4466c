"""bench.inbound --rate half: the paced run's rate is half of our median closed-loop throughput for the same users
and database measured earlier in the same results file (not the baseline's, not two processes', not a paced run's)."""

from __future__ import annotations

import json

import pytest

from bench.inbound import half_of_measured, parse


def _median(target: str, db: str, users: int, processes: int, rate, msgs: float) -> dict:  # type: ignore[no-untyped-def]
    return {"median_of": 3, "target": target, "db": db, "users": users, "processes": processes, "rate_limit": rate,
            "messages_per_s": msgs}


def test_half_of_our_closed_loop_median_for_the_same_users_and_database(tmp_path):
    out = tmp_path / "inbound.jsonl"
    rows = [_median("ours", "sqlite", 50, 1, None, 860.0), _median("baseline", "pickle", 50, 1, None, 650.0),
            _median("ours", "postgresql", 50, 1, None, 851.0), _median("ours", "postgresql", 50, 2, None, 990.0),
            _median("ours", "postgresql", 200, 1, None, 1030.0), _median("ours", "sqlite", 50, 1, 430.0, 429.0),
            {"ratio": "ours/baseline", "db": "sqlite"}]
    out.write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    assert half_of_measured(out, parse(["--db", "sqlite", "--rate", "half"])) == 430
    assert half_of_measured(out, parse(["--db", "postgresql", "--rate", "half"])) == 426
    with pytest.raises(SystemExit, match="no closed-loop run of 100 users"):
        half_of_measured(out, parse(["--db", "sqlite", "--users", "100", "--rate", "half"]))
