#!/usr/bin/env bash
# The date-sensitive suites again with the clock set (by libfaketime) to instants
# where dates go wrong: the clinic's date is not UTC's, the US spring-forward day,
# and the last minute of the year in UTC. The clock runs on from each instant.
# env: PY (the venv's python), REQUIRE_FAKETIME=1 to fail rather than skip.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
INSTANTS=("2026-12-01 02:30:00" "2027-03-14 06:30:00" "2026-12-31 23:59:00")
SUITES=(tests/core tests/clinic tests/education tests/appointments)

if ! command -v faketime >/dev/null 2>&1; then
  echo "faketime is not installed (apt-get install faketime): the runs at set instants are skipped."
  [ "${REQUIRE_FAKETIME:-}" = 1 ] && { echo "REQUIRE_FAKETIME=1: failing instead." >&2; exit 1; }
  exit 0
fi
for instant in "${INSTANTS[@]}"; do
  echo "--- the date-sensitive suites with the clock at $instant UTC"
  TZ=UTC faketime -f "@$instant" "$PY" -m pytest "${SUITES[@]}" -m "not browser" \
    -q -p no:cacheprovider --no-header -o addopts="--strict-markers"
done
