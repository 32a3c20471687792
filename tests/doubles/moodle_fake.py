"""A small stateful fake Moodle web-service server, for tests and benchmarks.

It answers form-encoded REST calls the way Moodle does (see the facts pinned in
:mod:`.moodle`): HTTP 200 with an exception JSON on failure, all-or-nothing calls rolled back,
``warnings`` for cohort members and user updates, ``max_input_vars`` truncation, password
policy, exact-match look-ups, tokens and granted functions. Wire it to ``responses`` with
:meth:`FakeMoodle.callback`. No network, no I/O.

It follows what the live lab (Moodle 5.0.6, ``tests/lab``) answers, checked by the contract
suite running on both: a deleted account keeps its row (renamed, found by id only); deleting
it again, or removing its membership, is ``invalidrecordunknown``; updating it warns
``usernotupdateddeleted``; assigning it a role is a ``codingerror``; e-mail uniqueness
ignores case (within one call too) while the look-up by e-mail is exact; an invalid e-mail
fails the call with ``invalidparameter`` and nothing more.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl

from cpro_siecle_plugin.adapters._moodle_preflight import REQUIRED_FUNCTIONS

_USERNAME = re.compile(r"^[a-z0-9_.@-]+$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
INVALID_PARAMETER = ("invalid_parameter_exception", "invalidparameter",
                     "Invalid parameter value detected")
MISSING_RECORD = ("dml_missing_record_exception", "invalidrecordunknown",
                  "Can't find data record in database.")
DELETED_USER = ("core\\exception\\coding_exception", "codingerror",
                "Coding error detected, it must be fixed by a programmer: User ID does not "
                "exist or is deleted!")


class MoodleFault(Exception):
    """A Moodle exception, turned into the REST error JSON."""

    def __init__(self, kind: tuple[str, str, str], debuginfo: str = "") -> None:
        super().__init__(kind[1])
        self.kind = kind
        self.debuginfo = debuginfo


def unflatten(fields: list[tuple[str, str]]) -> dict[str, Any]:
    """PHP's parsing of ``a[0][b]=x`` fields into nested dicts and lists."""
    root: dict[str, Any] = {}
    for name, value in fields:
        keys = re.findall(r"[^\[\]]+", name)
        node = root
        for key in keys[:-1]:
            node = node.setdefault(key, {})
        node[keys[-1]] = value
    result: dict[str, Any] = _lists(root)
    return result


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(k.isdigit() for k in node):
        return [_lists(node[k]) for k in sorted(node, key=int)]
    return {k: _lists(v) for k, v in node.items()}


class FakeMoodle:
    """State and behaviour of the fake site; tweak the attributes to simulate a setup."""

    def __init__(self, token: str = "s3cr3t-t0ken", *, debug: bool = False) -> None:
        self.token = token
        self.debug = debug
        self.functions = {*REQUIRED_FUNCTIONS, "core_cohort_search_cohorts"}
        self.policy: Callable[[str], str | None] | None = None
        self.max_input_vars = 1000  # PHP default
        self.roles = {9: "parent"}  # roles assignable at the user context level
        self.users: dict[int, dict[str, Any]] = {2: {
            "id": 2, "username": "admin", "idnumber": "", "firstname": "Admin",
            "lastname": "Moodle", "email": "admin@example.org", "suspended": 0,
            "preferences": {}, "password": "x"}}
        self.cohorts: dict[int, dict[str, Any]] = {}
        self.members: set[tuple[int, int]] = set()
        self.assignments: set[tuple[int, int, int]] = set()  # (role, user, child)
        self.requests: list[tuple[str, dict[str, Any]]] = []
        self.next_id = 100
        self.site_key = secrets.token_hex(16)  # userprivateaccesskey: one per site
        self.siteurl = "https://moodle.example.org"

    # -- protocol ---------------------------------------------------------------------

    def callback(self, request: Any) -> tuple[int, dict[str, str], str]:
        """``responses`` callback: decode the form, run the function, encode the reply."""
        fields = parse_qsl(request.body if isinstance(request.body, str)
                           else request.body.decode(), keep_blank_values=True)
        return 200, {"Content-Type": "application/json"}, json.dumps(self.handle(fields))

    def handle(self, fields: list[tuple[str, str]]) -> Any:
        fields = fields[: self.max_input_vars]  # PHP drops the rest silently
        head = dict(fields[:3])
        if [k for k, _ in fields[:3]] != ["wstoken", "wsfunction", "moodlewsrestformat"]:
            return self._error(("moodle_exception", "invalidrequest", "Invalid request"))
        if head["wstoken"] != self.token:
            return self._error(("moodle_exception", "invalidtoken", "Invalid token - token "
                                                                   "not found"))
        function = head["wsfunction"]
        if function not in self.functions:
            return self._error(("webservice_access_exception", "accessexception",
                                "Access control exception"))
        params = unflatten(fields[3:])
        self.requests.append((function, params))
        saved = None if function.startswith(("core_webservice", "core_user_get",
                                              "core_cohort_get")) else self._snapshot()
        try:
            return getattr(self, function)(**params)
        except (TypeError, KeyError):  # a required parameter is missing
            if saved is not None:
                self._restore(saved)
            return self._error(INVALID_PARAMETER, "Missing required parameter")
        except MoodleFault as fault:
            if saved is not None:
                self._restore(saved)  # the delegated transaction is rolled back
            return self._error(fault.kind, fault.debuginfo)

    def _error(self, kind: tuple[str, str, str], debuginfo: str = "") -> dict[str, str]:
        error = {"exception": kind[0], "errorcode": kind[1], "message": kind[2]}
        if self.debug and debuginfo:
            error["debuginfo"] = debuginfo
        return error

    def _snapshot(self) -> tuple[Any, ...]:
        # Records are replaced, never mutated in depth, so copying one level is enough.
        return ({k: dict(v) for k, v in self.users.items()}, dict(self.cohorts),
                set(self.members), set(self.assignments), self.next_id)

    def _restore(self, saved: tuple[Any, ...]) -> None:
        self.users, self.cohorts, self.members, self.assignments, self.next_id = saved

    def _new_id(self) -> int:
        self.next_id += 1
        return self.next_id

    def _user(self, uid: Any) -> dict[str, Any]:
        if int(uid) not in self.users or self.users[int(uid)].get("deleted"):
            raise MoodleFault(MISSING_RECORD, f"user id={uid}")
        return self.users[int(uid)]

    def _live(self) -> list[dict[str, Any]]:
        return [u for u in self.users.values() if not u.get("deleted")]

    # -- functions --------------------------------------------------------------------

    def core_webservice_get_site_info(self) -> dict[str, Any]:
        return {"sitename": "Lycée test", "username": "admin", "userid": 2, "siteid": 1,
                "siteurl": self.siteurl, "userprivateaccesskey": self.site_key,
                "release": "5.0 (Build: 20250414)", "version": "2025041400",
                "functions": [{"name": f, "version": "2025041400"}
                              for f in sorted(self.functions)]}

    def core_user_create_users(self, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
        created = []
        names = {u["username"] for u in self._live()}
        emails = {u["email"].lower() for u in self._live()}
        for user in users:
            if not {"username", "firstname", "lastname", "email"} <= set(user):
                raise MoodleFault(INVALID_PARAMETER, "Missing required key in single structure")
            name, email = user.get("username", ""), user.get("email", "")
            if not _USERNAME.match(name):
                raise MoodleFault(INVALID_PARAMETER, f"Invalid username: {name}")
            if name in names:
                raise MoodleFault(INVALID_PARAMETER, f"Username already exists: {name}")
            if self.policy and (reason := self.policy(user.get("password", ""))):
                raise MoodleFault(("moodle_exception", reason, reason))
            if not _EMAIL.match(email):
                raise MoodleFault(INVALID_PARAMETER, f"Email address is invalid: {email}")
            if email.lower() in emails:
                raise MoodleFault(INVALID_PARAMETER, f"Email address already exists: {email}")
            names.add(name)
            emails.add(email.lower())
            uid = self._new_id()
            prefs = {p["type"]: p["value"] for p in user.get("preferences", [])}
            self.users[uid] = {"id": uid, "username": name, "idnumber": user.get("idnumber", ""),
                               "firstname": user["firstname"], "lastname": user["lastname"],
                               "email": email, "suspended": 0, "preferences": prefs,
                               "password": user.get("password", ""), "auth": user.get("auth")}
            created.append({"id": uid, "username": name})
        return created

    def core_user_update_users(self, users: list[dict[str, Any]]) -> dict[str, Any]:
        warnings = []
        for user in users:
            uid = int(user.pop("id"))
            if uid not in self.users:
                warnings.append({"item": "user", "itemid": uid, "warningcode": "invaliduserid",
                                 "message": "Invalid user ID"})
                continue
            if self.users[uid].get("deleted"):
                warnings.append({"item": "user", "itemid": uid,
                                 "warningcode": "usernotupdateddeleted",
                                 "message": "error/usernotupdateddeleted"})
                continue
            prefs = dict(self.users[uid]["preferences"])
            prefs.update({p["type"]: p["value"] for p in user.pop("preferences", [])})
            self.users[uid]["preferences"] = prefs
            for key, value in user.items():
                self.users[uid][key] = int(value) if key == "suspended" else value
        return {"warnings": warnings}

    def core_user_get_users_by_field(self, field: str, values: list[str] | None = None) -> list[
            dict[str, Any]]:
        wanted = set(values or [])
        return [{k: v for k, v in u.items() if k not in ("password", "preferences", "deleted")}
                for u in (self.users.values() if field == "id" else self._live())
                if str(u.get(field)) in wanted]

    def core_user_delete_users(self, userids: list[str]) -> None:
        for uid in userids:
            user = self._user(uid)
            self.users[int(uid)] = {  # user/lib.php delete_user(): the row stays, renamed
                **user, "deleted": 1, "idnumber": "",
                "username": f"{user['email']}.{self.next_id}",
                "email": hashlib.md5(user["email"].encode()).hexdigest()}
            self.members = {m for m in self.members if m[1] != int(uid)}
            self.assignments = {a for a in self.assignments if int(uid) not in a[1:]}
        return None

    def core_cohort_create_cohorts(self, cohorts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        created = []
        for cohort in cohorts:
            if cohort["categorytype"]["type"] not in ("system", "id", "idnumber"):
                raise MoodleFault(INVALID_PARAMETER)
            if any(c["idnumber"] == cohort["idnumber"] for c in self.cohorts.values()):
                raise MoodleFault(INVALID_PARAMETER,
                                  f"record already exists: idnumber={cohort['idnumber']}")
            cid = self._new_id()
            self.cohorts[cid] = {"id": cid, "name": cohort["name"],
                                 "idnumber": cohort["idnumber"],
                                 "description": cohort.get("description", ""),
                                 "descriptionformat": 1, "visible": True}
            created.append(dict(self.cohorts[cid]))
        return created

    def core_cohort_get_cohorts(self, cohortids: list[str] | None = None) -> list[Any]:
        ids = [int(i) for i in cohortids] if cohortids else list(self.cohorts)
        return [dict(self.cohorts[i]) for i in ids if i in self.cohorts]

    def core_cohort_search_cohorts(self, query: str, context: dict[str, Any],
                                   includes: str = "parents", limitfrom: str = "0",
                                   limitnum: str = "25") -> dict[str, Any]:
        found = [dict(c) for c in self.cohorts.values()
                 if any(query.lower() in str(c[k]).lower()
                        for k in ("name", "idnumber", "description"))]
        return {"cohorts": found[int(limitfrom):int(limitfrom) + int(limitnum)]}

    def core_cohort_add_cohort_members(self, members: list[dict[str, Any]]) -> dict[str, Any]:
        warnings = []
        for member in members:
            ctype, utype = member["cohorttype"], member["usertype"]
            cid, uid = int(ctype["value"]), int(utype["value"])
            if cid not in self.cohorts:
                warnings.append({"warningcode": "2", "message": f"cohort id={cid} not exists"})
            elif uid not in self.users or self.users[uid].get("deleted"):
                warnings.append({"warningcode": "2", "message": f"user id={uid} not exists"})
            elif (cid, uid) in self.members:
                warnings.append({"warningcode": "3", "message": "record already exists: "
                                 f"cohort(id={cid} id={uid})"})
            else:
                self.members.add((cid, uid))
        return {"warnings": warnings}

    def core_cohort_delete_cohort_members(self, members: list[dict[str, Any]]) -> None:
        for member in members:
            cid = int(member["cohortid"])
            if cid not in self.cohorts:
                raise MoodleFault(MISSING_RECORD, f"cohort id={cid}")
            self._user(member["userid"])
            self.members.discard((cid, int(member["userid"])))

    def core_cohort_get_cohort_members(self, cohortids: list[str]) -> list[dict[str, Any]]:
        result = []
        for cid in map(int, cohortids):
            if cid not in self.cohorts:
                raise MoodleFault(MISSING_RECORD, f"cohort id={cid}")
            result.append({"cohortid": cid,
                           "userids": sorted(u for c, u in self.members if c == cid)})
        return result

    def _role_items(self, items: list[dict[str, Any]]) -> list[tuple[int, int, int]]:
        result = []
        for item in items:
            if item.get("contextlevel") != "user":
                raise MoodleFault(INVALID_PARAMETER)
            child = int(item["instanceid"])
            self._user(child)  # context of a missing user
            if int(item["roleid"]) not in self.roles:
                raise MoodleFault(INVALID_PARAMETER, f"Can not assign roleid={item['roleid']}")
            result.append((int(item["roleid"]), int(item["userid"]), child))
        return result

    def core_role_assign_roles(self, assignments: list[dict[str, Any]]) -> None:
        for role, user, child in self._role_items(assignments):
            if user not in self.users or self.users[user].get("deleted"):
                raise MoodleFault(DELETED_USER)
            self.assignments.add((role, user, child))

    def core_role_unassign_roles(self, unassignments: list[dict[str, Any]]) -> None:
        for entry in self._role_items(unassignments):
            self.assignments.discard(entry)
