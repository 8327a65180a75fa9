"""Issue 11 item 13: fk-missing on columns whose name does not name the table, inferred with evidence."""

from __future__ import annotations

from dbaudit.findings import Severity
from dbaudit.testing import schema
from tests.rules.conftest import assert_fix_round_trip, findings_for, model_from_ddl

SIBLINGS = """
    CREATE TABLE users (id bigint PRIMARY KEY);
    CREATE TABLE posts (id bigint PRIMARY KEY, creator_id bigint REFERENCES users);
    CREATE TABLE comments (id bigint PRIMARY KEY, creator_id bigint REFERENCES users);
    CREATE TABLE "Issues" (id bigint PRIMARY KEY, creator_id bigint);
"""


class TestInferredFkMissing:
    def test_role_prefix_before_a_table_name(self, pg_url: str) -> None:
        """replaced_by_product_id -> products (a table other keys reference): P2, the evidence states the
        inference, the fix executes."""
        ddl = """
            CREATE TABLE products (id bigint PRIMARY KEY);
            CREATE TABLE prices (id bigint PRIMARY KEY, product_id bigint REFERENCES products);
            CREATE TABLE "select" (id bigint PRIMARY KEY, replaced_by_product_id bigint);
        """
        finding = assert_fix_round_trip(pg_url, ddl, "fk-missing", ["public.select.replaced_by_product_id"])
        assert finding.severity is Severity.P2
        assert finding.evidence[1] == (
            "replaced_by_product_id does not name a table; inferred from the name: it ends in product_id after "
            "the role prefix replaced_by_, and public.products.id (bigint) is its key")

    def test_same_named_columns_elsewhere_reference_users(self, pg_url: str) -> None:
        """creator_id is a foreign key to users in two other tables: inferred for the third (P2)."""
        finding = assert_fix_round_trip(pg_url, SIBLINGS, "fk-missing", ["public.Issues.creator_id"])
        assert finding.severity is Severity.P2
        assert finding.title == "public.Issues.creator_id references public.users without a foreign key"
        assert finding.evidence[1].startswith(
            "creator_id does not name a table; inferred from the schema: 2 other table(s)' creator_id reference "
            "public.users(id): public.comments.creator_id, public.posts.creator_id")

    def test_models_declare_the_relation(self) -> None:
        """The ORM declares owner -> users: the relation is known, at the rule's own severity."""
        db = (schema().table("users", {"id": "bigint"}, pk="id")
              .table("boards", {"id": "bigint", "owner": "bigint"}, pk="id").build())
        orm = (schema().table("users", {"id": "bigint"}, pk="id")
               .table("boards", {"id": "bigint", "owner": "bigint"}, pk="id").fk("boards", "owner", "users").build())
        (finding,) = findings_for(db, "fk-missing", models=orm)
        assert finding.severity is Severity.P1
        assert finding.evidence[1] == "the ORM models declare boards_owner_fkey owner -> public.users(id)"

    def test_no_inference_without_evidence(self, pg_url: str) -> None:
        """Outside-system prefixes, a wrong type, a table no key references (lago's events), a lone
        sibling, a pattern most tables skip, siblings pointing at different tables, a bare noun
        (MusicBrainz's weak references) and append-only logs are not given a key."""
        model = model_from_ddl(pg_url, """
            CREATE TABLE users (id bigint PRIMARY KEY);
            CREATE TABLE admins (id bigint PRIMARY KEY);
            CREATE TABLE products (id bigint PRIMARY KEY);
            CREATE TABLE prices (id bigint PRIMARY KEY, product_id bigint REFERENCES products);
            CREATE TABLE events (id uuid PRIMARY KEY);
            CREATE TABLE fees (id bigint PRIMARY KEY, pay_in_advance_event_id uuid);
            CREATE TABLE edit (id int PRIMARY KEY);
            CREATE TABLE sub_artist (id int PRIMARY KEY, last_edit_sent int REFERENCES edit);
            CREATE TABLE sub_label (id int PRIMARY KEY, last_edit_sent int REFERENCES edit);
            CREATE TABLE sub_collection (id int PRIMARY KEY, last_edit_sent int);
            CREATE TABLE pagelogentry (id int PRIMARY KEY, actor_user_id bigint, creator_id bigint);
            CREATE TABLE posts (id int PRIMARY KEY, user_id bigint REFERENCES users);
            CREATE TABLE likes (id int PRIMARY KEY, user_id bigint REFERENCES users,
                                creator_id bigint REFERENCES users);
            CREATE TABLE tags (id int PRIMARY KEY, creator_id bigint REFERENCES users);
            CREATE TABLE a (id bigint PRIMARY KEY, external_user_id bigint, stripe_product_id bigint,
                            replaced_by_product_id text, approver_id bigint REFERENCES users,
                            owner_id bigint REFERENCES users, reviewer_id bigint REFERENCES users);
            CREATE TABLE b (id bigint PRIMARY KEY, approver_id bigint, owner_id bigint REFERENCES admins,
                            reviewer_id bigint REFERENCES users);
            CREATE TABLE c (id bigint PRIMARY KEY, owner_id bigint, reviewer_id bigint);
            CREATE TABLE d (id bigint PRIMARY KEY, reviewer_id bigint);
            CREATE TABLE e (id bigint PRIMARY KEY, reviewer_id bigint);
            CREATE TABLE order_events (id bigint PRIMARY KEY, previous_product_id bigint, owner_id bigint);
        """)
        assert findings_for(model, "fk-missing") == []
