#!/usr/bin/env bash
# Refresh the UI translations: extract -> update -> compile. Idempotent: run it as often as
# you like; with no source change it leaves every file byte-for-byte as it was.
#
#   scripts/i18n.sh           refresh messages.pot, merge it into each locale's messages.po
#                             (keeping existing translations) and compile messages.mo
#   scripts/i18n.sh --check   change nothing; exit 1 if the .pot/.po would change, i.e.
#                             someone added or changed a string without running this
#
# Files (all committed, so a fresh checkout needs no build step):
#   web/translations/messages.pot                  template, from babel.cfg's sources
#   web/translations/<locale>/LC_MESSAGES/messages.po   translations, edited by hand
#   web/translations/<locale>/LC_MESSAGES/messages.mo   compiled, what Flask-Babel reads
#
# Workflow for a new UI string: write it in Chinese as _('...') in a template or
# gettext/lazy_gettext in web/**.py, run this script, fill in the empty msgstr "" (and remove
# any "#, fuzzy" line after checking the guessed translation) in the .po, run it again to
# compile. tests/web/test_i18n.py fails while a string is untranslated, fuzzy, or the .mo
# is stale. In templates a literal % must be written %% (Flask-Babel formats every string);
# keep %(name)s placeholders and %% exactly in the translation. Scripts (web/static/js)
# hold no text: a text a script shows is a data-msg-<key> in web/templates/_js_messages.html,
# read with i18n("key") (web/static/js/i18n.js); {name} there is filled in by the script.
# Core messages are N_("…") in scoring/ (extracted with -k N_). A comment starting
# "TRANSLATORS:" just before the string (in Jinja: {# TRANSLATORS: ... #}) is copied into
# the catalog for the translator.
set -euo pipefail
cd "$(dirname "$0")/.."

PYBABEL=${PYBABEL:-.venv/bin/pybabel}
DIR=web/translations
DOMAIN=messages
POT=$DIR/$DOMAIN.pot
LOCALES=(en)           # Chinese is the source language: its msgids are the UI text
# Keep these keywords in step with tests/web/test_i18n.py (KEYWORDS).
KEYWORDS=(-k lazy_gettext -k lazy_ngettext:1,2 -k N_)

check=false
case "${1:-}" in
  --check) check=true ;;
  "") ;;
  *) echo "usage: $0 [--check]" >&2; exit 2 ;;
esac

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# 1. Extract. Only write the .pot when something other than its creation date changed.
"$PYBABEL" -q extract -F babel.cfg "${KEYWORDS[@]}" --add-comments=TRANSLATORS: --no-wrap \
  --project=town-scoring --version="$(sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml)" \
  --copyright-holder="town-scoring contributors" \
  --header-comment="# UI strings of town-scoring, extracted from the source by scripts/i18n.sh." \
  -o "$tmp/$DOMAIN.pot" .
strip_date() { grep -v '^"POT-Creation-Date: ' "$1" || true; }
pot_changed=false
if [[ ! -f $POT ]] || ! cmp -s <(strip_date "$POT") <(strip_date "$tmp/$DOMAIN.pot"); then
  pot_changed=true
fi

# 2. Update each locale's .po from the new template (existing translations are kept; a
#    changed msgid gets its old translation back marked fuzzy, which compile leaves out).
status=0
for locale in "${LOCALES[@]}"; do
  po=$DIR/$locale/LC_MESSAGES/$DOMAIN.po
  if $check; then
    if [[ ! -f $po ]]; then echo "i18n: $po is missing" >&2; status=1; continue; fi
    cp "$po" "$tmp/$locale.po"
    "$PYBABEL" -q update -i "$tmp/$DOMAIN.pot" -D "$DOMAIN" -l "$locale" -o "$tmp/$locale.po" \
      --ignore-obsolete --ignore-pot-creation-date --previous --no-wrap
    if ! cmp -s "$po" "$tmp/$locale.po"; then
      echo "i18n: $po is out of date with the source; run scripts/i18n.sh" >&2; status=1
    fi
  else
    "$PYBABEL" -q update -i "$tmp/$DOMAIN.pot" -d "$DIR" -D "$DOMAIN" -l "$locale" --init-missing \
      --ignore-obsolete --ignore-pot-creation-date --previous --no-wrap
  fi
done

if $check; then
  if $pot_changed; then echo "i18n: $POT is out of date; run scripts/i18n.sh" >&2; status=1; fi
  exit $status
fi
$pot_changed && cp "$tmp/$DOMAIN.pot" "$POT"

# 3. Compile (fuzzy and empty entries are left out, so they show in Chinese).
"$PYBABEL" compile -d "$DIR" -D "$DOMAIN" --statistics
