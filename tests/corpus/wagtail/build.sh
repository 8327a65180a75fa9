#!/usr/bin/env bash
# Build wagtail.sql: the PostgreSQL schema of a new Wagtail site, as its Django migrations create it
# (see SOURCE.txt).
#
#  1. a throw-away virtualenv with wagtail 6.3.8, Django 5.2.19 and django-taggit 6.1.0 (every
#     dependency pinned below, so the migrations are the same on every run);
#  2. `wagtail start mysite` (the project template of that Wagtail), its settings pointed at a
#     throw-away PostgreSQL database (created from template0), `manage.py migrate`;
#  3. `pg_dump -s --no-owner --no-privileges` of that database, without what would differ between two
#     runs or two servers and means nothing to the schema: pg_dump's comment lines (the banner with
#     its version and each object's `-- Name: ...; Type: ...` header) and the `\restrict`/
#     `\unrestrict` lines with their random key. Statements are untouched.
#
# Usage: build.sh OUTPUT. The server is libpq's usual environment (PGHOST, PGPORT, PGUSER, PGPASSWORD;
# default 127.0.0.1 and postgres); createdb, dropdb and pg_dump must be on PATH (pg_dump of the
# server's major version). The database is dropped at the end.
set -euo pipefail
out=$(realpath -m "${1:?usage: build.sh OUTPUT}")
export PGHOST=${PGHOST:-127.0.0.1} PGUSER=${PGUSER:-postgres}
work=$(mktemp -d)
db=dbaudit_wagtail_corpus_$$
cleanup() { dropdb --if-exists "$db" || true; rm -rf "$work"; }
trap cleanup EXIT

python3 -m venv "$work/venv"
cat >"$work/requirements.txt" <<'REQ'
anyascii==0.3.3
asgiref==3.13.0
beautifulsoup4==4.12.3
certifi==2026.10.19.post1
charset-normalizer==3.5.3
defusedxml==0.7.1
Django==5.2.19
django-filter==26.2
django-modelcluster==6.5
django-permissionedforms==0.1
django-taggit==6.1.0
django-treebeard==4.8.0
djangorestframework==3.18.3
draftjs_exporter==5.2.0
et_xmlfile==2.0.0
filetype==1.2.0
idna==3.21
l18n==2021.3
laces==0.1.2
openpyxl==3.1.5
pillow==13.0.0
pillow_heif==1.9.0
psycopg==3.3.9
psycopg-binary==3.3.9
pytz==2026.6
requests==2.34.2
six==1.17.0
soupsieve==4.1.4
sqlparse==0.6.1
telepath==0.3.1
typing_extensions==4.16.0
urllib3==2.8.0
wagtail==6.3.8
Willow==1.12.0
REQ
"$work/venv/bin/python" -m pip install --quiet -r "$work/requirements.txt"

cd "$work"
venv/bin/wagtail start mysite >/dev/null
cat >mysite/mysite/settings/corpus.py <<'PY'
import os

from .dev import *  # noqa: F403

DATABASES = {"default": {"ENGINE": "django.db.backends.postgresql", "NAME": os.environ["CORPUS_DB"]}}
PY
createdb -T template0 -E UTF8 "$db"
(cd mysite && CORPUS_DB=$db ../venv/bin/python manage.py migrate --settings=mysite.settings.corpus --no-input >/dev/null)

pg_dump -s --no-owner --no-privileges "$db" | python3 -c '
import re, sys
text = sys.stdin.read()
text = re.sub(r"(?m)^\\(un)?restrict .*\n", "", text)   # psql meta-commands with a random key
text = re.sub(r"(?m)^--.*\n", "", text)                  # pg_dump comments (banner, object headers)
text = re.sub(r"\n{3,}", "\n\n", text).strip("\n") + "\n"
sys.stdout.write(text)
' >"$out"
echo "$out: $(grep -c "^CREATE TABLE" "$out") tables, sha256 $(sha256sum "$out" | cut -d" " -f1)"
