#!/usr/bin/env bash
# The tests marked `clock` (they depend on the date or time) again with the clock set
# by libfaketime to instants where dates go wrong: the clinic's date is not UTC's, the
# US spring-forward day, and the last minute of the year in UTC. The clock runs on from
# each instant. Every instant runs even when one fails; the script fails if any did.
# env: PY (the venv's python), REQUIRE_FAKETIME=1 to fail rather than skip,
# PYTEST_WORKERS (pytest-xdist's -n; default auto).
set -uo pipefail
cd "$(dirname "$0")/.."
PY=${PY:-.venv/bin/python}
INSTANTS=("2026-12-01 02:30:00" "2027-03-14 06:30:00" "2026-12-31 23:59:00")

if ! command -v faketime >/dev/null 2>&1; then
  echo "faketime is not installed (apt-get install faketime): the runs at set instants are skipped."
  [ "${REQUIRE_FAKETIME:-}" = 1 ] && { echo "REQUIRE_FAKETIME=1: failing instead." >&2; exit 1; }
  exit 0
fi
failed=()
for instant in "${INSTANTS[@]}"; do
  echo "--- the tests marked clock, with the clock at $instant UTC"
  TZ=UTC faketime -f "@$instant" "$PY" -m pytest tests -m "clock and not browser" \
    -n "${PYTEST_WORKERS:-auto}" -q -p no:cacheprovider --no-header \
    -o addopts="--strict-markers --dist loadfile" || failed+=("$instant")
done
if [ ${#failed[@]} -gt 0 ]; then
  printf 'failed at: %s\n' "${failed[@]}" >&2
  exit 1
fi
