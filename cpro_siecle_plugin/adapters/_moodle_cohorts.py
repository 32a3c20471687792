"""Cohort operations of :class:`~.moodle.MoodleHost` (classes and groups).

Facts from ``cohort/externallib.php`` are listed in :mod:`.moodle`'s docstring.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from ..errors import HostAuthError, HostUnavailableError
from ._batching import BatchRefused, batch_size_for, chunks, isolate
from ._moodle_replies import MISSING, member_warnings, moodle_reason
from ._moodle_rest import MoodleError, MoodleTransport
from .base import BatchResult, NewCohort, pair_key

log = logging.getLogger(__name__)

__all__ = ["MoodleCohorts"]


class MoodleCohorts:
    """Mixin: cohorts through ``core_cohort_*``; the host provides the calls."""

    #: Records per request for every function when set; else each function's own size.
    batch_size: int | None
    rest: MoodleTransport

    def _size(self, function: str) -> int:
        """Records per request of ``function`` (see :func:`._batching.batch_size_for`)."""
        return batch_size_for(function, self.batch_size)

    def _call(self, operation: str, function: str, params: dict[str, Any], *,
              idempotent: bool) -> Any:
        raise NotImplementedError

    def _refusable(self, operation: str, function: str, params: dict[str, Any], *,
                   idempotent: bool) -> Any:
        raise NotImplementedError

    def find_cohorts(self, idnumbers: Sequence[str]) -> dict[str, int]:
        wanted = set(idnumbers)
        try:  # every cohort in one call, filtered here on the exact idnumber
            every = self._call("find_cohorts", "core_cohort_get_cohorts", {}, idempotent=True)
        except (HostAuthError, MoodleError) as exc:
            # get_cohorts fails whole on one cohort the token may not view: search instead,
            # one exact idnumber at a time (search matches name/idnumber/description).
            log.info("core_cohort_get_cohorts refusé (%s) : recherche par idnumber.", exc)
            every = [c for idnumber in sorted(wanted) for c in self._search_cohort(idnumber)]
        return {str(c["idnumber"]): int(c["id"]) for c in every or []
                if str(c.get("idnumber")) in wanted}

    def _search_cohort(self, idnumber: str) -> list[Any]:
        reply = self._call("find_cohorts", "core_cohort_search_cohorts", {
            "query": idnumber, "context": {"contextlevel": "system", "instanceid": 0},
            "includes": "all", "limitnum": 100}, idempotent=True)
        return list((reply or {}).get("cohorts", []))

    def create_cohorts(self, cohorts: Sequence[NewCohort]) -> BatchResult:
        def send(batch: Sequence[NewCohort]) -> BatchResult:
            try:
                return self._create_cohorts_call(batch)
            except HostUnavailableError:  # outcome unknown: look up, never create twice
                found = self.find_cohorts([c.idnumber for c in batch])
                missing = [c for c in batch if c.idnumber not in found]
                done = BatchResult(ok={k: v for k, v in found.items()})
                if not missing:
                    return done
                return done.merge(isolate(missing, lambda c: c.idnumber,
                                          self._create_cohorts_call, batch_size=len(missing)))

        return isolate(list(cohorts), lambda c: c.idnumber, send,
                       batch_size=self._size("core_cohort_create_cohorts"), run=self.rest.run)

    def _create_cohorts_call(self, batch: Sequence[NewCohort]) -> BatchResult:
        cohorts = [{"categorytype": {"type": "system", "value": ""}, "name": c.name,
                    "idnumber": c.idnumber, "description": c.description, "visible": 1}
                   for c in batch]
        reply = self._refusable("create_cohorts", "core_cohort_create_cohorts",
                                {"cohorts": cohorts}, idempotent=False) or []
        ok = {str(r["idnumber"]): int(r["id"]) for r in reply}
        failed = {c.idnumber: "non traitée par Moodle (requête tronquée ?)" for c in batch
                  if c.idnumber not in ok}
        return BatchResult(ok, failed)

    def add_cohort_members(self, pairs: Sequence[tuple[int, int]]) -> BatchResult:
        def send(batch: Sequence[tuple[int, int]]) -> BatchResult:
            members = [{"cohorttype": {"type": "id", "value": c},
                        "usertype": {"type": "id", "value": u}} for c, u in batch]
            reply = self._refusable("add_cohort_members", "core_cohort_add_cohort_members",
                                    {"members": members}, idempotent=True)
            return member_warnings(batch, reply)

        return isolate(list(pairs), lambda p: pair_key(*p), send,
                       batch_size=self._size("core_cohort_add_cohort_members"), run=self.rest.run)

    def remove_cohort_members(self, pairs: Sequence[tuple[int, int]]) -> BatchResult:
        def send(batch: Sequence[tuple[int, int]]) -> BatchResult:
            members = [{"cohortid": c, "userid": u} for c, u in batch]
            try:
                self._call("remove_cohort_members", "core_cohort_delete_cohort_members",
                           {"members": members}, idempotent=True)
            except MoodleError as exc:
                # An account or cohort deleted on the site: no membership left to remove.
                if len(batch) > 1 or exc.errorcode not in MISSING:
                    raise BatchRefused(moodle_reason(exc)) from exc
            return BatchResult(ok={pair_key(c, u): u for c, u in batch})

        return isolate(list(pairs), lambda p: pair_key(*p), send,
                       batch_size=self._size("core_cohort_delete_cohort_members"),
                       run=self.rest.run)

    def cohort_members(self, cohort_ids: Sequence[int]) -> dict[int, set[int]]:
        function = "core_cohort_get_cohort_members"
        replies = self.rest.run(
            lambda chunk: self._call("cohort_members", function, {"cohortids": list(chunk)},
                                     idempotent=True) or [],
            list(chunks(list(cohort_ids), self._size(function))))
        result: dict[int, set[int]] = {}
        for entry in (e for reply in replies for e in reply):
            result[int(entry["cohortid"])] = {int(u) for u in entry.get("userids", [])}
        return result
