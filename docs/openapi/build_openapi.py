#!/usr/bin/env python3
"""Builds the OpenAPI 3.1 description of the Musrenbang JSON API (/api/v1).

This script is the one source of truth, maintained by hand: every operation, parameter, status
and schema below was read from Sources/MusrenbangServer/Features/*/*API.swift and the services,
stores and Core types they call (docs/api.md says how). It writes the document the server ships
and serves at GET /api/v1/openapi.json:

    python3 docs/openapi/build_openapi.py     # writes Sources/MusrenbangServer/Public/openapi.json
    python3 docs/openapi/check.py             # the file is this script's output, valid, and linted

Never edit the JSON by hand: check.py (run by scripts/test) fails when it differs from this
script's output, and the Swift test `OpenAPITests` fails when a route the router registers under
/api/v1 is missing from it, or a documented operation is not a route.
"""
from __future__ import annotations

import json
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUTPUT = HERE.parent.parent / "Sources" / "MusrenbangServer" / "Public" / "openapi.json"

# ---------------------------------------------------------------------------------------------
# Small helpers


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def pref(name: str) -> dict:
    return {"$ref": f"#/components/parameters/{name}"}


def nullable(schema: dict) -> dict:
    """`schema` or JSON `null`: an optional member of a request body, which Swift's synthesised
    Decodable reads as absent when it is null."""
    if "type" in schema and not any(key in schema for key in ("enum", "const", "$ref", "allOf", "anyOf", "oneOf")):
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        return {**schema, "type": types + ["null"]}
    inner = {key: value for key, value in schema.items() if key != "description"}
    wrapped: dict = {"anyOf": [inner, {"type": "null"}]}
    if "description" in schema:
        wrapped["description"] = schema["description"]
    return wrapped


def obj(props: dict, required: list[str] | None = None, strict: bool = False, description: str | None = None) -> dict:
    """An object schema. `strict` (additionalProperties: false) only for shapes the server
    encodes itself from a Swift struct with synthesised Encodable: their keys are exactly these,
    and optional ones are omitted, never null. The others are request bodies: their optional
    members may also be null."""
    if not strict:
        props = {name: schema if name in (required or []) else nullable(schema) for name, schema in props.items()}
    schema: dict = {"type": "object", "properties": props}
    if required:
        schema["required"] = required
    if strict:
        schema["additionalProperties"] = False
    if description:
        schema["description"] = description
    return schema


def arr(items: dict, **extra) -> dict:
    return {"type": "array", "items": items, **extra}


STR = {"type": "string"}
BOOL = {"type": "boolean"}
INT = {"type": "integer", "format": "int64"}  # Swift Int is 64-bit on the server
INT64 = {"type": "integer", "format": "int64"}
NUM = {"type": "number", "format": "double"}
DATE = {"type": "string", "format": "date-time",
        "description": "ISO 8601 as Swift's JSONEncoder `.iso8601` writes it: `2027-01-21T12:00:00Z` (UTC, whole seconds)."}


def d(schema: dict, description: str) -> dict:
    return {**schema, "description": description}


# ---------------------------------------------------------------------------------------------
# Patterns

REGION_ANY = r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$"
REGENCY = r"^\d{2}\.\d{2}$"
DISTRICT = r"^\d{2}\.\d{2}\.\d{2}$"
VILLAGE = r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$"
SESSION = r"^\d{2}\.\d{2}\.\d{2}(\.\d{4})?$"  # a village, or a district for a district-level assembly
# Swift's `.iso8601` decoding strategy (swift-foundation, Swift 6.3) accepts fractional seconds
# and offsets but refuses the lower-case `t`/`z` that RFC 3339 (and so `format: date-time`) allows.
DATE_TIME_UPPER = r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$"

AGENCIES = ["PUPR", "DISDIK", "DINKES", "DLH", "DISHUB", "DISBUDPAR", "DKP", "DISPERTAN", "DP3AKB",
            "DISKOPUMDAG", "BPBD", "DISPEMASDES"]
FIELD_CODES = ["01", "02", "03", "04", "05"]
SUBFIELD_CODES = (["01.0%d" % i for i in range(1, 6)] + ["02.0%d" % i for i in range(1, 9)]
                  + ["03.0%d" % i for i in range(1, 5)] + ["04.0%d" % i for i in range(1, 8)]
                  + ["05.0%d" % i for i in range(1, 4)])

# ---------------------------------------------------------------------------------------------
# Schemas

S: dict[str, dict] = {}

S["Error"] = obj({
    "error": obj({
        "code": d(STR, "Stable machine code: `malformedJSON`, `required`, `type`, `invalid`, `number`, `nul`, `text.control`, `text.cluster`, `methodNotAllowed`, `unauthenticated`, "
                       "`invalidToken`, `forbidden`, `csrf`, `notFound`, `tooLarge`, `throttled`, `media.unavailable`, "
                       "or a rule's own code such as `nik.taken`, `stage.refused`, `title.length`."),
        "message": d(STR, "For people: Indonesian by default, English with `Accept-Language: en` (or the `lang=en` cookie)."),
        "field": d(STR, "The field or parameter at fault (a dotted path such as `beneficiaries.total` or "
                        "`items[0].title`). Omitted, not null, when the error is not about one field: Swift's "
                        "synthesised Encodable leaves nil optionals out."),
    }, ["code", "message"], strict=True),
}, ["error"], strict=True, description="Every error of the API, whatever the status.")

# ids and codes
for name, what in [("UserID", "account"), ("ProposalID", "proposal"), ("AssemblyID", "assembly"),
                   ("QuestionID", "question"), ("CommentID", "comment"), ("PollID", "poll")]:
    S[name] = d(INT64, f"A {what} id: encoded as the plain number (`Tagged<_, Int64>`).")
S["RegionCode"] = {"type": "string", "pattern": REGION_ANY, "examples": ["35.10.13.2007"],
                   "description": "A Kemendagri region code `PP[.KK[.CC[.DDDD]]]`: province, regency, district or village."}
S["RegencyCode"] = {"type": "string", "pattern": REGENCY, "examples": ["35.10"]}
S["DistrictCode"] = {"type": "string", "pattern": DISTRICT, "examples": ["35.10.13"]}
S["VillageCode"] = {"type": "string", "pattern": VILLAGE, "examples": ["35.10.13.2007"],
                    "description": "A village (desa `.2xxx`, kelurahan `.1xxx`) code."}
S["SessionCode"] = {"type": "string", "pattern": SESSION, "examples": ["35.10.13.2007"],
                    "description": "The place of a session: a village, or a district in a district-level assembly."}

# enums (raw values are the API contract)
ENUMS = {
    "Role": ["admin", "planner", "host", "agency", "council", "district_operator", "village_operator", "citizen"],
    "StaffRole": ["admin", "planner", "host", "agency", "council", "district_operator", "village_operator"],
    "Gender": ["female", "male"],
    "RegionLevel": ["province", "regency", "district", "village"],
    "VillageKind": ["desa", "kelurahan"],
    "AssemblyStage": ["scheduled", "checkIn", "opening", "dialogue", "proposals", "ranking", "agreement", "closed"],
    "AssemblyLevel": ["village", "district", "regency"],
    "AttendanceRole": ["bpd", "villageGovernment", "rtRw", "religiousFigure", "communityFigure", "youth", "womensGroup",
                       "farmersGroup", "poorHousehold", "disabledGroup", "community", "guestOfficial"],
    "QuestionStatus": ["pending", "approved", "hidden", "answered"],
    "PollAudience": ["office", "citizen"],
    "PollStatus": ["open", "closed"],
    "DecisionMethod": ["consensus", "vote"],
    "DecisionLevel": ["village", "district", "agency", "regency"],
    "DecisionOutcome": ["accepted", "acceptedWithChanges", "merged", "rejected", "forwarded"],
    "ProposalStatus": ["pending", "accepted", "rejected", "merged", "inProgress", "completed"],
    "ProposalKind": ["physical", "nonPhysical"],
    "FundingSource": ["villageFund", "villageAllocation", "taxShare", "ownRevenue", "provincialAid", "regencyAid",
                      "selfHelp", "regencyBudget", "provincialBudget", "nationalBudget"],
    "ProposalSource": ["citizen", "onBehalf", "group", "bpd", "council", "agency"],
    "GroupKind": ["rt", "rw", "hamlet", "pkk", "youth", "farmers", "women", "disabled", "religious", "other"],
    "HistoryEvent": ["submitted", "decision", "priority", "realisation", "agencyAssigned", "mergedIn", "verified", "budgeted", "themed"],
    "AssemblyTheme": ["women", "children", "disability", "youth"],
    "TurnEnding": ["revoked", "timeUp", "finished"],
    "CriterionDirection": ["benefit", "cost"],
    "MediaRoom": ["stage", "wall"],
    "AgencyCode": AGENCIES,
}
ENUM_NOTES = {
    "Role": "`Role` (MusrenbangCore/People/Role.swift).",
    "StaffRole": "A `Role` other than `citizen` (citizens register through `/citizens`).",
    "AgencyCode": "The regency agencies (OPD) of `Agencies.defaults`; decisions and reassignment refuse others (422).",
    "HistoryEvent": "`HistoryEntry.Event`.",
    "TurnEnding": "`FloorControl.Turn.Ending`.",
    "CriterionDirection": "`Criterion.Direction`.",
    "MediaRoom": "`Conference.Room`.",
}
for name, values in ENUMS.items():
    S[name] = {"type": "string", "enum": values}
    if name in ENUM_NOTES:
        S[name]["description"] = ENUM_NOTES[name]

# --- regions
S["RegionChild"] = obj({"code": ref("RegionCode"), "name": STR, "level": ref("RegionLevel"), "kind": ref("VillageKind")},
                       ["code", "name", "level"], strict=True)
S["RegionDetail"] = obj({"code": ref("RegionCode"), "name": STR, "level": ref("RegionLevel"), "parentCode": ref("RegionCode"),
                         "kind": ref("VillageKind"), "children": arr(ref("RegionChild"))},
                        ["code", "name", "level", "children"], strict=True)
S["RegionList"] = obj({"items": arr(ref("RegionChild"), maxItems=50)}, ["items"], strict=True)

# --- accounts
PASSWORD = {"type": "string", "minLength": 8, "maxLength": 72,
            "description": "8–72 characters and at most 72 UTF-8 bytes (bcrypt reads 72 bytes); otherwise 422 `password.length`."}
NIK = {"type": "string", "pattern": r"^\d{16}$", "description": "The 16-digit NIK (spaces are removed before checking)."}
S["LoginRequest"] = obj({"username": d(STR, "A staff username, or a citizen's NIK."), "password": STR,
                        "otp": d(STR, "The 6-digit code of the authenticator app, for an account with two-step verification "
                                      "(without it: 401 `otpRequired`).")}, ["username", "password"])
S["UserSummary"] = obj({"id": ref("UserID"), "role": ref("Role"), "regionCode": ref("RegionCode")}, ["id", "role"], strict=True)
S["LoggedIn"] = obj({"token": d(STR, "Bearer token, valid 30 days."), "user": ref("UserSummary")}, ["token", "user"], strict=True)
S["Me"] = obj({"id": ref("UserID"), "role": ref("Role"), "regionCode": ref("RegionCode"), "name": STR, "agencyCode": STR,
               "nikMasked": STR, "gender": ref("Gender")}, ["id", "role", "name"], strict=True)
S["PasswordChange"] = obj({"currentPassword": STR, "newPassword": PASSWORD}, ["currentPassword", "newPassword"])
S["CitizenRegistration"] = obj({
    "name": {"type": "string", "minLength": 2, "maxLength": 100,
             "description": "2–100 characters once runs of white space are one space; must contain a letter if it has digits."},
    "nik": NIK,
    "villageCode": ref("VillageCode"),
    "gender": d(ref("Gender"), "Decoded as a plain string and checked: anything else is 422 `gender.invalid`."),
    "password": d(PASSWORD, "Required (422) when registering oneself without a token; an operator may leave it out, and "
                            "the answer then carries an `activationCode`."),
    "phone": {"type": "string", "description": "Indonesian mobile number: 08…, 628… or +628…, 10–15 digits; blank is none."},
}, ["name", "nik", "villageCode", "gender"])
S["RegisteredCitizen"] = obj({"id": d(ref("UserID"), "Only for an operator's registration: a self-registration's answer is "
                                                     "the same whether or not the NIK already had an account, so it carries no id."),
                              "nikMasked": STR, "villageCode": ref("VillageCode"),
                              "activationCode": d(STR, "Only for an operator's registration without a password: `ABCD-EFGH`, valid 30 days.")},
                             ["nikMasked", "villageCode"], strict=True)
S["Activation"] = obj({"nik": NIK, "activationCode": {"type": "string", "examples": ["ABCD-EFGH"]}, "password": PASSWORD},
                      ["nik", "activationCode", "password"])
S["IdOfUser"] = obj({"id": ref("UserID")}, ["id"], strict=True)
S["ReasonInput"] = obj({"reason": {"type": "string", "maxLength": 500,
                                   "description": "Why (5–500 characters after trimming): required for a citizen's account "
                                                  "(422 `reason.required`), kept in the audit log; ignored for staff."}})
S["ReclaimInput"] = obj({"name": {"type": "string", "minLength": 2, "maxLength": 100, "description": "The owner's name as on the KTP."},
                         "reason": {"type": "string", "minLength": 5, "maxLength": 500, "description": "Kept in the audit log."}},
                        ["name", "reason"], description="Both are checked together: each missing or out of range is a refusal "
                                                         "(`name.length`, `reason.required`).")
S["Reclaimed"] = obj({"activationCode": d(STR, "The new one-time code (`ABCD-EFGH`, 30 days), shown once: the owner sets their "
                                               "password with it at `POST /api/v1/citizens/activate`.")}, ["activationCode"], strict=True)
S["TOTPStarted"] = obj({"secret": d(STR, "The seed in base32, for typing into an authenticator app."),
                        "uri": d(STR, "An `otpauth://totp/…` URI, for a QR code.")}, ["secret", "uri"], strict=True)
S["TOTPCode"] = obj({"code": {"type": "string", "description": "The app's current 6-digit code."}}, ["code"])
S["TOTPOff"] = obj({"password": STR, "code": {"type": "string", "description": "A current 6-digit code."}}, ["password", "code"])
S["AuditLine"] = obj({"id": INT64, "at": DATE, "actorId": ref("UserID"), "actorName": STR, "actorRole": ref("Role"),
                      "action": d(STR, "What was done: a route (`POST /api/v1/users`) or a named act (`citizen.disable`)."),
                      "target": STR, "regionCode": ref("RegionCode"),
                      "address": d(STR, "The client's address (behind trusted proxies only)."), "status": INT, "reason": STR},
                     ["id", "at", "action", "address", "status"], strict=True)
S["AuditPage"] = obj({"items": arr(ref("AuditLine")), "total": INT, "page": INT, "pageSize": INT},
                     ["items", "total", "page", "pageSize"], strict=True)
S["StaffItem"] = obj({"id": ref("UserID"), "username": STR, "name": STR, "role": ref("Role"), "regionCode": ref("RegionCode"),
                      "agencyCode": STR, "disabled": BOOL}, ["id", "name", "role", "disabled"], strict=True)
S["StaffList"] = obj({"items": arr(ref("StaffItem"))}, ["items"], strict=True)
S["StaffInput"] = obj({
    "username": {"type": "string", "minLength": 3, "maxLength": 32, "pattern": r"^[A-Za-z0-9._-]*[A-Za-z._-][A-Za-z0-9._-]*$",
                 "description": "3–32 of letters, digits, `.`, `_`, `-`, not digits only; stored in lower case."},
    "name": {"type": "string", "minLength": 2, "maxLength": 100},
    "password": PASSWORD,
    "role": d(ref("StaffRole"), "Decoded as a plain string and checked: `citizen` or an unknown role is 422 `role.invalid`."),
    "regionCode": d(ref("RegionCode"), "Required for every role but `admin`, of the level the role needs (regency for planner, "
                                       "host, agency, council; district for district_operator; village for village_operator)."),
    "agencyCode": {"type": "string", "maxLength": 32, "pattern": r"^[A-Za-z0-9._-]+$", "description": "Required for role `agency`."},
}, ["username", "name", "password", "role"])

# --- proposals
S["Subfield"] = obj({"code": STR, "name": STR}, ["code", "name"], strict=True)
S["Field"] = obj({"code": STR, "name": STR, "subfields": arr(ref("Subfield"))}, ["code", "name", "subfields"], strict=True)
S["Agency"] = obj({"code": STR, "name": STR}, ["code", "name"], strict=True)
S["Reference"] = obj({"fields": arr(ref("Field")), "fundingSources": arr(ref("FundingSource")), "agencies": arr(ref("Agency")),
                      "sources": arr(ref("ProposalSource")), "groupKinds": arr(ref("GroupKind"))},
                     ["fields", "fundingSources", "agencies", "sources", "groupKinds"], strict=True)
S["ProposalLocationInput"] = obj({
    "hamlet": {"type": "string", "maxLength": 60}, "rw": {"type": "string", "maxLength": 60}, "rt": {"type": "string", "maxLength": 60},
    "lat": {"type": "number", "minimum": -11.5, "maximum": 6.5}, "lng": {"type": "number", "minimum": 94.5, "maximum": 141.5},
}, description="Every member optional; `lat` and `lng` come together (422 `location.pair`) and must lie in Indonesia "
               "(422 `location.outsideIndonesia`).")
PEOPLE = {"type": "integer", "minimum": 0, "maximum": 10_000_000}
S["BeneficiariesInput"] = obj({"total": PEOPLE, "women": PEOPLE, "poor": PEOPLE, "disabled": PEOPLE},
                         ["total", "women", "poor", "disabled"],
                         description="All four are required when decoding (the Swift defaults do not apply to JSON). Each is "
                                     "0–10,000,000 (422 `beneficiaries.negative`, `beneficiaries.tooLarge`); `women`, `poor` and "
                                     "`disabled` may not exceed `total` (422 `beneficiaries.exceedTotal`).")
S["ProposalInput"] = obj({
    "villageCode": d(ref("VillageCode"), "A village of the tenant regency (else 422 `villageCode.unknown`); outside the "
                                         "caller's reach 403."),
    "year": d(INT, "Plan year: from last year to two years ahead of today (else 422 `year.range`)."),
    "title": {"type": "string", "minLength": 5, "maxLength": 150, "description": "5–150 characters after trimming."},
    "problem": {"type": "string", "minLength": 10, "maxLength": 2000},
    "activity": {"type": "string", "minLength": 5, "maxLength": 500,
                 "description": "Required for a free proposal; with `catalogItemId`, blank takes the item's text."},
    "fieldCode": {"type": "string", "enum": FIELD_CODES, "description": "Decoded as a string; unknown is 422 `fieldCode.unknown`. "
                  "Without it, the first two characters of `subfieldCode`. Ignored with `catalogItemId`."},
    "subfieldCode": {"type": "string", "enum": SUBFIELD_CODES,
                     "description": "Must belong to `fieldCode` (else 422 `subfieldCode.unknown`)."},
    "kind": ref("ProposalKind"),
    "location": ref("ProposalLocationInput"),
    "volume": {"type": "number", "exclusiveMinimum": 0},
    "unit": {"type": "string", "minLength": 1, "maxLength": 30, "description": "Required for a free proposal; ignored with `catalogItemId`."},
    "estimatedCost": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 1000000000000,
                      "description": "Rupiah. Required for a free proposal (422 `required`); ignored with `catalogItemId`: "
                                     "the server prices it volume × the item's unit price."},
    "catalogItemId": {"type": "string", "maxLength": 40,
                      "description": "The dictionary item (`id_kamus`) the proposal follows (usulan sesuai kamus): its unit, "
                                     "sub-bidang, agency and unit price are taken, the cost computed. Unknown: 422 "
                                     "`catalogItemId.unknown`; locked: `catalogItemId.locked`; not valid in `year`: "
                                     "`catalogItemId.retired`; volume × price over Rp 1 trillion: `volume.tooLarge`."},
    "fundingSource": ref("FundingSource"),
    "beneficiaries": ref("BeneficiariesInput"),
    "sdg": {"type": "integer", "minimum": 1, "maximum": 18, "description": "SDGs Desa goal."},
    "source": d(ref("ProposalSource"), "Defaults to the first source the caller's role may use; one it may not use is 422 "
                                      "`source.notAllowed` (citizen: citizen; village_operator: onBehalf, group, bpd; "
                                      "council: council; agency: agency; planner/admin: any)."),
    "groupKind": d(ref("GroupKind"), "Required when `source` is `group` (422 `groupKind.required`)."),
    "groupName": {"type": "string", "maxLength": 100},
    "citizenId": d(ref("UserID"), "For staff entering a proposal for a citizen (422 `citizenId.unknown` if not a citizen)."),
    "showProposerName": BOOL,
}, ["villageCode", "year", "title", "problem", "kind", "volume", "fundingSource", "beneficiaries"],
    description="`ProposalService.Input`. A free proposal (usulan langsung) needs `activity`, `subfieldCode`, `unit` and "
                "`estimatedCost`; one with `catalogItemId` takes them from the dictionary.")
S["ProposalLocation"] = obj({"hamlet": STR, "rw": STR, "rt": STR, "lat": NUM, "lng": NUM}, strict=True,
                            description="`ProposalLocation` as stored: members without a value are omitted.")
S["Beneficiaries"] = obj({"total": INT, "women": INT, "poor": INT, "disabled": INT}, ["total", "women", "poor", "disabled"], strict=True)
S["ProposalCurrent"] = obj({"volume": NUM, "estimatedCost": INT64}, ["volume", "estimatedCost"], strict=True)
S["ProposalHistoryEntry"] = obj({
    "event": ref("HistoryEvent"), "level": ref("DecisionLevel"), "outcome": ref("DecisionOutcome"), "reason": STR,
    "changes": {"type": "object", "additionalProperties": STR}, "actorRole": ref("Role"), "at": DATE,
    "text": d(STR, "The line citizens read, in the request's language."),
}, ["event", "at", "text"], strict=True)
PROPOSAL_VIEW_PROPS = {
    "id": ref("ProposalID"), "villageCode": ref("VillageCode"), "districtCode": ref("DistrictCode"), "year": INT,
    "title": STR, "problem": STR, "activity": STR, "fieldCode": STR, "subfieldCode": STR, "kind": ref("ProposalKind"),
    "location": ref("ProposalLocation"), "volume": NUM, "unit": STR, "estimatedCost": INT64,
    "catalogItemId": d(STR, "The dictionary item followed (`id_kamus`); absent for a free proposal."),
    "unitPrice": d(INT64, "The item's unit price when the proposal was made (a later price never changes it)."),
    "verification": ref("Verification"),
    "fundingSource": ref("FundingSource"), "beneficiaries": ref("Beneficiaries"), "sdg": INT, "source": ref("ProposalSource"),
    "groupKind": ref("GroupKind"), "groupName": STR,
    "theme": d(ref("AssemblyTheme"), "The thematic musrenbang it belongs to: the theme of the thematic session it joined, "
                                     "or a planner's or operator's tag; absent for the general musrenbang."),
    "proposer": d(STR, "The proposer's name only if they allowed it, else e.g. `Warga Desa Bubuk`."),
    "level": ref("DecisionLevel"), "status": ref("ProposalStatus"), "agencyCode": STR, "current": ref("ProposalCurrent"),
    "mergedInto": ref("ProposalID"), "progress": {"type": "integer", "minimum": 0, "maximum": 100},
    "supportCount": INT, "score": NUM, "priority": INT, "createdAt": DATE, "updatedAt": DATE,
    "history": d(arr(ref("ProposalHistoryEntry")), "Only in single-proposal answers."),
    "photos": d(arr({"type": "string", "pattern": r"^/foto/[0-9a-f]+$"}), "Only in single-proposal answers: `/foto/{sha256}`."),
}
S["ProposalView"] = obj(PROPOSAL_VIEW_PROPS, [
    "id", "villageCode", "districtCode", "year", "title", "problem", "activity", "fieldCode", "subfieldCode", "kind",
    "location", "volume", "unit", "estimatedCost", "fundingSource", "beneficiaries", "source", "proposer", "level", "status",
    "current", "progress", "supportCount", "createdAt", "updatedAt", "verification"], strict=True,
    description="`ProposalView`: a proposal as the public sees it (lists leave out `history` and `photos`).")
VERIFICATION_STATUS = {"type": "string", "enum": ["notSurveyed", "feasible", "notFeasible"]}
S["Verification"] = obj({
    "status": VERIFICATION_STATUS, "reason": STR, "surveyedOn": d(STR, "`YYYY-MM-DD`."), "notes": STR, "lat": NUM, "lng": NUM,
}, ["status"], strict=True, description="The latest field verification by an agency (verifikasi lapangan).")
S["VerificationInput"] = obj({
    "status": VERIFICATION_STATUS,
    "reason": {"type": "string", "maxLength": 500, "description": "5–500 characters; required for `notFeasible` (422 `required`)."},
    "surveyedOn": {"type": "string", "description": "`YYYY-MM-DD`, required unless `notSurveyed`; not a date: 422 `surveyedOn.invalid`; "
                                                     "after today or more than a year back: 422 `surveyedOn.range`."},
    "notes": {"type": "string", "maxLength": 1000},
    "lat": NUM, "lng": NUM,
}, ["status"], description="`lat` and `lng` together (422 `location.pair`), inside Indonesia (422 `location.outsideIndonesia`).")
S["ProposalDetail"] = {"allOf": [ref("ProposalView"), {"required": ["history", "photos"]}],
                       "description": "A `ProposalView` with its `history` and `photos`."}
S["ProposalPage"] = obj({"items": arr(ref("ProposalView")), "total": INT, "page": {"type": "integer", "minimum": 1},
                         "pageSize": {"type": "integer", "minimum": 1}}, ["items", "total", "page", "pageSize"], strict=True)
S["SimilarItem"] = obj({"id": ref("ProposalID"), "title": STR, "year": INT, "villageCode": ref("VillageCode"),
                        "status": ref("ProposalStatus"), "statusText": STR, "supportCount": INT,
                        "score": d(NUM, "Similarity 0–1, two decimals.")},
                       ["id", "title", "year", "villageCode", "status", "statusText", "supportCount", "score"], strict=True)
S["SimilarList"] = obj({"items": arr(ref("SimilarItem"), maxItems=5)}, ["items"], strict=True)
S["SupportCount"] = obj({"supportCount": INT}, ["supportCount"], strict=True)
S["CommentItem"] = obj({"id": ref("CommentID"), "parentId": ref("CommentID"),
                        "author": d(STR, "Staff by name and office; citizens only as residents of their village."),
                        "body": d(STR, "Omitted when the comment is hidden."), "hidden": BOOL, "hiddenReason": STR,
                        "flagCount": INT, "createdAt": DATE},
                       ["id", "author", "hidden", "flagCount", "createdAt"], strict=True)
S["CommentList"] = obj({"items": arr(ref("CommentItem"))}, ["items"], strict=True)
S["CommentInput"] = obj({"body": {"type": "string", "minLength": 2, "maxLength": 2000,
                                  "description": "2–2000 characters after trimming (422 `body.length`)."},
                         "parentId": d(ref("CommentID"), "A top-level comment of the same proposal (422 `parentId.unknown`, "
                                                         "`parentId.nested`).")}, ["body"])
S["IdOfComment"] = obj({"id": ref("CommentID")}, ["id"], strict=True)
S["FlagCount"] = obj({"flagCount": INT}, ["flagCount"], strict=True)
S["HideInput"] = obj({"reason": {"type": "string", "minLength": 5, "maxLength": 300}}, ["reason"])
S["DecisionRequest"] = obj({
    "level": d(ref("DecisionLevel"), "Must be the level the proposal stands at (else 409)."),
    "outcome": ref("DecisionOutcome"),
    "reason": {"type": "string", "maxLength": 2000, "description": "At least 5 characters for every outcome but `accepted` (422 `reason.required`)."},
    "volume": {"type": "number", "exclusiveMinimum": 0, "description": "`acceptedWithChanges` needs `volume` or `estimatedCost`."},
    "estimatedCost": {"type": "integer", "format": "int64", "minimum": 0, "maximum": 1_000_000_000_000,
                      "description": "Rupiah, at most Rp 1 trillion as for a new proposal (422 `estimatedCost.tooLarge`)."},
    "mergedInto": d(ref("ProposalID"), "Required for `merged`: a live proposal of the same district (422 `mergedInto.invalid`)."),
    "agencyCode": ref("AgencyCode"),
}, ["level", "outcome"], description="`DecisionRequest` (MusrenbangCore/Proposals/Routing.swift).")
S["ScoresInput"] = obj({"scores": {"type": "object", "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 5},
                                   "description": "Criterion key → score 1–5. An unknown key is 422 `scores.unknownCriterion` "
                                                  "(field `scores.<key>`); a score outside 1–5 is 422 `scores.range`."}},
                       ["scores"])
S["Score"] = obj({"score": d(NUM, "The weighted 1–5 score; omitted until every criterion is scored.")}, strict=True)
S["PriorityInput"] = obj({"priority": {"type": "integer", "minimum": 1, "description": "1…n within the village's ranking (else 422 `priority.range`)."},
                          "reason": {"type": "string", "minLength": 5, "description": "At least 5 characters after trimming."}},
                         ["priority", "reason"])
S["Order"] = obj({"order": arr(ref("ProposalID"))}, ["order"], strict=True,
                 description="Proposal ids in priority order (priority = index + 1).")
S["AgencyInput"] = obj({"agencyCode": ref("AgencyCode")}, ["agencyCode"])
S["RealisationInput"] = obj({
    "budgetLine": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S",
                   "description": "Not blank, at most 200 characters (422 `realisation.invalid`)."},
    "amount": {"type": "integer", "format": "int64", "minimum": 0, "description": "Rupiah (422 `amount.negative`)."},
    "year": {"type": "integer", "minimum": 2000, "maximum": 2100, "description": "The budget year (422 `year.range`)."},
    "progress": {"type": "integer", "minimum": 0, "maximum": 100, "description": "Percent; never below the current progress (409)."},
    "note": {"type": "string", "maxLength": 2000, "description": "At most 2000 characters (422 `note.length`)."},
}, ["budgetLine", "amount", "year", "progress"], description="`ProposalService.Realisation`.")
S["Photo"] = obj({"url": {"type": "string", "pattern": r"^/foto/[0-9a-f]+$"}}, ["url"], strict=True)
S["RankedItem"] = obj({"priority": {"type": "integer", "minimum": 1}, "proposal": ref("ProposalView")}, ["priority", "proposal"], strict=True)
S["Ranked"] = obj({"items": arr(ref("RankedItem"))}, ["items"], strict=True)
S["RankInput"] = obj({"year": INT}, ["year"])
S["Ceiling"] = obj({"ceiling": d(INT64, "Omitted when no ceiling is set."), "committed": INT64,
                    "remaining": d(INT64, "`ceiling − committed`; omitted when no ceiling is set (may be negative).")},
                   ["committed"], strict=True)
S["CeilingInput"] = obj({"amount": {"type": "integer", "format": "int64", "minimum": 0}}, ["amount"])
S["CriterionInput"] = obj({
    "key": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,40}$",
            "description": "1–40 letters, digits, `_` or `-`: it names the score in `scores` (422 `criteria.key`)."},
    "name": {"type": "string", "minLength": 1, "maxLength": 100, "pattern": r"\S",
             "description": "1–100 characters after trimming (422 `criteria.name`)."},
    "weight": {"type": "number", "exclusiveMinimum": 0},
    "direction": ref("CriterionDirection"),
    "descriptions": arr({"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"}, minItems=5, maxItems=5,
                        description="Five descriptions, for scores 1 to 5, each 1–200 characters after trimming "
                                    "(422 `criteria.description`, field `criteria[i].descriptions[j]`)."),
}, ["key", "name", "weight", "direction", "descriptions"],
    description="`Criterion` (MusrenbangCore/Proposals/Scoring.swift). `direction` is required in JSON (no default when decoding).")
S["Criterion"] = obj({"key": STR, "name": STR, "weight": NUM, "direction": ref("CriterionDirection"), "descriptions": arr(STR)},
                    ["key", "name", "weight", "direction", "descriptions"], strict=True)
S["Criteria"] = obj({"criteria": arr(ref("Criterion"))}, ["criteria"], strict=True)
S["CriteriaInput"] = obj({"criteria": arr(ref("CriterionInput"), minItems=1, maxItems=20,
                                          description="Weights positive and adding up to 1 (±0.001), keys unique, at most 20 "
                                                      "(422 `criteria.weights`, `criteria.shape`, `criteria.count`).")}, ["criteria"])
S["Notice"] = obj({"id": INT64, "proposalId": ref("ProposalID"), "message": STR, "createdAt": DATE, "read": BOOL},
                  ["id", "message", "createdAt", "read"], strict=True)
S["NoticeList"] = obj({"items": arr(ref("Notice"))}, ["items"], strict=True)

# --- assemblies
S["AgendaItem"] = obj({"title": STR, "minutes": INT, "speaker": STR}, ["title", "minutes"], strict=True)
S["AgendaItemInput"] = obj({"title": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": r"\S"},
                       "minutes": {"type": "integer", "minimum": 1, "maximum": 600},
                       "speaker": {"type": "string", "maxLength": 200}}, ["title", "minutes"],
                      description="`AgendaItem`; a blank title is refused (422 `agenda.invalid`).")
S["ScheduleInput"] = obj({
    "title": {"type": "string", "minLength": 5, "maxLength": 150},
    "level": ref("AssemblyLevel"),
    "regencyCode": d(ref("RegencyCode"), "Must be the tenant regency (422 `regencyCode.unknown`)."),
    "planYear": d(INT, "Last year to two years ahead (422 `planYear.range`)."),
    "startsAt": {"type": "string", "format": "date-time", "pattern": DATE_TIME_UPPER,
                 "description": "ISO 8601 / RFC 3339 with an upper-case `T` and `Z` (Swift's `.iso8601` refuses `t`/`z`: 422 `invalid`)."},
    "hubVillageCode": d(ref("VillageCode"), "A village of the regency (422 `hubVillageCode.unknown`)."),
    "villageCodes": arr(ref("SessionCode"), minItems=1,
                        description="Default: every village (a district-level assembly: every district) of the regency."),
    "agenda": arr(ref("AgendaItemInput"), maxItems=50, description="Default: the standard six-item agenda."),
    "theme": d({"anyOf": [ref("AssemblyTheme"), {"type": "string", "maxLength": 0}, {"type": "null"}]},
               "A thematic musrenbang's group; absent, null or empty for the general one "
                                               "(422 `theme.invalid` otherwise)."),
}, ["title", "level", "regencyCode", "planYear", "startsAt", "hubVillageCode"], description="`AssemblyService.Schedule`.")
S["IdOfAssembly"] = obj({"id": ref("AssemblyID")}, ["id"], strict=True)
S["AssemblyItem"] = obj({"id": ref("AssemblyID"), "title": STR, "stage": ref("AssemblyStage"), "startsAt": DATE, "rehearsal": BOOL,
                         "theme": d(ref("AssemblyTheme"), "Absent for the general musrenbang.")},
                        ["id", "title", "stage", "startsAt", "rehearsal"], strict=True)
S["AssemblyList"] = obj({"items": arr(ref("AssemblyItem"), maxItems=50)}, ["items"], strict=True)
S["AssemblySessionView"] = obj({"villageCode": ref("SessionCode"), "villageName": STR, "stage": ref("AssemblyStage"),
                                "rankingAgreed": BOOL, "lastHeartbeat": DATE},
                               ["villageCode", "villageName", "stage", "rankingAgreed"], strict=True)
S["StageTransition"] = obj({"from": ref("AssemblyStage"), "to": ref("AssemblyStage"), "at": DATE}, ["from", "to", "at"], strict=True)
S["AssemblyDetail"] = obj({
    "id": ref("AssemblyID"), "title": STR, "level": ref("AssemblyLevel"), "regencyCode": ref("RegencyCode"), "planYear": INT,
    "startsAt": DATE, "hubVillageCode": ref("VillageCode"), "stage": ref("AssemblyStage"), "rehearsalOf": ref("AssemblyID"),
    "agenda": arr(ref("AgendaItem")), "stageLog": arr(ref("StageTransition")), "sessions": arr(ref("AssemblySessionView")),
    "theme": d(ref("AssemblyTheme"), "A thematic musrenbang's group; absent for the general one."),
}, ["id", "title", "level", "regencyCode", "planYear", "startsAt", "hubVillageCode", "stage", "agenda", "stageLog", "sessions"],
    strict=True)
S["AgendaInput"] = obj({"items": arr(ref("AgendaItemInput"), maxItems=50)}, ["items"])
S["StageInput"] = obj({"stage": ref("AssemblyStage")}, ["stage"])
S["SessionAnswer"] = obj({"villageCode": ref("SessionCode"), "stage": ref("AssemblyStage"), "rankingAgreed": BOOL,
                          "lastHeartbeat": DATE}, ["villageCode", "stage", "rankingAgreed"], strict=True)
S["CheckInInput"] = obj({
    "villageCode": d(ref("SessionCode"), "The session checking the person in (404 if the assembly has no such session)."),
    "citizenId": d(ref("UserID"), "Second choice after `code`: 404 `citizen.unknown` if not a citizen."),
    "nik": d(STR, "Third choice: an unregistered NIK without `name` is 404 `nik.unregistered`."),
    "code": d(STR, "First choice: the signed code from `GET /api/v1/me/checkin-code` (`1234-7F3A9C`); 422 `code.invalid`."),
    "role": ref("AttendanceRole"),
    "gender": d(ref("Gender"), "Used when the account has no gender."),
    "name": d(STR, "Registers a walk-in with `nik`."),
    "residenceVillageCode": d(STR, "The walk-in's home village (default: the session's)."),
    "nameConsent": d(BOOL, "Whether the person agreed to be named on the attendance list and the minutes (else initials)."),
}, ["villageCode", "role", "gender"], description="`AssemblyService.CheckIn`: one of `code`, `citizenId`, `nik` (else 422 `required`, field `nik`).")
S["Attended"] = obj({"id": INT64, "villageCode": ref("SessionCode"), "userId": ref("UserID"), "role": ref("AttendanceRole"),
                     "gender": ref("Gender"), "guest": BOOL, "created": BOOL},
                    ["id", "villageCode", "userId", "role", "gender", "guest", "created"], strict=True)
S["SummaryVillages"] = obj({k: INT for k in ["total", "checkIn", "inProgress", "closed", "silent", "notStarted"]},
                           ["total", "checkIn", "inProgress", "closed", "silent", "notStarted"], strict=True)
S["SummaryAttendance"] = obj({"total": INT, "women": INT, "men": INT,
                              "byRole": {"type": "object", "additionalProperties": INT,
                                         "description": "By `AttendanceRole` raw value."},
                              "themeGroup": d(INT, "At a thematic musrenbang, attendees of the theme's group: its unsur "
                                                   "(`womensGroup`, `disabledGroup`, `youth`), and every woman at a women's "
                                                   "musrenbang; 0 for the general one.")},
                             ["total", "women", "men", "byRole", "themeGroup"], strict=True)
S["SummaryProposals"] = obj({"total": INT, "byField": {"type": "object", "additionalProperties": INT,
                                                       "description": "By field code (`01`…`05`)."}},
                            ["total", "byField"], strict=True)
S["SummaryVillage"] = obj({"villageCode": ref("SessionCode"), "stage": ref("AssemblyStage"), "attendance": INT, "women": INT,
                           "proposals": INT, "lastHeartbeat": DATE, "silent": BOOL},
                          ["villageCode", "stage", "attendance", "women", "proposals", "silent"], strict=True)
S["AssemblySummary"] = obj({"stage": ref("AssemblyStage"), "villages": ref("SummaryVillages"), "attendance": ref("SummaryAttendance"),
                            "proposals": ref("SummaryProposals"), "supports": INT, "perVillage": arr(ref("SummaryVillage"))},
                           ["stage", "villages", "attendance", "proposals", "supports", "perVillage"], strict=True,
                           description="`AssemblySummary` (MusrenbangStore/AssemblyStore.swift), computed on every call.")
S["QuestionInput"] = obj({"body": {"type": "string", "minLength": 5, "maxLength": 500},
                          "villageCode": d(ref("RegionCode"), "The asker's village session (default: the caller's region, "
                                                              "then the hub village); not a region code: 422 `villageCode.invalid`.")},
                         ["body"])
S["IdOfQuestion"] = obj({"id": ref("QuestionID")}, ["id"], strict=True)
S["Question"] = obj({"id": ref("QuestionID"), "villageCode": ref("SessionCode"), "body": STR, "status": ref("QuestionStatus"),
                     "upvotes": INT, "createdAt": DATE}, ["id", "villageCode", "body", "status", "upvotes", "createdAt"], strict=True)
S["QuestionList"] = obj({"items": arr(ref("Question"))}, ["items"], strict=True)
S["QuestionStatusInput"] = obj({"status": {"type": "string", "enum": ["approved", "hidden", "answered"],
                                           "description": "A `QuestionStatus`; `pending` decodes but is refused (422 `status.invalid`)."}},
                               ["status"])
S["Upvotes"] = obj({"upvotes": INT}, ["upvotes"], strict=True)
S["MinutesFieldsInput"] = obj({
    "venue": {"type": "string", "maxLength": 300}, "onlineLink": {"type": "string", "maxLength": 300},
    "chair": {"type": "string", "maxLength": 300}, "minuteTaker": {"type": "string", "maxLength": 300},
    "resourcePersons": arr({"type": "string", "maxLength": 200}, maxItems=40), "agreements": {"type": "string", "maxLength": 10000},
    "decisionMethod": ref("DecisionMethod"), "signatories": arr({"type": "string", "maxLength": 200}, maxItems=40),
    "documentNumber": {"type": "string", "maxLength": 100, "description": "The letter number the office gives the paper "
                                                                          "(422 `documentNumber.length`)."},
    "delegates": arr(ref("Delegate"), maxItems=3, description="A kecamatan's three delegates (Lampiran IV); finalising needs three, "
                                                               "at least one a woman (`delegates.count`, `delegates.woman`)."),
    "groupSessions": arr(ref("GroupSession"), maxItems=10, description="A kecamatan's group sessions (`groupSessions.length`)."),
}, description="`BeritaAcara.Editable`: all optional. At most 40 names in `resourcePersons` and `signatories` together. "
               "A refusal's `field` names the member at fault (`venue`, `onlineLink`, `chair`, `minuteTaker`, `agreements`, "
               "`resourcePersons`, `signatories`), without the `fields.` prefix, as the page's form does.")
S["Delegate"] = obj({"name": {"type": "string", "minLength": 3, "maxLength": 100}, "gender": ref("Gender"),
                     "institution": {"type": "string", "maxLength": 100}}, ["name", "gender", "institution"])
S["GroupSession"] = obj({"title": {"type": "string", "maxLength": 200}, "chair": {"type": "string", "maxLength": 200},
                         "participants": {"type": "integer", "minimum": 0, "maximum": 100000},
                         "notes": {"type": "string", "maxLength": 5000}}, ["title", "chair", "notes"])
S["MinutesFields"] = obj({k: STR for k in ["venue", "onlineLink", "chair", "minuteTaker", "agreements", "documentNumber"]}
                         | {"resourcePersons": arr(STR), "signatories": arr(STR), "decisionMethod": ref("DecisionMethod"),
                            "delegates": arr(obj({"name": STR, "gender": ref("Gender"), "institution": STR},
                                                 ["name", "gender", "institution"], strict=True)),
                            "groupSessions": arr(obj({"title": STR, "chair": STR, "participants": INT, "notes": STR},
                                                     ["title", "chair", "notes"], strict=True))},
                         strict=True, description="`BeritaAcara.Editable` as saved: members without a value are omitted.")
S["MinutesInput"] = obj({"fields": ref("MinutesFieldsInput"), "finalize": BOOL,
                         "amendmentReason": {"type": "string", "maxLength": 500,
                                             "description": "Required (5–500 characters) to change final minutes: without it 409 "
                                                            "`minutes.finalized`. Over 500 characters is 422 `amendmentReason.length` "
                                                            "even when none is needed."}},
                        ["fields"])
S["MinutesAttendee"] = obj({"name": STR, "role": d(STR, "The role's Indonesian name."), "gender": {"type": "string", "enum": ["P", "L"]},
                            "guest": BOOL, "origin": STR}, ["name", "role", "gender", "guest", "origin"], strict=True)
S["MinutesRankedProposal"] = obj({"priority": INT, "id": ref("ProposalID"), "title": STR, "field": STR, "location": STR,
                                  "volume": STR, "estimatedCost": INT64, "fundingSource": STR, "status": STR},
                                 ["priority", "id", "title", "field", "location", "volume", "estimatedCost", "fundingSource", "status"],
                                 strict=True)
S["MinutesFloorTurn"] = obj({"topic": STR, "start": STR, "end": STR, "seconds": INT}, ["topic", "start", "end", "seconds"], strict=True)
S["MinutesCounts"] = obj({"total": INT, "women": INT, "men": INT, "byRole": {"type": "object", "additionalProperties": INT}},
                         ["total", "women", "men", "byRole"], strict=True)
S["RecordingLink"] = obj({"name": STR, "url": STR, "size": STR}, ["name", "url", "size"], strict=True)
S["BeritaAcara"] = obj({
    "assemblyId": ref("AssemblyID"), "villageCode": ref("SessionCode"), "villageName": STR,
    "date": d(STR, "Indonesian date, e.g. `21 Januari 2027`."), "heldAt": DATE, "startTime": STR, "endTime": STR,
    "fields": ref("MinutesFields"), "attendance": ref("MinutesCounts"), "attendees": arr(ref("MinutesAttendee")),
    "rankedProposals": arr(ref("MinutesRankedProposal")), "floorTurns": arr(ref("MinutesFloorTurn")),
    "finalizedAt": DATE, "amendments": arr(STR), "recordings": arr(ref("RecordingLink")),
    "polls": d(arr(ref("MinutesPoll")), "The assembly's polls closed so far, with their final results and this office's answer; "
                                        "absent in records finalised before polls existed."),
    "districtResults": d({"type": "object"}, "A kecamatan session's results (Lampiran II and III: priorities by agency, what "
                                             "could not be accommodated, the ceiling); absent for a village."),
}, ["assemblyId", "villageCode", "villageName", "date", "fields", "attendance", "attendees", "rankedProposals", "amendments"],
    strict=True, description="The berita acara of one session: the draft filled from the session, or the locked record once final.")
S["MinutesPollOption"] = obj({"label": STR, "count": INT, "percent": INT}, ["label", "count", "percent"], strict=True)
S["MinutesPoll"] = obj({"question": STR, "audience": d(STR, "Who answered, as the paper says it (`kantor desa`, `warga yang hadir`)."),
                        "closedAt": d(STR, "Clock time, e.g. `19.42 WIB`."), "options": arr(ref("MinutesPollOption")),
                        "total": INT, "officesAnswered": INT, "officesPresent": INT,
                        "villageAnswer": d(STR, "The option this office chose; absent when it did not answer.")},
                       ["question", "audience", "closedAt", "options", "total", "officesAnswered", "officesPresent"], strict=True)
S["PollInput"] = obj({"question": {"type": "string", "minLength": 5, "maxLength": 300},
                      "options": d(arr({"type": "string", "minLength": 1, "maxLength": 120}, minItems=2, maxItems=6),
                                   "2–6 distinct, non-blank options (compared without case and accents)."),
                      "audience": d(ref("PollAudience"), "`office` (default): one answer per village session, given by its team; "
                                                         "`citizen`: one per citizen checked in at the assembly.")},
                     ["question", "options"], strict=True)
S["PollOption"] = obj({"id": d(INT, "The option's number, from 1: what an answer sends."), "label": STR, "count": INT,
                       "percent": d(INT, "Share of the answers, whole percent.")}, ["id", "label", "count", "percent"], strict=True)
S["Poll"] = obj({"id": ref("PollID"), "assemblyId": ref("AssemblyID"), "question": STR, "audience": ref("PollAudience"),
                 "status": ref("PollStatus"), "openedAt": DATE, "closedAt": DATE, "options": arr(ref("PollOption")),
                 "total": d(INT, "Answers counted (always the sum of the options' counts)."),
                 "officesAnswered": d(INT, "Distinct village offices among the answers."),
                 "officesPresent": d(INT, "Sessions that have started: now for an open poll, when it closed for a closed one.")},
                ["id", "assemblyId", "question", "audience", "status", "openedAt", "options", "total", "officesAnswered", "officesPresent"],
                strict=True, description="A poll and its results: counts only, never who answered what.")
S["PollList"] = obj({"items": arr(ref("Poll"))}, ["items"], strict=True)
S["PollAnswerInput"] = obj({"option": d(INT, "An option's number (1–6).")}, ["option"], strict=True)
S["PollAnswer"] = obj({"id": INT64, "pollId": ref("PollID"), "option": INT, "villageCode": ref("SessionCode"),
                       "created": d({"type": "boolean"}, "False for a retry with the same `Idempotency-Key`.")},
                      ["id", "pollId", "option", "villageCode", "created"], strict=True)
S["LiveEvent"] = obj({
    "id": d({"type": "string", "pattern": "^[0-9]+$"}, "The event's number in the assembly's log: send it back as `Last-Event-ID`."),
    "event": {"type": "string", "enum": ["stage", "session", "attendance", "proposal", "question", "ranking", "floor", "media",
                                         "recordings", "poll", "closeout"]},
    "data": {"type": "string", "contentMediaType": "application/json",
             "contentSchema": {"type": "object", "additionalProperties": STR},
             "description": "A JSON object of strings: what changed (e.g. `{\"hub\":\"opening\",\"from\":\"checkIn\"}`)."},
    "retry": {"type": "integer", "description": "Only the stream's first block (`retry: 2000`), which carries no event."},
}, ["id", "event", "data"], strict=True, description="One server-sent event of `GET /api/v1/assemblies/{id}/live`.")
S["StationRole"] = obj({"role": ref("AttendanceRole"), "name": d(STR, "The unsur's name in the request's language."),
                       "count": INT}, ["role", "name", "count"], strict=True)
HEAD_COUNT = obj({"men": INT, "women": INT, "total": INT}, ["men", "women", "total"], strict=True)
CLOSE_OUT_STATE = {"type": "string", "enum": ["pending", "submitted", "validated", "incident"]}
S["HeadCount"] = HEAD_COUNT
S["CloseOutState"] = CLOSE_OUT_STATE
S["CloseOut"] = obj({
    "villageCode": ref("SessionCode"), "state": ref("CloseOutState"),
    "scan": obj({"url": d(STR, "Where the scan is read (the team, the kecamatan, the hub)."),
                 "kind": {"type": "string", "enum": ["jpeg", "png", "webp", "pdf"]}, "contentType": STR, "bytes": INT, "uploadedAt": DATE},
                ["url", "kind", "contentType", "bytes", "uploadedAt"], strict=True),
    "paper": d(ref("HeadCount"), "The figures written on the signed paper."),
    "recorded": d(ref("HeadCount"), "The check-ins counted when the figures were submitted."),
    "comparison": {"type": "string", "enum": ["matches", "mismatch"]},
    "difference": d(obj({"total": INT, "men": INT, "women": INT}, ["total", "men", "women"], strict=True),
                    "The paper minus the check-ins, when they disagree."),
    "flagged": BOOL, "submittedAt": DATE, "reviewedAt": DATE, "reason": d(STR, "The incident's reason."),
}, ["villageCode", "state", "flagged"], strict=True,
    description="A village station's close-out: `pending` (nothing or only a scan handed in), `submitted` (flagged when the paper "
                "disagrees with the check-ins), then the kecamatan's `validated` or `incident`.")
S["CloseOutFigures"] = obj({"men": INT, "women": INT, "total": INT}, ["men", "women", "total"],
                           description="0–100,000 each (422 `men.range`, `women.range`, `total.range`); `total` = `men` + `women` "
                                       "(422 `total.sum`).")
S["IncidentInput"] = obj({"reason": {"type": "string", "maxLength": 500, "description": "5–500 characters (422 `required`, `reason.length`)."}},
                         ["reason"])
S["CloseOutOverview"] = obj({
    "counts": obj({k: INT for k in ["closed", "pending", "submitted", "validated", "incident", "flagged"]},
                  ["closed", "pending", "submitted", "validated", "incident", "flagged"], strict=True),
    "stations": arr(obj({"villageCode": ref("SessionCode"), "stage": ref("AssemblyStage"),
                         "state": d(ref("CloseOutState"), "Absent while the session is open."), "flagged": BOOL},
                        ["villageCode", "stage", "flagged"], strict=True)),
}, ["counts", "stations"], strict=True, description="Every station's close-out, for the control room.")
S["StationFigures"] = obj({"villageCode": ref("SessionCode"), "name": STR, "stage": ref("AssemblyStage"), "stageName": STR,
                           "lastHeartbeat": DATE, "attendance": INT, "women": INT, "men": INT, "byRole": arr(ref("StationRole")),
                           "proposals": INT, "consoleUrl": d(STR, "The session's console page.")},
                          ["villageCode", "name", "stage", "stageName", "attendance", "women", "men", "byRole", "proposals",
                           "consoleUrl"], strict=True, description="One station as the control room's detail shows it.")
S["CheckInCode"] = obj({"code": {"type": "string", "pattern": r"^\d+-[0-9A-F]{6}$"}}, ["code"], strict=True)

# --- floor
S["FloorRules"] = obj({"maximumOnStage": INT, "speakingLimit": NUM, "warningBefore": NUM},
                     ["maximumOnStage", "speakingLimit", "warningBefore"], strict=True, description="`FloorControl.Rules`.")
S["FloorRulesInput"] = obj({"maximumOnStage": {"type": "integer", "minimum": 1, "maximum": 8},
                       "speakingLimit": {"type": "number", "minimum": 5, "maximum": 3600},
                       "warningBefore": {"type": "number", "minimum": 0, "description": "Less than `speakingLimit`."}},
                      ["maximumOnStage", "speakingLimit", "warningBefore"],
                      description="`FloorControl.Rules`; all three are required in JSON. Out of range: 422 `floor.rules` (field `rules`).")
S["FloorWaiting"] = obj({"villageCode": ref("SessionCode"), "villageName": STR, "districtName": STR, "topic": STR,
                         "position": {"type": "integer", "minimum": 1}, "waitingSeconds": INT},
                        ["villageCode", "villageName", "districtName", "topic", "position", "waitingSeconds"], strict=True)
S["FloorSpeaking"] = obj({"villageCode": ref("SessionCode"), "villageName": STR, "topic": STR, "speakingSeconds": INT,
                          "secondsLeft": {"type": "integer", "minimum": 0}, "warned": BOOL, "muted": BOOL},
                         ["villageCode", "villageName", "topic", "speakingSeconds", "secondsLeft", "warned", "muted"], strict=True)
S["FloorTurn"] = obj({"villageCode": ref("SessionCode"), "villageName": STR, "topic": STR, "startedAt": DATE, "endedAt": DATE,
                      "seconds": INT, "ending": ref("TurnEnding")},
                     ["villageCode", "villageName", "topic", "startedAt", "endedAt", "seconds", "ending"], strict=True)
S["FloorView"] = obj({"rules": ref("FloorRules"), "queue": arr(ref("FloorWaiting")), "stage": arr(ref("FloorSpeaking")),
                      "turns": arr(ref("FloorTurn"))}, ["rules", "queue", "stage", "turns"], strict=True,
                     description="`FloorService.View`: the floor as people read it.")
S["RaiseHandInput"] = obj({"villageCode": ref("SessionCode"),
                           "topic": {"type": "string", "minLength": 1, "pattern": r"\S",
                                     "description": "Not blank (422 `floor.topic`); kept to 200 characters."}},
                          ["villageCode", "topic"])
S["VillageInput"] = obj({"villageCode": ref("RegionCode")}, ["villageCode"],
                        description="`FloorAPI.VillageBody`: decoded as a `RegionCode` (422 `invalid` if not one).")
S["MayPublish"] = obj({"mayPublish": BOOL}, ["mayPublish"], strict=True)

# --- media
S["SessionDescription"] = obj({"type": d(STR, "`offer` or `answer`."), "sdp": STR}, ["type", "sdp"], strict=True,
                              description="`SessionDescription`: an SDP as WebRTC and Janus write it.")
S["SessionDescriptionInput"] = obj({"type": {"type": "string", "enum": ["offer", "answer"]},
                               "sdp": {"type": "string", "pattern": "^v=0", "maxLength": 65536}}, ["type", "sdp"],
                              description="An SDP as WebRTC writes it. Sent ones are checked: the expected `type`, starting "
                                          "with `v=0`, at most 64 KB (else 422 `media.sdp`).")
S["SdpOffer"] = {"allOf": [ref("SessionDescriptionInput"), {"properties": {"type": {"const": "offer"}}}]}
S["SdpAnswer"] = {"allOf": [ref("SessionDescriptionInput"), {"properties": {"type": {"const": "answer"}}}]}
S["MediaFeed"] = obj({"feed": {"type": "integer", "minimum": 0}, "label": d(STR, "`hub` or a village code."), "name": STR,
                      "mountpoint": INT, "audioOnly": BOOL}, ["feed", "label", "name", "audioOnly"], strict=True)
S["MediaProgram"] = obj({"webrtc": d(BOOL, "Another public WebRTC viewer fits under this server's cap (`MUSRENBANG_WEBRTC_VIEWERS`); "
                                           "if not, the public page plays `hls`."),
                         "hls": d(STR, "The program's HLS playlist (`/musrenbang/{id}/siaran/index.m3u8`), while the hub is on air "
                                       "and packaged; absent otherwise.")},
                        ["webrtc"], strict=True, description="How the public watches the program: WebRTC while there is room, HLS beyond.")
S["MediaState"] = obj({"configured": BOOL, "available": BOOL, "epoch": d(INT, "Changes when Janus restarted."),
                       "stage": arr(ref("MediaFeed")), "wall": d(arr(ref("MediaFeed")), "Filled for moderators only."),
                       "program": ref("MediaProgram")},
                      ["configured", "available", "epoch", "stage", "wall", "program"], strict=True)
S["PublishInput"] = obj({"villageCode": d(STR, "`hub` (those who lead the assembly; stage only) or a session's code."),
                         "room": d(ref("MediaRoom"), "Default `stage`; decoded as a string: other values are 422 `media.room`."),
                         "offer": d(ref("SdpOffer"), "A missing or unreadable offer is 422 `media.sdp` (field `offer`).")},
                        ["villageCode", "offer"])
S["Answered"] = obj({"peer": STR, "answer": ref("SessionDescription")}, ["peer", "answer"], strict=True)
S["SubscribeInput"] = obj({"room": ref("MediaRoom"),
                           "feeds": arr({"type": "integer", "minimum": 0, "maximum": 18446744073709551615},
                                        description="Feed ids (unsigned 64-bit: a larger one is 422 `number`)."),
                           "audioOnly": BOOL, "villageCode": d(STR, "A session the caller runs (a village console watching the stage).")})
S["StreamSlot"] = obj({"mid": STR, "feed": {"type": "integer", "minimum": 0}}, ["mid", "feed"], strict=True)
S["Offered"] = obj({"peer": STR, "offer": ref("SessionDescription"), "streams": arr(ref("StreamSlot")),
                    "viewer": d(STR, "Watch only: the public viewer's key, chosen by the server; sent back as "
                                     "`X-Media-Viewer` to answer or hang up.")},
                   ["peer", "offer", "streams"], strict=True)
S["WatchInput"] = obj({"mountpoint": INT}, ["mountpoint"])
S["PeerAnswerInput"] = obj({"answer": d(ref("SdpAnswer"), "A missing or unreadable answer is 422 `media.sdp` (field `answer`).")},
                          ["answer"])

# --- open data
S["DecisionRecord"] = obj({"id": d(INT64, "The decision's number: pass the last one as `after` for the next page."),
                           "proposalId": ref("ProposalID"), "villageCode": ref("VillageCode"), "year": INT,
                           "level": ref("DecisionLevel"), "outcome": ref("DecisionOutcome"), "reason": STR, "decidedAt": DATE},
                          ["id", "proposalId", "villageCode", "year", "level", "outcome", "decidedAt"], strict=True)
S["DecisionPage"] = obj({"items": arr(ref("DecisionRecord")),
                         "next": d(INT64, "The `after` of the next page; absent on the last page.")}, ["items"], strict=True)
S["ProgramMapping"] = obj({"subfieldCode": STR, "regionalPriority": STR, "regionalTarget": STR, "program": STR},
                          ["subfieldCode", "regionalPriority", "regionalTarget", "program"], strict=True)
S["ProgramMappingList"] = obj({"items": arr(ref("ProgramMapping"))}, ["items"], strict=True)
S["ProgramMappingInput"] = obj({"regionalPriority": STR, "regionalTarget": STR, "program": STR},
                               ["regionalPriority", "regionalTarget", "program"],
                               description="Trimmed; blank members print as empty cells in Tabel T-D.4.")

# ---------------------------------------------------------------------------------------------
# Parameters


def path_param(name: str, schema: dict, description: str) -> dict:
    return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}


def or_empty(schema: dict) -> dict:
    """A query parameter's schema, or the empty string: the list's filters read `?x=` as no `x`
    (an HTML form sends its empty fields)."""
    return {"anyOf": [schema, {"type": "string", "maxLength": 0}]}


def query(name: str, schema: dict, description: str, required: bool = False) -> dict:
    p = {"name": name, "in": "query", "schema": schema, "description": description}
    if required:
        p["required"] = True
    return p


P: dict[str, dict] = {
    "AcceptLanguage": {"name": "Accept-Language", "in": "header", "required": False, "schema": {"type": "string", "examples": ["en"]},
                       "description": "Messages are Indonesian unless this starts with `en` (a `lang` cookie takes precedence)."},
    "AssemblyId": path_param("id", ref("AssemblyID"), "Assembly id; not a number, or unknown: 404."),
    "ProposalId": path_param("id", ref("ProposalID"), "Proposal id; not a number, or unknown: 404."),
    "CommentId": path_param("id", ref("CommentID"), "Comment id; not a number, or unknown: 404."),
    "UserId": path_param("id", ref("UserID"), "Account id; not a number, unknown, or a citizen: 404."),
    "QuestionId": path_param("question", ref("QuestionID"), "Question id; not a number, or not in this assembly: 404."),
    "PollId": path_param("poll", ref("PollID"), "Poll id; not a number, or not in this assembly: 404."),
    "SessionVillage": path_param("village", ref("SessionCode"), "The session's village (or district) code; not a code, or no such session: 404."),
    "RegionCodePath": path_param("code", ref("RegionCode"), "Any region code; unparseable or unknown: 404."),
    "VillageCodePath": path_param("code", ref("VillageCode"), "A village of the tenant regency; anything else: 404."),
    "StationCode": path_param("code", ref("SessionCode"), "The station's village code; not a code, or no such session: 404."),
    "DistrictCodePath": path_param("code", ref("DistrictCode"), "A district of the tenant regency; anything else: 404."),
    "YearPath": path_param("year", {"type": "integer", "minimum": 2000, "maximum": 2100}, "Plan year 2000–2100; anything else: 404."),
    "KindPath": path_param("kind", ref("ProposalKind"), "`physical` or `nonPhysical`; anything else: 404."),
    "PeerPath": path_param("peer", {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                           "A peer id from publish/subscribe/watch (32 hex digits); another owner's or unknown: 404."),
    "Page": query("page", or_empty({"type": "integer", "minimum": 1, "maximum": 100000, "default": 1}),
                  "1–100,000 (else 422 `page.range`; not a whole number: 422 `page.invalid`); empty: 1."),
    "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": False, "schema": {"type": "string", "maxLength": 200},
                       "description": "One key per logical write, the same on every retry (after a lost answer, a cut connection "
                                      "or a 503). A retry with the key and the same request makes nothing again and answers 200 "
                                      "with what the first request made. Keys are per account and kind of write; the key sent "
                                      "again with another target or body is 422 `idempotency.mismatch`. Empty, blank, holding "
                                      "control characters or longer than 200 characters: ignored."},
    "MediaViewer": {"name": "X-Media-Viewer", "in": "header", "required": False,
                    "schema": {"type": "string", "pattern": "^[0-9A-Fa-f]{16,64}$"},
                    "description": "A public viewer's key, as `watch` returned it, owning the peer (without a login and "
                                   "without it: 422 `media.viewer`). When sent, it decides, even when signed in."},
}


def page_size(default: int) -> dict:
    return query("pageSize", or_empty({"type": "integer", "minimum": 1, "maximum": 1000, "default": default}),
                 "1–1,000 (else 422 `pageSize.range`; not a whole number: 422 `pageSize.invalid`); empty: the default.")



# ---------------------------------------------------------------------------------------------
# Responses

ERROR_TEXT = {
    400: "Malformed JSON (`malformedJSON`): the body is not JSON, or is empty.",
    401: "Not signed in (`unauthenticated`), or an `Authorization: Bearer` token that is not valid (`invalidToken`).",
    403: "The signed-in person may not do this here (`forbidden` or a rule's code).",
    404: "Not found (`notFound`).",
    409: "Conflicts with the current state (the code names the rule).",
    413: "The body exceeds 1 MB (`tooLarge`).",
    422: "A missing or mistyped field (`required`, `type`, `invalid`; `number` for a number its field cannot hold, such as "
         "`1.5` for a whole number; `nul` for text holding NUL, `text.control` for another control character, `text.cluster` for a character "
         "of too many code points), or a rule (its own code); `field` names it.",
    429: "Over this action's rate limit (`rateLimited`; per client address behind trusted proxies, or per account): wait "
         "`Retry-After` seconds. The limits are set with `MUSRENBANG_RATE_LIMITS` (docs/operations.md).",
    503: "Video is not available (`media.unavailable`): no Janus configured, or it is down.",
}
CSRF_TEXT = " With the `mb_session` cookie, an unsafe method without a valid `X-CSRF-Token` is 403 `csrf`."
NUL_QUERY = (" for a query parameter that breaks the text rules, whatever the operation: 422 naming it — NUL is `nul`, "
             "another control character `text.control`, a value over 1,000 characters `<name>.length`, a name over 100 "
             "`parameter.length`.")
PUBLIC_401 = "Only when an `Authorization: Bearer` token is sent that is not valid (`invalidToken`): the operation itself is public."


def error(status: int, text: str | None = None) -> dict:
    response = {"description": text or ERROR_TEXT[status], "content": {"application/json": {"schema": ref("Error")}}}
    if status == 429 or (status == 503 and "database.unavailable" in (text or "")):
        response["headers"] = {"Retry-After": {"description": "Seconds to wait before the next attempt.",
                                               "schema": {"type": "integer", "minimum": 1}}}
    return response


def ok(schema_name: str | None, description: str, status: int = 200) -> tuple[str, dict]:
    if schema_name is None:
        return str(status), {"description": description}
    schema = ref(schema_name)
    return str(status), {"description": description, "content": {"application/json": {"schema": schema}}}


BEARER = {"bearerAuth": []}
COOKIE = {"cookieAuth": []}
COOKIE_CSRF = {"cookieAuth": [], "csrfToken": []}

# The routes RateLimitMiddleware limits (Sources/MusrenbangServer/Application/RateLimits.swift).
RATE_LIMITED = {("post", "/api/v1/citizens"), ("post", "/api/v1/citizens/activate"), ("post", "/api/v1/auth/login"),
                ("post", "/api/v1/proposals"), ("post", "/api/v1/proposals/{id}/comments"), ("post", "/api/v1/comments/{id}/flag"),
                ("post", "/api/v1/assemblies/{id}/questions"), ("post", "/api/v1/assemblies/{id}/questions/{question}/upvote"),
                ("post", "/api/v1/proposals/{id}/supports"), ("post", "/api/v1/proposals/{id}/photos"),
                ("post", "/api/v1/assemblies/{id}/villages/{code}/close-out/scan"),
                ("post", "/api/v1/assemblies/{id}/media/watch"), ("post", "/api/v1/assemblies/{id}/media/subscribe"),
                ("post", "/api/v1/assemblies/{id}/media/publish"), ("get", "/api/v1/catalog"), ("get", "/api/v1/similar"),
                ("post", "/api/v1/assemblies/{id}/polls/{poll}/answer")}

OPS: dict[str, dict] = {}  # path -> method -> operation
ORDER: list[tuple[str, str]] = []


def op(method: str, path: str, op_id: str, summary: str, tag: str, *, auth: str, success: list[tuple[str, dict]],
       errors: dict[int, str | None], params: list | None = None, body: dict | None = None, description: str | None = None,
       body_required: bool = True) -> None:
    """auth: 'required' | 'optional' | 'public'."""
    unsafe = method in ("post", "put", "delete", "patch")
    operation: dict = {"operationId": op_id, "summary": summary, "tags": [tag]}
    if description:
        operation["description"] = description
    if auth == "required":
        operation["security"] = [BEARER, COOKIE_CSRF if unsafe else COOKIE]
    elif auth == "optional":
        operation["security"] = [{}, BEARER, COOKIE_CSRF if unsafe else COOKIE]
    else:
        operation["security"] = []
    operation["parameters"] = list(params or []) + [pref("AcceptLanguage")]
    if body is not None:
        operation["requestBody"] = {"required": body_required, "content": body}
    responses: dict = {}
    for status, response in success:
        responses[status] = response
    errs = dict(errors)
    if (method, path) in RATE_LIMITED:
        errs.setdefault(429, None)
    # An invalid bearer token is refused before any route runs.
    errs.setdefault(401, PUBLIC_401 if auth != "required" else None)
    # So is a query parameter holding NUL, named or not (QueryTextMiddleware).
    errs[422] = (errs[422] or ERROR_TEXT[422]).rstrip(".") + "; or," + NUL_QUERY if 422 in errs else "Only" + NUL_QUERY
    if unsafe:
        if 403 in errs:
            errs[403] = (errs[403] or ERROR_TEXT[403]) + CSRF_TEXT
        else:
            errs[403] = "Only with cookie authentication:" + CSRF_TEXT
    for status in sorted(errs):
        responses[str(status)] = error(status, errs[status])
    operation["responses"] = responses
    OPS.setdefault(path, {})[method] = operation
    ORDER.append((method, path))


def json_body(schema_name: str) -> dict:
    return {"application/json": {"schema": ref(schema_name)}}


A = "/api/v1"
JSON_ERRS = {400: None, 413: None, 422: None}  # any operation that reads a JSON body

# What an operation that reads `Idempotency-Key` adds to its errors (IdempotencyHeader in Middleware.swift).
IDEMPOTENCY_ERRS = {
    409: "The first request with the same `Idempotency-Key` has not finished (`idempotency.inProgress`).",
    422: "The `Idempotency-Key` was used before by this account, for this kind of write, with another target or body "
         "(`idempotency.mismatch`, field `Idempotency-Key`): nothing was done.",
    503: "The database cannot answer now (`database.unavailable`: down, restarting, or busy past its wait); nothing is "
         "hung. Send the request again after `Retry-After` seconds with the same `Idempotency-Key`.",
}


def idempotent(errors: dict) -> dict:
    """`errors` with what an `Idempotency-Key` adds (each status's own text first)."""
    out = dict(errors)
    for status, text in IDEMPOTENCY_ERRS.items():
        if status in out:
            out[status] = (out[status] or ERROR_TEXT[status]).rstrip(".") + ". Or: " + text
        else:
            out[status] = text
    return out


def merge(*dicts: dict) -> dict:
    out: dict = {}
    for item in dicts:
        out.update(item)
    return out


# ---------------------------------------------------------------------------------------------
# Regions (RegionAPI.swift)

op("get", f"{A}/regions/{{code}}", "getRegion", "One region with its children.", "Regions", auth="public",
   params=[pref("RegionCodePath")], success=[ok("RegionDetail", "The region.")],
   errors={404: "Not a region code, or unknown (`notFound`)."})
op("get", f"{A}/regions", "searchRegions", "Search regions by name.", "Regions", auth="public",
   params=[query("q", {"type": "string", "minLength": 1}, "Name prefix, or prefix of a word of the name; case and accents "
                 "ignored. Missing, or nothing left after folding (only punctuation): 422 `required`.", required=True),
           query("within", {"type": "string", "pattern": r"^(\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?)?$"},
                 "Only descendants of this region (empty: no limit); not a code: 422 `within.invalid`.")],
   success=[ok("RegionList", "At most 50 regions, by code.")], errors={422: None})

# ---------------------------------------------------------------------------------------------
# Catalog (CatalogAPI.swift, CatalogService.swift)

S["CatalogItem"] = obj({
    "id": d(STR, "SIPD's `id_kamus`."), "text": d(STR, "`giat_teks`."), "unit": d(STR, "`satuan`."),
    "unitPrice": d(INT64, "`anggaran`: rupiah per unit."), "agencyCode": d(STR, "`kode_skpd`."),
    "fieldCode": d(STR, "`bidang` (Permendagri 20/2018 village field)."), "subfieldCode": d(STR, "`sub_bidang`."),
    "outputText": d(STR, "`output_teks`."), "group": d(STR, "`kelompok`."),
    "locked": d(BOOL, "`is_locked`: shown, but a proposal naming it is 422 `catalogItemId.locked`."),
    "firstYear": d(INT, "First plan year the item holds for (absent: open)."), "lastYear": d(INT, "Last plan year (absent: open)."),
}, ["id", "text", "unit", "unitPrice", "agencyCode", "fieldCode", "subfieldCode", "outputText", "group", "locked"], strict=True)
S["CatalogList"] = obj({"items": arr(ref("CatalogItem"), maxItems=20)}, ["items"], strict=True)
S["CatalogRefusedRow"] = obj({"line": d(INT, "Line of the file (the header is 1; 0 for the file as a whole)."),
                              "id": d(STR, "The row's `id_kamus`, when it has one."),
                              "reasons": arr(STR)}, ["line", "reasons"], strict=True)
S["CatalogImportReport"] = obj({
    "rows": d(INT, "Rows read (without the header)."), "added": INT, "updated": INT,
    "refused": arr(ref("CatalogRefusedRow")),
    "error": obj({"code": STR, "message": STR, "field": STR}, ["code", "message"]),
}, ["rows", "refused"], strict=True)

op("get", f"{A}/catalog", "searchCatalog", "Search the activity dictionary while typing.", "Catalog", auth="public",
   params=[query("q", {"type": "string", "maxLength": 100}, "Words (folded, stemmed: `diperbaiki` finds `perbaikan`); each must "
                 "begin a word of the item or its stem. Empty: the first items by id. Longer than 100: 422 `q.length`."),
           query("year", or_empty(INT), "Only items valid in this plan year; not a whole number: 422 `year.invalid`; outside "
                 "2000–2100: 422 `year.range`.")],
   success=[ok("CatalogList", "At most 20 items: choosable first, then the shortest texts.")], errors={422: None})
op("get", f"{A}/catalog/{{id}}", "getCatalogItem", "One dictionary item.", "Catalog", auth="public",
   params=[path_param("id", {"type": "string"}, "The `id_kamus`.")], success=[ok("CatalogItem", "The item.")],
   errors={404: "No such item (`notFound`)."})
op("post", f"{A}/catalog/import", "importCatalog", "Import a dictionary CSV (planners).", "Catalog", auth="required",
   body={"text/csv": {"schema": {"type": "string"}}},
   description="Columns (any order; other columns ignored): `id_kamus, giat_teks, satuan, anggaran, kode_skpd, kelompok, bidang, "
               "sub_bidang, output_teks, is_locked`, optional `tahun_awal, tahun_akhir`. Items already there are updated by "
               "`id_kamus`. All rows or none: any refused row refuses the file, and every refused row is named.",
   success=[ok("CatalogImportReport", "Imported: counts of added and updated items.")],
   errors={403: "Not a planner or admin.", 413: "Over 32 MB (`tooLarge`).",
           422: "Rows refused (`catalog.refused`): the body is a `CatalogImportReport` listing every refused row."})
# The refusal of rows answers the whole report (with its `error`), not the bare error shape.
OPS[f"{A}/catalog/import"]["post"]["responses"]["422"]["content"]["application/json"]["schema"] = {
    "oneOf": [ref("CatalogImportReport"), ref("Error")]}

# ---------------------------------------------------------------------------------------------
# SIPD (SipdAPI.swift, SipdService.swift; columns in Core's SipdBridge)

S["SipdProblemRow"] = obj({
    "line": d(INT, "Record of the file (the header is 1)."), "id": d(STR, "The row's `id_usulan` as written (may be empty)."),
    "kind": {"type": "string", "enum": ["unmatched", "conflicting"],
             "description": "`unmatched`: no such proposal. `conflicting`: nothing of the row was applied (unreadable status, "
                            "budget line, amount or reason; decided otherwise already; not at the regency forum)."},
    "reasons": arr(STR)}, ["line", "id", "kind", "reasons"], strict=True)
S["SipdReport"] = obj({
    "rows": d(INT, "Rows read (without the header and blank rows)."),
    "matched": d(INT, "`applied` + `unchanged`."), "applied": d(INT, "Rows whose decision was recorded now."),
    "unchanged": d(INT, "Rows whose decision the proposal already carried (a re-import)."),
    "unmatched": INT, "conflicting": INT, "problems": arr(ref("SipdProblemRow")),
}, ["rows", "matched", "applied", "unchanged", "unmatched", "conflicting", "problems"], strict=True)
op("post", f"{A}/sipd/decisions", "importSipdDecisions", "Apply SIPD's decisions and reconcile (planners).", "SIPD",
   auth="required", body={"text/csv": {"schema": {"type": "string"}}},
   description="Columns (any order; others ignored, so the export `/dokumen/kabupaten/sipd-usulan-{year}.csv` with its decision "
               "columns filled in will do): `id_usulan`, `status` (`diterima` or `ditolak`), `kode_rekening` and `pagu` (whole "
               "rupiah; required for `diterima`), `alasan` (required for `ditolak`). Each row is applied on its own, in one "
               "transaction: `diterima` of a proposal waiting at the regency forum accepts it there and records the budget line "
               "and amount (one the forum accepted already gets the budget only); `ditolak` rejects it with the reason. Rows are "
               "read as the body arrives. Sending the same file again changes nothing: rows already applied count as `unchanged`.",
   success=[ok("SipdReport", "The reconciliation: counts, and every unmatched and conflicting row with its reasons.")],
   errors={403: "Not a planner or admin.", 413: "Over 16 MB (`tooLarge`); rows before the limit were applied.",
           422: "The file cannot be read: required columns missing or no header (`sipd.unreadable`); nothing applied."})

# ---------------------------------------------------------------------------------------------
# Accounts (AccountAPI.swift, AccountService.swift)

op("post", f"{A}/auth/login", "logIn", "Log in and get a bearer token.", "Accounts", auth="public",
   body=json_body("LoginRequest"), success=[ok("LoggedIn", "Logged in: a bearer token valid 30 days.")],
   errors=merge(JSON_ERRS, {401: "Wrong NIK/username or password, or a disabled account (`badCredentials`); a right password "
                                 "for an account with two-step verification but no `otp` (`otpRequired`) or a wrong or used one "
                                 "(`otpInvalid`); or an invalid bearer token sent along (`invalidToken`).",
                            429: "Too many failed attempts for the pair (account, address) or the address (`throttled`), or over "
                                 "the address's rate limit (`rateLimited`): wait `Retry-After` seconds."}))
op("post", f"{A}/auth/logout", "logOut", "End the token (or session) in use.", "Accounts", auth="required",
   success=[ok(None, "Logged out.", 204)], errors={})
op("get", f"{A}/me", "getMe", "The signed-in account.", "Accounts", auth="required",
   success=[ok("Me", "The account.")], errors={})
op("post", f"{A}/me/password", "changePassword", "Change one's password; other tokens end.", "Accounts", auth="required",
   body=json_body("PasswordChange"), success=[ok(None, "Changed.", 204)],
   errors=merge(JSON_ERRS, {422: "Wrong current password (`password.wrong`, field `currentPassword`), a new password of the "
                                 "wrong length (`password.length`), or a missing field."}))
op("post", f"{A}/citizens", "registerCitizen", "Register a citizen (oneself, or at the village office).", "Accounts",
   auth="optional", body=json_body("CitizenRegistration"),
   description="Without a token: self-registration, `password` required. With an operator's token (village_operator, "
               "district_operator, planner, admin — within their area): registration at the village office; without a "
               "password the answer carries a one-time `activationCode`.",
   success=[ok("RegisteredCitizen", "Registered.", 201)],
   errors=merge(JSON_ERRS, {403: "The caller's role may not register citizens, or the village is outside their area.",
                            409: "Registration at the office only: the NIK is already registered (`nik.taken`, field `nik`). "
                                 "A self-registration with such a NIK answers 201 like any other, without an id.",
                            422: "NIK rules (`nik.length`, `nik.unknownDistrict`, `nik.birthDate`, `nik.genderMismatch`; "
                                 "`nik.otherDistrict`: issued in another kecamatan than the village's), "
                                 "`villageCode.unknown`, `villageCode.outsideRegency`, `name.length`, `gender.invalid`, "
                                 "`password.length`, `phone.format`, or a missing field."}))
op("post", f"{A}/citizens/activate", "activateCitizen", "Set the first password of an office-registered citizen.", "Accounts",
   auth="public", body=json_body("Activation"), success=[ok("IdOfUser", "Activated: the account id.")],
   errors=merge(JSON_ERRS, {422: "Wrong NIK or code, or an expired code (`activation.invalid`, field `activationCode`); "
                                 "`password.length`; or a missing field."}))
op("get", f"{A}/users", "listStaff", "Staff accounts the caller manages.", "Accounts", auth="required",
   success=[ok("StaffList", "Everyone for an admin; the planner's regency for a planner.")],
   errors={403: "Only admins and planners (`forbidden`)."})
op("post", f"{A}/users", "createStaff", "Create a staff account.", "Accounts", auth="required", body=json_body("StaffInput"),
   success=[ok("IdOfUser", "Created.", 201)],
   errors=merge(JSON_ERRS, {403: "Not an admin or planner, the region is outside the caller's reach, or a planner making an "
                                 "admin or planner (`forbidden`).",
                            409: "The username is taken (`username.taken`).",
                            422: "`username.format`, `name.length`, `password.length`, `role.invalid`, `regionCode.level`, "
                                 "`agencyCode.format`, or a missing field."}))
for action, verb in [("disable", "Disable"), ("enable", "Re-enable")]:
    op("post", f"{A}/users/{{id}}/{action}", f"{action}User", f"{verb} an account.", "Accounts", auth="required",
       params=[pref("UserId")], body=json_body("ReasonInput"), body_required=False,
       description="A staff account: by an admin or planner, no body needed. A citizen's account: by the village team (or "
                   "above) with a `reason`, kept in the audit log; a disabled citizen's supports stop counting.",
       success=[ok(None, "Done.", 204)],
       errors=merge(JSON_ERRS, {403: "Not allowed for this account, outside the caller's reach, oneself, or an admin by a "
                                     "non-admin (`forbidden`).",
                                404: "No such account (`notFound`).",
                                422: "A citizen's account without a reason of 5–500 characters (`reason.required`)."}))
op("post", f"{A}/citizens/{{id}}/reclaim", "reclaimCitizen", "Give a squatted citizen account back to its owner.", "Accounts",
   auth="required", params=[pref("UserId")], body=json_body("ReclaimInput"),
   description="The village team, having seen the owner's KTP: the account takes the owner's name and a new one-time "
               "activation code; the squatter's password, sessions and supports are gone (the counts are redone). Kept in the "
               "audit log.",
   success=[ok("Reclaimed", "The new activation code.")],
   errors=merge(JSON_ERRS, {403: "Not the village team of the account's village, or above (`forbidden`).",
                            404: "No such citizen (`notFound`).", 422: "`name.length`, `reason.required`."}))
op("post", f"{A}/me/totp", "startTOTP", "Start two-step verification (staff): a new seed, pending.", "Accounts", auth="required",
   success=[ok("TOTPStarted", "The seed: confirm it with a first code.")], errors={403: "Citizens do not use it (`forbidden`)."})
op("post", f"{A}/me/totp/confirm", "confirmTOTP", "Turn two-step verification on with a first code.", "Accounts",
   auth="required", body=json_body("TOTPCode"), success=[ok(None, "On: log-ins now need a code.", 204)],
   errors=merge(JSON_ERRS, {403: "Citizens do not use it (`forbidden`).", 409: "Not started (`otp.notStarted`).",
                            422: "A wrong code (`otpInvalid`, field `otp`)."}))
op("delete", f"{A}/me/totp", "disableTOTP", "Turn two-step verification off: the password and a current code.", "Accounts",
   auth="required", body=json_body("TOTPOff"), success=[ok(None, "Off.", 204)],
   errors=merge(JSON_ERRS, {403: "Citizens do not use it (`forbidden`).",
                            422: "A wrong password (`password.wrong`) or code (`otpInvalid`)."}))
op("get", f"{A}/audit", "listAudit", "The audit log of staff changes, newest first (read-only).", "Accounts", auth="required",
   params=[pref("Page"), page_size(100)],
   description="Planners read their regency's lines, administrators every line. Nobody can change the log: the database "
               "refuses updates and deletes.",
   success=[ok("AuditPage", "One page.")], errors={403: "Not a planner or admin (`forbidden`).", 422: None})

# ---------------------------------------------------------------------------------------------
# Proposals (ProposalAPI.swift, ProposalService.swift, PlanningService.swift)

op("get", f"{A}/reference", "getReference", "Fields, funding sources, agencies, sources, group kinds.", "Proposals",
   auth="public", success=[ok("Reference", "Reference lists.")], errors={})
op("post", f"{A}/proposals", "submitProposal", "Submit a proposal.", "Proposals", auth="required",
   params=[pref("IdempotencyKey")],
   body=json_body("ProposalInput"),
   success=[ok("ProposalDetail", "Created.", 201), ok("ProposalDetail", "An earlier request with the same `Idempotency-Key`: its proposal.")],
   errors=idempotent(merge(JSON_ERRS, {403: "The caller's role may not submit proposals, or the village is outside their reach.",
                            422: "A field (the code names the rule: `title.length`, `year.range`, `fieldCode.unknown`, "
                                 "`subfieldCode.unknown`, `volume.positive`, `estimatedCost.negative`, `beneficiaries.*`, "
                                 "`sdg.range`, `location.*`, `groupKind.required`, `villageCode.unknown`, `source.notAllowed`, "
                                 "`citizenId.unknown`…)."})))
op("get", f"{A}/proposals", "listProposals", "List proposals, newest first.", "Proposals", auth="public",
   params=[query("village", or_empty({"type": "string", "pattern": VILLAGE}), "Village code (422 `village.invalid` otherwise)."),
           query("district", or_empty({"type": "string", "pattern": DISTRICT}), "District code (422 `district.invalid` otherwise)."),
           query("status", or_empty(ref("ProposalStatus")), "422 `status.invalid` for an unknown value."),
           query("level", or_empty(ref("DecisionLevel")), "422 `level.invalid` for an unknown value."),
           query("field", {"type": "string", "maxLength": 8}, "Field code (`01`…`05`); longer than 8: 422 `field.length`."),
           query("year", or_empty(INT), "Plan year; not a whole number: 422 `year.invalid`."),
           query("source", or_empty(ref("ProposalSource")), "422 `source.invalid` for an unknown value."),
           query("agency", {"type": "string", "maxLength": 32}, "Agency code; longer than 32: 422 `agency.length`."),
           query("theme", or_empty(ref("AssemblyTheme")), "Proposals of one thematic musrenbang; 422 `theme.invalid` for an unknown value."),
           query("q", {"type": "string", "maxLength": 200}, "Words in title, problem, activity…; longer than 200: 422 `q.length`."),
           pref("Page"), page_size(50)],
   description="An empty parameter (`?status=`) counts as absent.",
   success=[ok("ProposalPage", "One page.")], errors={422: "A parameter (`field` names it)."})
op("get", f"{A}/proposals/{{id}}", "getProposal", "One proposal with its history and photos.", "Proposals", auth="public",
   params=[pref("ProposalId")], success=[ok("ProposalDetail", "The proposal.")], errors={404: None})
op("get", f"{A}/proposals/{{id}}/similar", "similarToProposal", "Up to 5 similar proposals of the district.", "Proposals",
   auth="public", params=[pref("ProposalId")], success=[ok("SimilarList", "Similar proposals, this plan year or earlier.")],
   errors={404: None})
op("get", f"{A}/similar", "similarToText", "Up to 5 proposals similar to a text (while writing one).", "Proposals", auth="public",
   params=[query("village", {"type": "string", "pattern": VILLAGE}, "A village code (any other value or none: 422 `village.invalid`).",
                 required=True),
           query("text", STR, "The text; only its first 500 characters are used."),
           query("year", INT, "Plan year (default next year); not a whole number: 422 `year.invalid`.")],
   success=[ok("SimilarList", "Similar proposals.")], errors={422: None})
op("post", f"{A}/proposals/{{id}}/supports", "supportProposal", "Support a proposal (citizens of its village).", "Proposals",
   auth="required", params=[pref("ProposalId"), pref("IdempotencyKey")],
   success=[ok("SupportCount", "Supported.", 201),
            ok("SupportCount", "An earlier request with the same `Idempotency-Key` added this support: the count now.")],
   errors=idempotent({403: "Not a citizen (`forbidden`), or not of the proposal's village (`support.forbidden`).", 404: None,
                      409: "Already supported (`support.duplicate`), or the proposal is decided (`support.closed`)."}))
op("delete", f"{A}/proposals/{{id}}/supports", "withdrawSupport", "Withdraw one's support.", "Proposals", auth="required",
   params=[pref("ProposalId")], success=[ok("SupportCount", "Withdrawn.")],
   errors={403: "Not a citizen (`forbidden`).", 404: "No such proposal, or no support to withdraw (`support.none`).",
           409: "The proposal is rejected, merged or being realised (`support.closed`): its count is kept as it was."})
op("get", f"{A}/proposals/{{id}}/comments", "listComments", "A proposal's comments.", "Proposals", auth="public",
   params=[pref("ProposalId")], success=[ok("CommentList", "Comments in order; hidden ones carry their reason instead of the text.")],
   errors={404: None})
op("post", f"{A}/proposals/{{id}}/comments", "addComment", "Comment on a proposal, or reply to a comment.", "Proposals",
   auth="required", params=[pref("ProposalId")], body=json_body("CommentInput"), success=[ok("IdOfComment", "Created.", 201)],
   errors=merge(JSON_ERRS, {404: None, 422: "`body.length`, `parentId.unknown`, `parentId.nested`, or a missing field."}))
op("post", f"{A}/comments/{{id}}/flag", "flagComment", "Flag a comment for the moderators (once per person).", "Proposals",
   auth="required", params=[pref("CommentId")], success=[ok("FlagCount", "The comment's flag count.")], errors={404: None})
op("post", f"{A}/comments/{{id}}/hide", "hideComment", "Hide a comment with a reason (moderators).", "Proposals", auth="required",
   params=[pref("CommentId")], body=json_body("HideInput"), success=[ok(None, "Hidden.", 204)],
   errors=merge(JSON_ERRS, {403: "Not a moderator of the proposal's area (`forbidden`).", 404: None,
                            422: "`reason.required` (5–300 characters) or a missing field."}))
op("post", f"{A}/proposals/{{id}}/decisions", "decideProposal", "Decide a proposal at its forum.", "Proposals", auth="required",
   params=[pref("ProposalId")], body=json_body("DecisionRequest"), success=[ok("ProposalDetail", "Decided: the proposal.", 201)],
   errors=merge(JSON_ERRS, {403: "The person may not decide at that level or place (`decision.forbidden`).", 404: None,
                            409: "Not at that level, already decided, or the village cannot keep it (`decision.conflict`).",
                            422: "`reason.required`, `reason.length`, `changes.required`, `volume.positive`, "
                                 "`estimatedCost.negative`, `estimatedCost.tooLarge`, `mergedInto.required`, `mergedInto.invalid`, "
                                 "`agencyCode.unknown`, "
                                 "or a missing/mistyped field."}))
op("post", f"{A}/proposals/{{id}}/scores", "scoreProposal", "Score a proposal on the criteria (village team).", "Planning",
   auth="required", params=[pref("ProposalId")], body=json_body("ScoresInput"), success=[ok("Score", "The weighted score so far.")],
   errors=merge(JSON_ERRS, {403: None, 404: None, 409: "Not at the village forum any more (`ranking.notVillage`).",
                            422: "`scores.unknownCriterion`, `scores.range`, or a missing field."}))
op("post", f"{A}/proposals/{{id}}/priority", "moveProposalPriority", "Move one proposal in the village ranking.", "Planning",
   auth="required", params=[pref("ProposalId")], body=json_body("PriorityInput"), success=[ok("Order", "The new order.")],
   errors=merge(JSON_ERRS, {403: None, 404: None, 409: "Not at the village forum any more (`ranking.notVillage`).",
                            422: "`reason.required`, `priority.range`, or a missing field."}))
op("post", f"{A}/proposals/{{id}}/agency", "assignAgency", "Send a proposal at the agency forum to another agency (planner).",
   "Planning", auth="required", params=[pref("ProposalId")], body=json_body("AgencyInput"),
   success=[ok("ProposalDetail", "Reassigned: the proposal.")],
   errors=merge(JSON_ERRS, {403: None, 404: None, 409: "Not waiting at the agency forum (`agency.notWaiting`).",
                            422: "`agencyCode.unknown` or a missing field."}))
op("post", f"{A}/proposals/{{id}}/verification", "verifyProposal", "Record a field verification (the agency that would take it).",
   "Planning", auth="required", params=[pref("ProposalId")], body=json_body("VerificationInput"),
   description="While the proposal waits at the kecamatan or agency forum. Site photos go to `POST /proposals/{id}/photos` "
               "(their EXIF, GPS included, is removed from what is stored and served).",
   success=[ok("ProposalDetail", "Recorded: the proposal with its verification and a history line.")],
   errors=merge(JSON_ERRS, {403: "Not the agency that would take it (nor a planner or admin).", 404: None,
                            409: "Not waiting at the kecamatan or agency forum (`verification.notWaiting`).",
                            422: "`required`, `surveyedOn.invalid`, `surveyedOn.range`, `reason.length`, `notes.length`, `location.*`."}))
op("post", f"{A}/proposals/{{id}}/theme", "tagProposalTheme", "Tag a proposal with a thematic musrenbang's theme, or clear it.",
   "Planning", auth="required", params=[pref("ProposalId")], body=json_body("ThemeInput"),
   description="For a proposal the theme's group made outside a thematic session. A proposal made in a thematic session "
               "takes its theme by itself. A change writes a history line (`themed`); the same tag again writes nothing.",
   success=[ok("ProposalDetail", "The proposal with its theme.")],
   errors=merge(JSON_ERRS, {403: "Not a planner or admin, nor the operator of the proposal's village.", 404: None,
                            422: "`theme.invalid`."}))
op("post", f"{A}/proposals/{{id}}/realisations", "recordRealisation", "Record realisation progress of an accepted proposal.",
   "Planning", auth="required", params=[pref("ProposalId")], body=json_body("RealisationInput"),
   success=[ok("ProposalDetail", "Recorded: the proposal (100 % completes it).", 201)],
   errors=merge(JSON_ERRS, {403: None, 404: None,
                            409: "Not accepted (`realisation.notAccepted`, `decision.conflict`), or progress going back.",
                            422: "`realisation.invalid`, `amount.negative`, `year.range`, `note.length`, `progress.range`, "
                                 "or a missing field."}))
op("post", f"{A}/proposals/{{id}}/photos", "addPhoto", "Attach a photo (raw JPEG, PNG or WebP bytes).", "Proposals",
   auth="required", params=[pref("ProposalId")],
   body={ct: {"schema": {"type": "string", "contentMediaType": ct, "maxLength": 5 * 1024 * 1024}}
         for ct in ["image/jpeg", "image/png", "image/webp"]},
   description="The body is the image itself; its kind is recognised by its first bytes, whatever the `Content-Type`. "
               "At most 5 MB and 3 photos per proposal. Served from `/foto/{sha256}`.",
   success=[ok("Photo", "Stored.", 201)],
   errors={403: "Not the proposal's proposer, who entered it, or realisation staff (`forbidden`).", 404: None,
           413: "Over 5 MB (`photo.tooLarge`, field `photo`).",
           422: "Not a JPEG, PNG or WebP (`photo.type`), or already 3 photos (`photo.tooMany`); field `photo`."})
op("get", f"{A}/villages/{{code}}/ranking", "getVillageRanking", "A village's proposals of a year in priority order.", "Planning",
   auth="public", params=[pref("VillageCodePath"), query("year", INT, "Plan year (default next year); not a whole number: 422 `year.invalid`.")],
   success=[ok("Ranked", "The ranking.")], errors={404: "Not a village of the regency (`notFound`).", 422: None})
op("post", f"{A}/villages/{{code}}/ranking", "rankVillage", "Fix priorities 1…n from scores, supports and age.", "Planning",
   auth="required", params=[pref("VillageCodePath")], body=json_body("RankInput"), success=[ok("Order", "The order fixed.")],
   errors=merge(JSON_ERRS, {403: "Not the village team, a planner or an admin (`forbidden`).",
                            404: "Not a village of the regency (`notFound`)."}))
op("get", f"{A}/districts/{{code}}/ceilings/{{year}}", "getCeiling", "A district's indicative ceiling and what is committed.",
   "Planning", auth="public", params=[pref("DistrictCodePath"), pref("YearPath")], success=[ok("Ceiling", "The ceiling.")],
   errors={404: "Not a district of the regency, or a year outside 2000–2100 (`notFound`)."})
op("put", f"{A}/districts/{{code}}/ceilings/{{year}}", "setCeiling", "Set a district's ceiling (planner).", "Planning",
   auth="required", params=[pref("DistrictCodePath"), pref("YearPath")], body=json_body("CeilingInput"),
   success=[ok(None, "Set.", 204)],
   errors=merge(JSON_ERRS, {403: None, 404: "Not a district of the regency, or a year outside 2000–2100 (`notFound`).",
                            422: "`amount.negative` or a missing field."}))
op("get", f"{A}/criteria/{{kind}}", "getCriteria", "Scoring criteria of a proposal kind.", "Planning", auth="public",
   params=[pref("KindPath")], success=[ok("Criteria", "The criteria (the defaults until a planner sets them).")],
   errors={404: "Unknown kind (`notFound`)."})
op("put", f"{A}/criteria/{{kind}}", "setCriteria", "Replace the scoring criteria of a kind (planner).", "Planning",
   auth="required", params=[pref("KindPath")], body=json_body("CriteriaInput"), success=[ok(None, "Set.", 204)],
   errors=merge(JSON_ERRS, {403: None, 404: "Unknown kind (`notFound`).",
                            422: "`criteria.weights`, `criteria.shape`, `criteria.count`, `criteria.key`, `criteria.name`, "
                                 "`criteria.description` (the field names the criterion: `criteria[2].name`), or a missing field."}))
op("get", f"{A}/me/notifications", "listNotifications", "The caller's notices about proposals.", "Accounts", auth="required",
   success=[ok("NoticeList", "Notices, in the request's language.")], errors={})
S["AssistedEntry"] = obj({
    "id": INT64, "at": DATE, "kind": {"type": "string", "enum": ["registration", "checkIn", "proposal"]},
    "subject": d(STR, "The proposal's id (`proposal`) or the assembly's (`checkIn`)."), "villageCode": ref("VillageCode"),
    "staffId": ref("UserID"), "staffName": STR, "staffRole": ref("Role"), "citizenId": ref("UserID"),
    "text": d(STR, "The line as people read it, in the request's language."),
}, ["id", "at", "kind", "villageCode", "staffId", "staffName", "staffRole", "citizenId", "text"], strict=True)
S["AssistedEntryList"] = obj({"items": arr(ref("AssistedEntry")), "total": INT, "page": INT, "pageSize": INT}, ["items"], strict=True)
op("get", f"{A}/me/assisted-entries", "listMyAssistedEntries", "What staff recorded in the caller's name (newest first).",
   "Accounts", auth="required", success=[ok("AssistedEntryList", "At most 200 lines; staff have none.")], errors={})
op("get", f"{A}/villages/{{code}}/assisted-entries", "listVillageAssistedEntries",
   "What staff recorded for the village's citizens (planners; append-only).", "Accounts", auth="required",
   params=[pref("VillageCodePath"), pref("Page"), page_size(100)],
   success=[ok("AssistedEntryList", "One page, newest first, with the total.")],
   errors={403: "Not a planner or admin of the regency.", 404: None, 422: "`page`/`pageSize` (`field` names it)."})
op("get", f"{A}/me/proposals", "listMyProposals", "What the caller proposed or entered for others.", "Proposals",
   auth="required", params=[pref("Page"), page_size(200)], success=[ok("ProposalPage", "One page.")],
   errors={422: "`page`/`pageSize` (`field` names it)."})

# ---------------------------------------------------------------------------------------------
# Assemblies (AssemblyAPI.swift, AssemblyService.swift, Minutes.swift)

op("post", f"{A}/assemblies", "scheduleAssembly", "Schedule a simultaneous assembly (planner).", "Assemblies", auth="required",
   body=json_body("ScheduleInput"), success=[ok("IdOfAssembly", "Scheduled.", 201)],
   errors=merge(JSON_ERRS, {403: "Not an admin or planner of the regency (`forbidden`).",
                            422: "`regencyCode.unknown`, `title.length`, `planYear.range`, `hubVillageCode.unknown`, "
                                 "`villageCodes.unknown`, `agenda.invalid`, `theme.invalid`, or a missing/mistyped field."}))
op("get", f"{A}/assemblies", "listAssemblies", "Current assemblies (not closed, or of the last 30 days).", "Assemblies",
   auth="public", success=[ok("AssemblyList", "At most 50, soonest first.")], errors={})
op("get", f"{A}/assemblies/{{id}}", "getAssembly", "An assembly with its agenda, stage log and sessions.", "Assemblies",
   auth="public", params=[pref("AssemblyId")], success=[ok("AssemblyDetail", "The assembly.")], errors={404: None})
op("put", f"{A}/assemblies/{{id}}/agenda", "setAgenda", "Replace an assembly's agenda (planner).", "Assemblies", auth="required",
   params=[pref("AssemblyId")], body=json_body("AgendaInput"), success=[ok(None, "Set.", 204)],
   errors=merge(JSON_ERRS, {403: None, 404: None, 422: "`agenda.invalid` (field `items`) or a missing field."}))
op("post", f"{A}/assemblies/{{id}}/rehearsal", "startRehearsal", "Make a rehearsal (sandbox copy) of an assembly.",
   "Assemblies", auth="required", params=[pref("AssemblyId")], success=[ok("IdOfAssembly", "The rehearsal's id.", 201)],
   errors={403: None, 404: None, 409: "The assembly is itself a rehearsal (`assembly.rehearsal`): rehearse the real one.",
           422: "The copy fails the scheduling rules (e.g. `planYear.range` for an old assembly)."})
op("delete", f"{A}/assemblies/{{id}}", "deleteRehearsal", "Wipe a rehearsal with everything made in it.", "Assemblies",
   auth="required", params=[pref("AssemblyId")], success=[ok(None, "Wiped.", 204)],
   errors={403: None, 404: None, 409: "Not a rehearsal (`assembly.notRehearsal`): real assemblies are kept."})
op("post", f"{A}/assemblies/{{id}}/stage", "moveHubStage", "Move the hub one stage forward (planner, host).", "Assemblies",
   auth="required", params=[pref("AssemblyId")], body=json_body("StageInput"), success=[ok("AssemblyDetail", "The assembly after the move.")],
   errors=merge(JSON_ERRS, {403: None, 404: None, 409: "Not the next stage (`stage.refused`, field `stage`)."}))
op("post", f"{A}/assemblies/{{id}}/sessions/{{village}}/stage", "moveSessionStage", "Move a village session forward.",
   "Assemblies", auth="required", params=[pref("AssemblyId"), pref("SessionVillage")], body=json_body("StageInput"),
   success=[ok("SessionAnswer", "The session after the move.")],
   errors=merge(JSON_ERRS, {403: None, 404: None,
                            409: "Backwards, ahead of the hub, or closing before the ranking is agreed (`stage.refused`)."}))
op("post", f"{A}/assemblies/{{id}}/sessions/{{village}}/heartbeat", "sessionHeartbeat", "A session console's heartbeat.",
   "Assemblies", auth="required", params=[pref("AssemblyId"), pref("SessionVillage")],
   description="Accepted at every stage: before the start it shows the control room that the console is ready; a session "
               "counts as silent only while in progress.",
   success=[ok(None, "Noted.", 204)],
   errors={403: None, 404: None})
op("post", f"{A}/assemblies/{{id}}/sessions/{{village}}/ranking-agreed", "agreeRanking",
   "Agree the session's ranking (fixes a village's priorities).", "Assemblies", auth="required",
   params=[pref("AssemblyId"), pref("SessionVillage")], success=[ok(None, "Agreed.", 204)],
   errors={403: None, 404: None, 409: "Before the ranking stage (`stage.tooEarly`)."})
op("post", f"{A}/assemblies/{{id}}/attendance", "checkIn", "Check a person in at a session.", "Assemblies", auth="required",
   params=[pref("AssemblyId"), pref("IdempotencyKey")], body=json_body("CheckInInput"),
   description="One record per person and assembly. With an `Idempotency-Key`, a retry answers the first request's record "
               "before any rule is checked again (even once the session has moved on).",
   success=[ok("Attended", "Checked in.", 201),
            ok("Attended", "Already checked in, or an earlier request with the same `Idempotency-Key`: the existing record "
                           "(`created: false`).")],
   errors=idempotent(merge(JSON_ERRS, {403: "Not the session's team (`forbidden`).",
                            404: "No such assembly or session, an unknown citizen (`citizen.unknown`), or an unregistered NIK "
                                 "without a name (`nik.unregistered`).",
                            409: "The session is not open for attendance (`attendance.closed`).",
                            422: "`code.invalid`, `required` (no code, citizenId or nik), NIK rules for a walk-in, or a "
                                 "missing/mistyped field."})))
op("get", f"{A}/assemblies/{{id}}/summary", "getAssemblySummary", "Live figures of an assembly.", "Assemblies", auth="public",
   params=[pref("AssemblyId")], success=[ok("AssemblySummary", "The figures.")], errors={404: None})
op("get", f"{A}/assemblies/{{id}}/sessions/{{village}}/figures", "getStationFigures",
   "One station's figures for the control room: attendance by unsur, proposals, last heartbeat.", "Assemblies",
   auth="required", params=[pref("AssemblyId"), pref("SessionVillage")], success=[ok("StationFigures", "The figures.")],
   errors={403: "Not among those who lead the assembly: host, planner, admin (`forbidden`).",
           404: None})
op("get", f"{A}/assemblies/{{id}}/live", "streamAssemblyEvents", "Server-sent events of an assembly.", "Assemblies",
   auth="public",
   params=[pref("AssemblyId"),
           {"name": "Last-Event-ID", "in": "header", "required": False, "schema": INT64,
            "description": "Resume after this event id (wins over `lastEventId`); not a number: ignored."},
           query("lastEventId", {"type": "integer", "format": "int64", "default": 0}, "Resume after this event id; not a number: ignored."),
           query("maxSeconds", {"type": "integer", "minimum": 1, "maximum": 900, "default": 300},
                 "The stream ends after at most this many seconds (clamped to 1–900 by default, `MUSRENBANG_LIVE_MAX_SECONDS`; "
                 "from 60 on, a little earlier at random so listeners do not reconnect together; not a number: 300)."),
           query("start", {"type": "string", "enum": ["now"]},
                 "`now`: without an event id, only events from now on (no replay of the log).")],
   description="`retry: 2000`, then events `id: N` / `event: stage|session|attendance|proposal|question|ranking|floor|media|recordings|closeout` "
               "/ `data: {json}`, and `: keep-alive` comments every 15 s, until `maxSeconds`.",
   success=[("200", {"description": "The event stream. Its `schema` describes one event, as SSE clients (and schemathesis) "
                                    "read the stream; OpenAPI 3.2 would call it `itemSchema`.",
                     "content": {"text/event-stream": {"schema": ref("LiveEvent")}}})],
   errors={404: None,
           429: "This client holds its share of live streams (`live.tooMany`, per client address behind trusted proxies; "
                "staff per account); `Retry-After` says when to try again.",
           503: "The public's streams are all taken (`live.full`); `Retry-After` says when to try again."})
op("post", f"{A}/assemblies/{{id}}/questions", "askQuestion", "Put a question to the host during the dialogue.", "Questions",
   auth="required", params=[pref("AssemblyId"), pref("IdempotencyKey")], body=json_body("QuestionInput"),
   success=[ok("IdOfQuestion", "Asked.", 201), ok("IdOfQuestion", "An earlier request with the same `Idempotency-Key`: its question.")],
   errors=idempotent(merge(JSON_ERRS, {403: "May not ask from that village (`forbidden`).", 404: "No such assembly or session.",
                            409: "Not during the dialogue (`questions.closed`).",
                            422: "`body.length`, `villageCode.invalid`, or a missing field."})))
op("get", f"{A}/assemblies/{{id}}/questions", "listQuestions", "An assembly's questions (no authors).", "Questions",
   auth="optional", params=[pref("AssemblyId"),
                            query("status", {"type": "string", "default": "approved,answered", "examples": ["pending,approved"],
                                             "pattern": "^((pending|approved|hidden|answered)(,(pending|approved|hidden|answered))*)?$"},
                                  "Comma-separated `QuestionStatus` values (empty: the default); an unknown one is 422 "
                                  "`status.invalid`. Only moderators of the regency see `pending` and `hidden`: for others "
                                  "those are left out.")],
   success=[ok("QuestionList", "Questions.")], errors={404: None, 422: "An unknown status (`status.invalid`, field `status`)."})
op("post", f"{A}/assemblies/{{id}}/questions/{{question}}/status", "moderateQuestion",
   "Approve, hide or mark answered a question.", "Questions", auth="required", params=[pref("AssemblyId"), pref("QuestionId")],
   body=json_body("QuestionStatusInput"), success=[ok(None, "Set.", 204)],
   errors=merge(JSON_ERRS, {403: "approved/hidden: the question's village team, the host, the planner; answered: host or "
                                 "planner (`forbidden`).", 404: None, 422: "`status.invalid` (pending) or a missing/mistyped field."}))
op("post", f"{A}/assemblies/{{id}}/questions/{{question}}/upvote", "upvoteQuestion", "Upvote a question (once per person).",
   "Questions", auth="required", params=[pref("AssemblyId"), pref("QuestionId")], success=[ok("Upvotes", "The count.")],
   errors={404: None})
op("post", f"{A}/assemblies/{{id}}/polls", "openPoll", "Open a live poll to every village (the host or the planner).", "Polls",
   auth="required", params=[pref("AssemblyId")], body=json_body("PollInput"), success=[ok("Poll", "Opened.", 201)],
   errors=merge(JSON_ERRS, {403: "May not lead this assembly (`forbidden`).", 404: None,
                            409: "The assembly has not started or has closed (`poll.assemblyNotLive`).",
                            422: "`question.length`, `required`, `options.count`, `options.blank`, `options.length`, "
                                 "`options.duplicate`, `audience.invalid`."}))
op("get", f"{A}/assemblies/{{id}}/polls", "listPolls", "An assembly's polls with their live results, newest first.", "Polls",
   auth="optional", params=[pref("AssemblyId")], success=[ok("PollList", "Polls.")], errors={404: None})
op("get", f"{A}/assemblies/{{id}}/polls/{{poll}}", "getPoll", "One poll with its live results.", "Polls",
   auth="optional", params=[pref("AssemblyId"), pref("PollId")], success=[ok("Poll", "The poll.")], errors={404: None})
op("post", f"{A}/assemblies/{{id}}/polls/{{poll}}/close", "closePoll", "Close a poll: its results are final and go into the minutes.",
   "Polls", auth="required", params=[pref("AssemblyId"), pref("PollId")], success=[ok("Poll", "Closed.")],
   errors={403: "May not lead this assembly (`forbidden`).", 404: None, 409: "Already closed (`poll.closed`)."})
op("post", f"{A}/assemblies/{{id}}/sessions/{{village}}/polls/{{poll}}/answer", "answerPollForOffice",
   "Answer an office poll for a village office (its session's team); once per office.", "Polls", auth="required",
   params=[pref("AssemblyId"), pref("SessionVillage"), pref("PollId"), pref("IdempotencyKey")], body=json_body("PollAnswerInput"),
   success=[ok("PollAnswer", "Answered.", 201), ok("PollAnswer", "An earlier request with the same `Idempotency-Key`: its answer.")],
   errors=idempotent(merge(JSON_ERRS, {403: "Not this session's team (`forbidden`).", 404: "No such assembly, session or poll.",
                                       409: "`poll.alreadyAnswered` (a second answer of the office: the first is kept), "
                                            "`poll.closed`, `poll.citizenOnly`, `poll.sessionNotLive`.",
                                       422: "`option.unknown` (field `option`), or a missing field."})))
op("post", f"{A}/assemblies/{{id}}/polls/{{poll}}/answer", "answerPollAsCitizen",
   "Answer a citizen poll as a citizen checked in at the assembly; once per citizen.", "Polls", auth="required",
   params=[pref("AssemblyId"), pref("PollId"), pref("IdempotencyKey")], body=json_body("PollAnswerInput"),
   success=[ok("PollAnswer", "Answered.", 201), ok("PollAnswer", "An earlier request with the same `Idempotency-Key`: its answer.")],
   errors=idempotent(merge(JSON_ERRS, {403: "Not a citizen (`forbidden`).", 404: "No such assembly or poll.",
                                       409: "`poll.alreadyAnswered` (the first answer is kept), `poll.closed`, `poll.officeOnly`, "
                                            "`poll.notCheckedIn`.",
                                       422: "`option.unknown` (field `option`), or a missing field."})))
op("get", f"{A}/assemblies/{{id}}/sessions/{{village}}/minutes", "getMinutes", "A session's berita acara (names every attendee).",
   "Minutes", auth="required", params=[pref("AssemblyId"), pref("SessionVillage")], success=[ok("BeritaAcara", "The minutes.")],
   errors={403: "Not the session's team or the planner (`forbidden`).", 404: None})
op("put", f"{A}/assemblies/{{id}}/sessions/{{village}}/minutes", "saveMinutes", "Save, finalise or amend a session's minutes.",
   "Minutes", auth="required", params=[pref("AssemblyId"), pref("SessionVillage")], body=json_body("MinutesInput"),
   success=[ok("BeritaAcara", "The minutes as saved.")],
   errors=merge(JSON_ERRS, {403: None, 404: None,
                            409: "Final minutes changed without `amendmentReason` (`minutes.finalized`), or finalised meanwhile "
                                 "elsewhere (`minutes.changed`).",
                            422: "`minutes.length` (field: the member at fault), `agreements.length`, `resourcePersons.length`, "
                                 "`signatories.length`, `amendmentReason.length`, or a missing/mistyped field."}))
CLOSE_OUT_409 = ("`closeOut.notClosed` (the session is open), `closeOut.reviewed` (the kecamatan reviewed it), "
                 "`closeOut.noScan` (figures before the scan), `closeOut.notSubmitted` (a review before submission).")
STATION = [pref("AssemblyId"), pref("StationCode")]
op("get", f"{A}/assemblies/{{id}}/close-outs", "listCloseOuts", "Every station's close-out state, with counts.", "Close-out",
   auth="required", params=[pref("AssemblyId")], success=[ok("CloseOutOverview", "The stations.")],
   errors={403: "Not among those who lead the assembly: host, planner, admin (`forbidden`).", 404: None})
op("get", f"{A}/assemblies/{{id}}/villages/{{code}}/close-out", "getCloseOut", "A station's close-out.", "Close-out",
   auth="required", params=STATION, success=[ok("CloseOut", "The close-out (`pending` when nothing was handed in).")],
   errors={403: "Not the session's team, its kecamatan or the hub (`forbidden`).", 404: None})
op("post", f"{A}/assemblies/{{id}}/villages/{{code}}/close-out/scan", "uploadCloseOutScan",
   "Upload the signed minutes' scan (raw JPEG, PNG, WebP or PDF bytes).", "Close-out", auth="required", params=STATION,
   body={ct: {"schema": {"type": "string", "contentMediaType": ct, "maxLength": 10 * 1024 * 1024}}
         for ct in ["image/jpeg", "image/png", "image/webp", "application/pdf"]},
   description="After the session closed, until the kecamatan reviewed it; a new scan replaces the last. The kind is recognised by "
               "the first bytes (`%PDF-` for a PDF), whatever the `Content-Type`; an image's metadata is removed. Never public: "
               "read back from `GET …/close-out/scan`.",
   success=[ok("CloseOut", "Stored (the state stays `pending` until the figures are submitted).", 201)],
   errors={403: "Not the session's team (`forbidden`).", 404: None, 409: CLOSE_OUT_409,
           413: "Over 10 MB (`scan.tooLarge`, field `scan`).",
           422: "Not a JPEG, PNG, WebP or PDF (`scan.type`, field `scan`).",
           503: "An image's metadata cannot be removed now (`scan.unavailable`)."})
op("get", f"{A}/assemblies/{{id}}/villages/{{code}}/close-out/scan", "getCloseOutScan", "The signed minutes' scan.", "Close-out",
   auth="required", params=STATION,
   success=[("200", {"description": "The file (`Cache-Control: private, no-store`).",
                     "content": {ct: {"schema": {"type": "string", "contentMediaType": ct}}
                                 for ct in ["image/jpeg", "image/png", "image/webp", "application/pdf"]}})],
   errors={403: "Not the session's team, its kecamatan or the hub (`forbidden`).", 404: "No such station, or no scan yet."})
op("post", f"{A}/assemblies/{{id}}/villages/{{code}}/close-out", "submitCloseOut",
   "Submit the attendance figures written on the signed minutes.", "Close-out", auth="required", params=STATION,
   body=json_body("CloseOutFigures"),
   description="Compared with the check-ins counted now: a difference flags the station (`flagged`, `difference`). "
               "A correction before the review replaces the figures.",
   success=[ok("CloseOut", "Submitted.")],
   errors=merge(JSON_ERRS, {403: "Not the session's team (`forbidden`).", 404: None, 409: CLOSE_OUT_409,
                            422: "`required`, `men.range`, `women.range`, `total.range`, `total.sum`."}))
op("post", f"{A}/assemblies/{{id}}/villages/{{code}}/close-out/validation", "validateCloseOut", "Validate a submitted close-out.",
   "Close-out", auth="required", params=STATION, success=[ok("CloseOut", "Validated.")],
   errors={403: "Not the station's kecamatan, a planner or an admin (`forbidden`).", 404: None, 409: CLOSE_OUT_409})
op("post", f"{A}/assemblies/{{id}}/villages/{{code}}/close-out/incident", "recordCloseOutIncident",
   "Record an incident on a submitted close-out, with its reason.", "Close-out", auth="required", params=STATION,
   body=json_body("IncidentInput"), success=[ok("CloseOut", "Recorded.")],
   errors=merge(JSON_ERRS, {403: "Not the station's kecamatan, a planner or an admin (`forbidden`).", 404: None, 409: CLOSE_OUT_409,
                            422: "`required` or `reason.length` (field `reason`)."}))
op("get", f"{A}/me/checkin-code", "getCheckInCode", "The caller's signed check-in code for an assembly.", "Assemblies",
   auth="required", params=[query("assembly", INT64, "Assembly id. Missing or not a number: 404.",
                                  required=True)],
   success=[ok("CheckInCode", "The code.")], errors={404: "No such assembly, or no `assembly` parameter."})

# ---------------------------------------------------------------------------------------------
# Floor (FloorAPI.swift, FloorService.swift)

FLOOR_409 = "A floor rule (`floor.alreadyWaiting`, `floor.alreadyOnStage`, `floor.notWaiting`, `floor.notOnStage`, `floor.stageFull`)."
op("get", f"{A}/assemblies/{{id}}/floor", "getFloor", "Who waits, who speaks, and past turns.", "Floor", auth="public",
   params=[pref("AssemblyId")], success=[ok("FloorView", "The floor.")], errors={404: None})
op("post", f"{A}/assemblies/{{id}}/floor/hands", "raiseHand", "A village asks for the floor.", "Floor", auth="required",
   params=[pref("AssemblyId"), pref("IdempotencyKey")], body=json_body("RaiseHandInput"),
   success=[ok("FloorView", "Waiting: the floor.", 201),
            ok("FloorView", "An earlier request with the same `Idempotency-Key` raised the hand: the floor now.")],
   errors=idempotent(merge(JSON_ERRS, {403: "Not the village's session team (`forbidden`).", 404: "No such assembly or session.",
                            409: "Before the opening or after closing (`floor.closed`), or " + FLOOR_409[0].lower() + FLOOR_409[1:],
                            422: "Blank topic (`floor.topic`) or a missing field."})))
op("delete", f"{A}/assemblies/{{id}}/floor/hands/{{village}}", "lowerHand", "A village lowers its hand.", "Floor",
   auth="required", params=[pref("AssemblyId"), pref("SessionVillage"), pref("IdempotencyKey")],
   success=[ok("FloorView", "The floor (after a retry with the same `Idempotency-Key`: the floor now).")],
   errors=idempotent({403: None, 404: None, 409: "Not waiting (`floor.notWaiting`)."}))
for action, op_id, summary, note in [
    ("grant", "grantFloor", "Give a waiting village the floor (host, planner).", None),
    ("end", "endTurn", "End a village's turn (host, planner; or the village itself).",
     "The host's people end any turn; a village's session team only its own (ending `finished`)."),
    ("mute", "muteVillage", "Mute a village on stage (host, planner).", None),
    ("unmute", "unmuteVillage", "Unmute a village on stage (host, planner).", None),
]:
    op("post", f"{A}/assemblies/{{id}}/floor/{action}", op_id, summary, "Floor", auth="required",
       params=[pref("AssemblyId"), pref("IdempotencyKey")],
       body=json_body("VillageInput"), description=note,
       success=[ok("FloorView", "The floor (after a retry with the same `Idempotency-Key`: the floor now, changed once).")],
       errors=idempotent(merge(JSON_ERRS, {403: None, 404: "No such assembly" + (" (or, for a village ending its own turn, session)." if action == "end" else "."),
                                409: FLOOR_409, 422: "`villageCode` missing or not a region code."})))
op("put", f"{A}/assemblies/{{id}}/floor/rules", "setFloorRules", "Set the floor's rules (host, planner).", "Floor",
   auth="required", params=[pref("AssemblyId")], body=json_body("FloorRulesInput"), success=[ok("FloorView", "The floor.")],
   errors=merge(JSON_ERRS, {403: None, 404: None, 422: "`floor.rules` (field `rules`) or a missing field."}))
op("get", f"{A}/assemblies/{{id}}/floor/may-publish", "mayPublish", "Whether a village may publish camera and microphone now.",
   "Floor", auth="required",
   params=[pref("AssemblyId"), query("village", ref("SessionCode"), "Missing or not a code: 404.",
                                     required=True)],
   success=[ok("MayPublish", "The hub always (for those who lead); a village only on stage and not muted.")],
   errors={403: None, 404: "No such assembly or session, or no `village`."})

# ---------------------------------------------------------------------------------------------
# Media (MediaAPI.swift, MediaService.swift)

JANUS_ERRS = {409: "`media.closed`, `media.feedTaken`, `media.feedGone`, `media.noFeeds`.", 503: None}
op("get", f"{A}/assemblies/{{id}}/media", "getMediaState", "Video state: configured, available, feeds.", "Media",
   auth="optional", params=[pref("AssemblyId")], success=[ok("MediaState", "The state (`wall` only for moderators).")],
   errors={404: None})
op("post", f"{A}/assemblies/{{id}}/media/publish", "publishMedia", "Send the hub's or a village's camera.", "Media",
   auth="required", params=[pref("AssemblyId")], body=json_body("PublishInput"),
   success=[ok("Answered", "Janus's answer for the browser.", 201)],
   errors=merge(JSON_ERRS, {403: "May not publish here (`forbidden`), no floor for a village on the stage (`media.noFloor`), "
                                 "or refused by Janus (`media.refusedByJanus`).",
                            404: "No such assembly or session.", 409: "`media.closed` (the assembly has closed), `media.feedTaken`, `media.feedGone`.",
                            422: "`media.sdp` (field `offer`), `media.room`, or a missing field.", 503: None}))
op("post", f"{A}/assemblies/{{id}}/media/subscribe", "subscribeMedia", "Receive a room's feeds in one connection.", "Media",
   auth="required", params=[pref("AssemblyId")], body=json_body("SubscribeInput"),
   success=[ok("Offered", "Janus's offer; answer it with `/media/peers/{peer}/answer`.", 201)],
   errors=merge(JSON_ERRS, {403: "Stage: staff of the regency or the `villageCode` session's team; wall: moderators "
                                 "(`forbidden`); or refused by Janus.", 404: "No such assembly or session.",
                            409: "Nothing is being sent (`media.noFeeds`), or `media.feedGone`.",
                            422: "`media.room`, `media.sdp` refused by Janus, or a mistyped field.", 503: None}))
op("post", f"{A}/assemblies/{{id}}/media/watch", "watchMedia", "Watch one stage feed without login.", "Media", auth="optional",
   params=[pref("AssemblyId")], body=json_body("WatchInput"),
   success=[ok("Offered", "Janus's offer (`streams` empty).", 201)],
   errors=merge(JSON_ERRS, {403: "Refused by Janus (`media.refusedByJanus`).", 404: None,
                            409: "No such feed (`media.feedGone`).",
                            422: "`media.sdp`, or a missing field.",
                            429: "Over the rate limit (`rateLimited`), or this client watches as many feeds as it may (`media.tooMany`); "
                                 "with `Retry-After`.",
                            503: "Video is not available (`media.unavailable`), or the public's viewers are all taken "
                                 "(`media.full`, with `Retry-After`)."}))
op("post", f"{A}/media/peers/{{peer}}/answer", "answerPeer", "Hand the browser's SDP answer to Janus.", "Media",
   auth="optional", params=[pref("PeerPath"), pref("MediaViewer")], body=json_body("PeerAnswerInput"),
   success=[ok(None, "Media starts flowing.", 204)],
   errors=merge(JSON_ERRS, {403: "Refused by Janus (`media.refusedByJanus`).",
                            404: "Unknown peer, or another owner's (`media.peer`).", 409: "`media.feedGone`.",
                            422: "`media.sdp` (field `answer`), `media.viewer`, or a mistyped field.",
                            503: "Video is not available (`media.unavailable`); checked before the peer is looked up."}))
op("delete", f"{A}/media/peers/{{peer}}", "leavePeer", "Close a peer connection (a publisher's feed leaves).", "Media",
   auth="optional", params=[pref("PeerPath"), pref("MediaViewer")], success=[ok(None, "Closed.", 204)],
   errors={404: "Unknown peer, or another owner's (`media.peer`).", 422: "No login and no valid `X-Media-Viewer` (`media.viewer`).",
           503: "Video is not available (`media.unavailable`); checked before the peer is looked up."})

# ---------------------------------------------------------------------------------------------
# Dashboard (Dashboard/DashboardAPI.swift)

S["ThemeInput"] = obj({"theme": d(nullable(ref("AssemblyTheme")), "Null or absent clears the tag.")}, [],
                      description="`POST /proposals/{id}/theme`.")
S["ThemeBeneficiaries"] = obj({
    "total": INT, "men": d(INT, "L: the total less the women."), "women": d(INT, "P."),
    "poorHouseholds": d(INT, "RTM: the proposals' `beneficiaries.poor`."), "disabled": d(INT, "Difabel."),
}, ["total", "men", "women", "poorHouseholds", "disabled"], strict=True)
S["ThemeCount"] = obj({"theme": d(ref("AssemblyTheme"), "Absent: the general musrenbang's proposals."),
                       "proposals": INT, "beneficiaries": ref("ThemeBeneficiaries")},
                      ["proposals", "beneficiaries"], strict=True)
S["ThemeCounts"] = obj({"year": INT, "items": arr(ref("ThemeCount"))}, ["year", "items"], strict=True,
                       description="Proposals and beneficiaries per theme; themes without proposals are left out.")
op("get", f"{A}/dashboard/themes", "dashboardThemes", "Proposals and beneficiaries per musrenbang theme (the dashboard's table).",
   "Open data", auth="public",
   params=[query("year", or_empty(INT), "Plan year (default: next year); not a whole number: 422 `year.invalid`; "
                                        "outside 2000–2100: 404.")],
   description="Merged proposals are left out (their people are counted in the proposal they joined).",
   success=[ok("ThemeCounts", "The year's figures.")], errors={404: "A year outside 2000–2100.", 422: "`year` (`field` names it)."})

# ---------------------------------------------------------------------------------------------
# Open data (Documents/OpenDataAPI.swift)

REVALIDATE = [{"name": "If-None-Match", "in": "header", "required": False, "schema": STR,
               "description": "The `ETag` of an earlier answer: 304 when it still matches."}]
op("get", f"{A}/decisions", "listDecisions", "Every forum's decision with its reason, in the order taken.", "Open data",
   auth="public",
   params=[query("after", or_empty({"type": "integer", "minimum": 0, "default": 0}),
                 "Decisions after this id (the previous page's `next`); negative: 422 `after.range`."),
           query("limit", or_empty({"type": "integer", "minimum": 1, "maximum": 1000, "default": 100}),
                 "1–1,000 (else 422 `limit.range`)."),
           query("village", or_empty({"type": "string", "pattern": VILLAGE}), "Village code (422 `village.invalid` otherwise)."),
           query("district", or_empty({"type": "string", "pattern": DISTRICT}), "District code (422 `district.invalid` otherwise)."),
           query("year", or_empty(INT), "Plan year; not a whole number: 422 `year.invalid`.")] + REVALIDATE,
   description="Paged by a cursor, so a harvester never misses or repeats a line while decisions are being taken. Answers "
               "carry `ETag` and `Last-Modified`.",
   success=[ok("DecisionPage", "One page."), ("304", {"description": "Not modified."})],
   errors={422: "A parameter (`field` names it)."})
op("get", f"{A}/program-mappings", "listProgramMappings", "The regency's sub-bidang → program mapping (Tabel T-D.4).",
   "Open data", auth="public", params=REVALIDATE,
   success=[ok("ProgramMappingList", "The mappings, by sub-bidang."), ("304", {"description": "Not modified."})], errors={})
op("put", f"{A}/program-mappings/{{subfield}}", "setProgramMapping", "Map a sub-bidang to the regency's priority, target and program.",
   "Open data", auth="required",
   params=[path_param("subfield", {"type": "string", "enum": SUBFIELD_CODES}, "A sub-bidang code; unknown: 404.")],
   body=json_body("ProgramMappingInput"), success=[ok("ProgramMapping", "Saved.")],
   errors=merge(JSON_ERRS, {403: "Only planners and admins (`forbidden`).", 404: "Unknown sub-bidang (`notFound`)."}))

# ---------------------------------------------------------------------------------------------
# This description (Features/APIDescription/APIDescriptionRoute.swift)

op("get", f"{A}/openapi.json", "getOpenAPIDocument", "This OpenAPI 3.1 description of the API.", "API description",
   auth="public",
   params=[{"name": "If-None-Match", "in": "header", "required": False, "schema": STR,
            "description": "The `ETag` of an earlier answer (or `*`): 304 when it still matches."}],
   description="The document this server was built with (`Sources/MusrenbangServer/Public/openapi.json`, generated by "
               "`docs/openapi/build_openapi.py`). Its `ETag` is a hash of its bytes; it may be cached for an hour and "
               "revalidated with `If-None-Match`.",
   success=[("200", {"description": "The document.",
                     "headers": {"ETag": {"description": "A strong validator: a hash of the document's bytes.",
                                          "schema": {"type": "string", "pattern": "^\"[0-9a-f]+\"$"}},
                                 "Cache-Control": {"schema": {"type": "string", "examples": ["public, max-age=3600"]}}},
                     "content": {"application/json": {"schema": {"type": "object", "required": ["openapi", "info", "paths"],
                                                                 "properties": {"openapi": {"const": "3.1.0"}}}}}}),
            ("304", {"description": "Not modified: `If-None-Match` names the current `ETag`. No body.",
                     "headers": {"ETag": {"schema": STR}}})],
   errors={})

# ---------------------------------------------------------------------------------------------
# Document

TAGS = [
    ("Regions", "The Kemendagri region list (public)."),
    ("Accounts", "Logging in, one's own account, citizens and staff."),
    ("Proposals", "Proposals (usulan), supports and discussion."),
    ("Planning", "Scores, village rankings, ceilings, criteria, agencies and realisation."),
    ("Assemblies", "Simultaneous assemblies (musrenbang serentak): hub, sessions, attendance, live events."),
    ("Questions", "Questions to the host during the dialogue."),
    ("Polls", "Live polls (jajak pendapat) the host puts to every village office, or to every citizen present."),
    ("Minutes", "The berita acara of a village session."),
    ("Close-out", "Closing a village station: the signed minutes' scan, the paper's attendance figures against the check-ins, "
                  "the kecamatan's validation or incident."),
    ("Floor", "Floor control: who speaks to the whole regency."),
    ("Media", "Video signalling through the server (Janus is never exposed)."),
    ("SIPD", "The bridge to SIPD: proposals out in SIPD's columns, SIPD's decisions back with a reconciliation report."),
    ("Catalog", "The regency's activity dictionary (kamus usulan) in SIPD's shapes: unit prices from SSH/HSPK/ASB."),
    ("Open data", "Decisions and the program mapping, for harvesters (the whole set as CSV files on the page /dokumen)."),
    ("API description", "This document."),
]

DESCRIPTION = """The JSON API of Musrenbang, the village development planning platform (Hummingbird 2, Swift).

* **Language.** Error messages (and a few texts such as proposal history lines, notices and `statusText`) are in
  **Indonesian by default**; send `Accept-Language: en` for English. The `lang` cookie of the web pages takes precedence.
* **Errors.** Every error is `{"error": {"code", "message", "field"?}}` with `application/json`: 400 malformed JSON,
  401 not signed in or an invalid token, 403 not allowed (or `csrf`), 404 not found (also unknown routes), 405 a method
  the path does not have (`methodNotAllowed`, with `Allow` listing the documented ones), 409 a state conflict, 413 a
  body over 1 MB (5 MB for photos), 422 a missing, mistyped or invalid field (named in `field`), 429 throttled log-in
  (with `Retry-After`), 503 `media.unavailable`.
* **Authentication.** `Authorization: Bearer <token>` from `POST /api/v1/auth/login`, or the web session cookie
  `mb_session`; with the cookie, unsafe methods (POST, PUT, DELETE) also need `X-CSRF-Token`. A bearer token that is
  not valid is refused (401 `invalidToken`) on every operation, public ones included.
* **Encoding.** Ids are plain integers; region codes strings such as `"35.10.13.2007"`; dates ISO 8601 strings
  (`2027-01-21T12:00:00Z`); keys sorted. Optional members that have no value are **omitted**, never `null`.
* **Request bodies** are read as JSON whatever the `Content-Type`; unknown members are ignored, and an optional member
  that is `null` counts as absent.
* **Text** follows one set of rules at the boundary, on every operation, in bodies, forms and query parameters: NUL is
  422 `nul` (PostgreSQL cannot store it), another control character 422 `text.control` (tab and line breaks are allowed
  in multi-line fields), a character of too many code points 422 `text.cluster`, each naming the field; text that shows
  nothing (spaces, zero-width characters) counts as missing.
"""

doc = {
    "openapi": "3.1.0",
    "info": {"title": "Musrenbang API", "version": "1", "description": DESCRIPTION},
    "servers": [{"url": "/"}],
    "tags": [{"name": n, "description": t} for n, t in TAGS],
    "security": [BEARER, COOKIE],
    "paths": OPS,
    "components": {
        "securitySchemes": {
            "bearerAuth": {"type": "http", "scheme": "bearer",
                           "description": "A token from `POST /api/v1/auth/login` (30 days)."},
            "cookieAuth": {"type": "apiKey", "in": "cookie", "name": "mb_session",
                           "description": "The web pages' session cookie (7 days)."},
            "csrfToken": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token",
                          "description": "With `cookieAuth`, required on POST, PUT and DELETE (the page's CSRF token, "
                                         "bound to the `mb_csrf` cookie)."},
        },
        "parameters": P,
        "schemas": S,
    },
}


def render() -> str:
    """The document as it is committed: two-space indentation, UTF-8, a final newline."""
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def main() -> None:
    OUTPUT.write_text(render(), encoding="utf-8")
    print(f"wrote {OUTPUT} ({len(ORDER)} operations, {len(OPS)} paths, {len(S)} schemas)")


if __name__ == "__main__":
    main()
