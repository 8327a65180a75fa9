#!/usr/bin/env bash
# Assemble musicbrainz.sql, the schema `musicbrainz` of MusicBrainz Server, from the SQL scripts its
# admin/InitDb.pl runs for a standalone database (see SOURCE.txt), in InitDb.pl's order:
#
#   Extensions, CreateCollations, CreateTypes, CreateTables, CreatePrimaryKeys,
#   CreateSearchConfiguration, CreateFunctions, CreateIndexes, CreateFKConstraints,
#   CreateConstraints, CreateViews, CreateTriggers, CreateSearchIndexes
#
# Left out: the other schemas' scripts (admin/sql/caa, eaa, documentation, json_dump, report, sitemaps,
# statistics, wikidocs, dbmirror2), InsertDefaultRows.sql and SetSequences.sql (data, not schema), and
# the mirror-only and replication scripts (not run on a standalone database).
#
# InitDb.pl creates the schema and sets the role's search_path itself; the two first statements do it
# here. The scripts are copied byte for byte, each after a one-line comment naming it.
#
# Usage: assemble.sh <a git clone of github.com/metabrainz/musicbrainz-server> <output file>
set -euo pipefail
commit=11cd769a5935c243a48455bc3a21158179170368
repo=${1:?usage: assemble.sh MUSICBRAINZ_SERVER_GIT_DIR OUTPUT}
out=${2:?usage: assemble.sh MUSICBRAINZ_SERVER_GIT_DIR OUTPUT}
scripts="Extensions CreateCollations CreateTypes CreateTables CreatePrimaryKeys CreateSearchConfiguration
         CreateFunctions CreateIndexes CreateFKConstraints CreateConstraints CreateViews CreateTriggers
         CreateSearchIndexes"
{
    printf -- '-- MusicBrainz Server schema `musicbrainz`: admin/sql/*.sql at %s, assembled by assemble.sh\n' "$commit"
    printf 'CREATE SCHEMA musicbrainz;\nSET search_path = musicbrainz, public;\n'
    for name in $scripts; do
        printf '\n-- admin/sql/%s.sql\n' "$name"
        git -C "$repo" show "$commit:admin/sql/$name.sql"
    done
} >"$out"
