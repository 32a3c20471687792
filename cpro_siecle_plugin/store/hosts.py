"""Host identity in the ledger: which host a school's host ids belong to, and re-matching.

A school's people and cohorts carry the host's integer ids. They mean something on that
host only: sent to another one (the embedded host's ids to a Moodle site, a Moodle restored
from an old copy...) they name strangers. So the ledger binds each school to the host its
ids came from (``host_bindings``: kind, URL, site identity, see
:class:`~..adapters.base.HostIdentity`), and the service refuses another host before any
write. Moving a school to another host on purpose re-matches its people and cohorts there
by idnumber (:func:`rematch`); the same repairs a school after accounts or cohorts were
deleted by hand on its host.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from ..adapters.base import HostIdentity
from .journal import now
from .tables import (
    CohortRow,
    GuardianLinkRow,
    HostBindingRow,
    JournalRow,
    MembershipRow,
    PersonRow,
    PlanRow,
    SchoolRow,
)


def binding(s: Session, uaj: str) -> HostIdentity | None:
    """The host the school's ids belong to, or ``None`` when none was recorded."""
    row = s.get(HostBindingRow, uaj)
    return None if row is None else HostIdentity(row.kind, row.url, row.site)


def bind(s: Session, uaj: str, identity: HostIdentity) -> None:
    """Record (or move) the school's host."""
    row = s.get(HostBindingRow, uaj)
    if row is None:
        s.add(HostBindingRow(uaj=uaj, kind=identity.kind, url=identity.url,
                             site=identity.site, since=now()))
    elif (row.kind, row.url, row.site) != (identity.kind, identity.url, identity.site):
        if (row.kind, row.site) != (identity.kind, identity.site):
            row.since = now()
        row.kind, row.url, row.site = identity.kind, identity.url, identity.site


def has_host_ids(s: Session, uaj: str) -> bool:
    """Whether the ledger holds host ids for the school (people or cohorts)."""
    return any(s.scalars(select(table.key).where(table.uaj == uaj, table.host_id.is_not(None))
                         .limit(1)).first() is not None for table in (PersonRow, CohortRow))


def rematch(
    s: Session, uaj: str, people: Mapping[str, tuple[int, bool] | None],
    cohorts: Mapping[str, int | None], identity: HostIdentity,
) -> None:
    """Re-match the school on a host: ids of what was found there, the rest forgotten.

    :param people: person key -> (host id, suspended) found by idnumber, or ``None``.
    :param cohorts: cohort key -> host id found by idnumber, or ``None``.

    People and cohorts not found are removed from the ledger, so the next import creates
    them again (a create looks the idnumber up first: no duplicate). Memberships and guardian
    links are forgotten for the whole school: the next import adds them all again (adding
    an existing one is not an error), whatever the host held.
    """
    keys = list(people)
    school_people = select(PersonRow.key).where(PersonRow.uaj == uaj)
    s.execute(delete(MembershipRow).where(MembershipRow.person_key.in_(school_people)))
    s.execute(delete(GuardianLinkRow).where(GuardianLinkRow.guardian_key.in_(school_people)))
    s.execute(delete(GuardianLinkRow).where(GuardianLinkRow.student_key.in_(school_people)))
    gone = [k for k in keys if people[k] is None]
    if gone:
        s.execute(delete(PersonRow).where(PersonRow.key.in_(gone)))
    for key, found in people.items():
        if found is not None:
            s.execute(update(PersonRow).where(PersonRow.key == key)
                      .values(host_id=found[0], suspended=found[1]))
    missing = [k for k, v in cohorts.items() if v is None]
    if missing:
        s.execute(delete(CohortRow).where(CohortRow.key.in_(missing)))
    for key, cid in cohorts.items():
        if cid is not None:
            s.execute(update(CohortRow).where(CohortRow.key == key).values(host_id=cid))
    # The journal of past plans would skip the same actions planned again (same checksum).
    s.execute(delete(JournalRow).where(JournalRow.checksum.in_(
        select(PlanRow.checksum).where(PlanRow.uaj == uaj))))
    # Plans previewed before are refused: they were computed against the old state.
    s.execute(update(SchoolRow).where(SchoolRow.uaj == uaj)
              .values(version=SchoolRow.version + 1, version_plan_id=None))
    bind(s, uaj, identity)
