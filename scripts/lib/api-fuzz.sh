#!/usr/bin/env bash
# Schemathesis against a running server, with the OpenAPI description that server serves
# (GET /api/v1/openapi.json): signed in as a planner (bearer token), then anonymously.
# Every answer must be no 5xx and match the document (status, content type, headers, body schema);
# a method the document does not list for a path must be 405 with a matching `Allow`.
# Destructive: it calls every POST, PUT and DELETE with generated data. Use a throwaway database.
#
#   scripts/lib/api-fuzz.sh http://127.0.0.1:18398 REPORT_DIR [USERNAME PASSWORD]
#
# API_FUZZ_EXAMPLES (default 10) is the most cases per operation and phase; API_FUZZ_SEED (default
# 20270121) makes a run repeatable.
set -euo pipefail
cd "$(dirname "$0")/../.."
url=${1:?base URL}
reports=${2:?report directory}
username=${3:-bappeda}
password=${4:-musrenbang-demo}
st=.build/venv-openapi/bin/st
config=docs/openapi/schemathesis.toml
[ -x "$st" ] || { echo "schemathesis is missing: run scripts/lib/install-deps.sh test" >&2; exit 1; }

token=$(curl -sf -X POST "$url/api/v1/auth/login" -H 'Content-Type: application/json' \
          -d "{\"username\":\"$username\",\"password\":\"$password\"}" \
        | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')

checks=not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance
checks+=,response_schema_conformance,unsupported_method,allow_header_conformance
common=(
  --checks "$checks"
  --phases examples,coverage,fuzzing
  --max-examples "${API_FUZZ_EXAMPLES:-10}"
  --seed "${API_FUZZ_SEED:-20270121}"
  --generation-database none
  # One worker: with two, Python 3.11's ast module fails now and then inside Hypothesis.
  --workers 1
  --request-timeout 20
  --suppress-health-check all
  --continue-on-failure
  --no-color
  --warnings off
  # The event stream stays open up to `maxSeconds` (3600): the Swift tests and `simulate` cover it.
  --exclude-operation-id streamAssemblyEvents
)

status=0
echo "-- signed in as $username"
"$st" --config-file "$config" run "$url/api/v1/openapi.json" "${common[@]}" -H "Authorization: Bearer $token" \
  --exclude-operation-id logOut \
  --report junit --report-dir "$reports/signed-in" || status=1
echo "-- anonymous"
"$st" --config-file "$config" run "$url/api/v1/openapi.json" "${common[@]}" \
  --report junit --report-dir "$reports/anonymous" || status=1
exit $status
