#!/usr/bin/env bash
# Prints the path of a Python 3.12+ interpreter (Django 6.1 needs 3.12 or newer).
# Tries $PYTHON, then python3.13/python3.12/python3 on PATH, then pyenv's installs.
set -u
ok() { "$1" -c 'import sys; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }
candidates=("${PYTHON:-}" python3.13 python3.12 python3)
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for dir in $(ls -d "$root"/versions/3.1[2-9]* 2>/dev/null | sort -rV); do
    candidates+=("$dir/bin/python3")
  done
fi
for dir in $(ls -d "$HOME"/.pyenv/versions/3.1[2-9]* 2>/dev/null | sort -rV); do
  candidates+=("$dir/bin/python3")
done
for c in "${candidates[@]}"; do
  [ -n "$c" ] || continue
  path=$(command -v "$c" 2>/dev/null) || continue
  if ok "$path"; then echo "$path"; exit 0; fi
done
cat >&2 <<'MSG'
No Python 3.12 or newer found (Django 6.1 needs it).
Install one, for example:
  Debian/Ubuntu:  apt-get install python3.12 python3.12-venv   (or python3.13)
  macOS:          brew install python@3.12
  pyenv:          pyenv install 3.12
or point PYTHON at it:  make run PYTHON=/path/to/python3.12
MSG
exit 1
