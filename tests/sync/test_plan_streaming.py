"""The plan's checksum is hashed action by action, with the bytes of its canonical JSON."""

from __future__ import annotations

import hashlib
import json

from cpro_siecle_plugin.sync.plan import AddMember, CreateCohort, CreateUser, LinkGuardian, Plan


def _one_shot(plan: Plan) -> str:
    body = {"meta": dict(plan.meta), "actions": [a.to_data() for a in plan.actions]}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                      default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_streamed_checksum_equals_the_canonical_json_digest() -> None:
    """Stored plans keep their checksum: the streamed digest is the whole text's."""
    plan = Plan((
        CreateCohort("c:2A", "cpro:X:2A", "2A — Seconde é", "d"),
        CreateUser("p:1", "eleves", "cpro:X:eleve:1", "léa.moreau", "01022010", "Léa",
                   "MOREAU", None, groups=("G1", "G2")),
        AddMember("c:2A", "p:1"),
        LinkGuardian("p:2", "p:1"),
    ), {"uaj": "X", "today": "2025-09-15", "populations": ["eleves"], "brake": {"n": 1}})
    assert plan.checksum == _one_shot(plan)
    assert Plan((), {}).checksum == _one_shot(Plan((), {}))
