# ruff: noqa: E501
"""Chinese catalogue: the ``-- ...`` comments of generated fix and verification scripts.

Keys are whole comment blocks as the English scripts contain them (found again by
:func:`dbaudit.messages.translate_sql`); a translation keeps every line a comment and the block's
trailing newline, so the script around it is unchanged.
"""

from __future__ import annotations

ZH: dict[str, str] = {
    # migrations
    "-- partitioned table: NOT VALID is not supported; run the verify query first\n": "-- 分区表: 不支持 NOT VALID; 请先运行验证查询\n",
    "-- at the top of upgrade(): op.execute(\"SET lock_timeout = '5s'\")\n": "-- 在 upgrade() 开头: op.execute(\"SET lock_timeout = '5s'\")\n",
    "-- run outside a transaction block (no BEGIN/COMMIT around it)\n": "-- 在事务块之外执行(外层不要有 BEGIN/COMMIT)\n",
    "-- Alembic: inside `with op.get_context().autocommit_block():`\n-- (op.create_index(..., postgresql_concurrently=True) or op.execute of the SQL below)\n": "-- Alembic: 放在 `with op.get_context().autocommit_block():` 里\n-- (用 op.create_index(..., postgresql_concurrently=True), 或 op.execute 执行下面的 SQL)\n",
    "-- release N: write both columns, backfill in batches, read the new one": "-- 版本 N: 两列同时写入, 分批回填, 改读新列",
    "-- release N+1: ALTER TABLE {table} DROP COLUMN {column};": "-- 版本 N+1: ALTER TABLE {table} DROP COLUMN {column};",
    "-- keep the old name working for the running release (simple views are updatable):": "-- 让运行中的版本仍能使用旧名称(简单视图可更新):",
    "-- next release: DROP VIEW {view};": "-- 下一个版本: DROP VIEW {view};",
    "-- release N: stop using it in the code (models, queries), deploy everywhere\n-- release N+1: this migration, with a lock_timeout\n": "-- 版本 N: 代码(模型, 查询)中停止使用它, 全量发布\n-- 版本 N+1: 执行本迁移, 并设置 lock_timeout\n",
    '-- alembic merge -m "merge heads" {heads}': '-- alembic merge -m "merge heads" {heads}(合并多个 head)',
    "-- in a later transaction (SHARE UPDATE EXCLUSIVE: reads and writes go on)\n": "-- 在之后的另一个事务中执行(SHARE UPDATE EXCLUSIVE: 读写不受影响)\n",
    "-- without UNIQUE\n": "-- 先不带 UNIQUE\n",
    "-- the parent: attaches the partitions' primary keys, builds nothing": "-- 父表: 直接 attach 各分区的主键, 不再新建索引",
    "-- PostgreSQL 11 and older have no REINDEX CONCURRENTLY: build a copy and swap\n": "-- PostgreSQL 11 及更早版本没有 REINDEX CONCURRENTLY: 先并发建一个副本再替换\n",
    "-- PostgreSQL 14+": "-- PostgreSQL 14+",
    "-- in a quiet moment: no CONCURRENTLY before PostgreSQL 14": "-- 在业务低峰执行: PostgreSQL 14 之前不支持 CONCURRENTLY",
    "-- new rows only": "-- 只对新行生效",
    "-- backfill existing rows in batches, repeat until it updates 0 rows:": "-- 分批回填已有数据, 重复执行直到更新 0 行:",
    "-- SHARE UPDATE EXCLUSIVE: reads and writes go on": "-- SHARE UPDATE EXCLUSIVE: 读写不受影响",
    "-- PostgreSQL 12+: proven by the CHECK, no scan": "-- PostgreSQL 12+: 已由 CHECK 证明, 无需扫描",
    "-- either a constant default (catalog-only on PostgreSQL 11+): ALTER TABLE {table} ADD COLUMN {column} {type} NOT NULL DEFAULT <value>;": "-- 方案一: 常量默认值(PostgreSQL 11+ 只改元数据): ALTER TABLE {table} ADD COLUMN {column} {type} NOT NULL DEFAULT <value>;",
    "-- or nullable first, backfilled in batches, then NOT NULL proven without a long lock:": "-- 方案二: 先加可空列, 分批回填, 再在不长时间持锁的情况下证明 NOT NULL:",
    "-- keep both columns in step (application double-write or a trigger), then backfill in batches:": "-- 保持两列同步(应用双写或触发器), 然后分批回填:",
    "-- swap in one short transaction (recreate indexes on the new column CONCURRENTLY first):": "-- 在一个短事务中切换(先在新列上 CONCURRENTLY 重建索引):",
    "-- a release later: ALTER TABLE {table} DROP COLUMN {column};": "-- 下一个版本再执行: ALTER TABLE {table} DROP COLUMN {column};",
    "-- end the transaction of the ADD ... NOT VALID\n": "-- 先提交 ADD ... NOT VALID 所在的事务\n",
    "-- Alembic: with op.get_context().autocommit_block():\n": "-- Alembic: 放在 with op.get_context().autocommit_block(): 里\n",
    "-- then, in a later transaction, the statements that use it": "-- 然后在之后的事务中再执行使用新值的语句",
    "-- sized for this table": "-- 按这张表的规模设定",
    # indexes
    "-- DROP INDEX on a partitioned table cannot be CONCURRENTLY: it takes an ACCESS\n-- EXCLUSIVE lock on the parent and every partition briefly; run it off-peak and retry\n-- if the lock timeout expires.": "-- 分区表上的 DROP INDEX 不能 CONCURRENTLY: 会短暂地在父表和每个分区上\n-- 持有 ACCESS EXCLUSIVE 锁; 请在业务低峰执行, lock_timeout 超时后重试.",
    "-- Partitioned table: CREATE INDEX CONCURRENTLY is not supported on the parent, so\n-- create the parent index ON ONLY (catalog only), build each partition's index\n-- concurrently, then attach it; the parent index becomes valid when all are attached.": "-- 分区表: 父表不支持 CREATE INDEX CONCURRENTLY, 因此先用 ON ONLY 建父表索引(只改元数据),\n-- 再对每个分区并发建索引并 attach; 全部 attach 后父表索引自动变为有效.",
    "-- If queries filter on a rare value, replace it with a partial index, e.g.\n": "-- 如果查询过滤的是少见的取值, 改用部分索引, 例如\n",
    "-- CREATE INDEX CONCURRENTLY ... ON {table} (<searched columns>) WHERE {predicate};": "-- CREATE INDEX CONCURRENTLY ... ON {table} (<查询列>) WHERE {predicate};",
    "-- A valid identical index already serves this definition: drop the leftover only.\n": "-- 已有一个定义相同的有效索引: 只删除遗留的无效索引即可.\n",
    "-- Rebuild: drop the invalid index, then create it again concurrently (fix the\n-- cause first, e.g. duplicate rows for a unique index).": "-- 重建: 删除无效索引后重新并发创建(先消除失败原因,\n-- 例如唯一索引遇到的重复数据).",
    # not null
    "-- VALIDATE scans without blocking writes (SHARE UPDATE EXCLUSIVE lock).": "-- VALIDATE 扫描期间不阻塞写入(SHARE UPDATE EXCLUSIVE 锁).",
    "-- SET NOT NULL uses the validated CHECK instead of scanning the table.": "-- SET NOT NULL 直接利用已校验的 CHECK, 无需再扫描全表.",
    "-- Backfill existing NULLs first (batch this on a large table).": "-- 先回填已有的 NULL(大表请分批执行).",
    # capacity
    "-- and widen the key column and the columns that reference it (int4-key-overflow-risk)": "-- 同时扩容主键列及引用它的列(见 int4-key-overflow-risk)",
    "-- find the oldest tables of {database} and what blocks freezing:\n": "-- 找出 {database} 中最老的表以及阻碍 freeze 的会话:\n",
    "-- then VACUUM (FREEZE) those tables": "-- 然后对这些表执行 VACUUM (FREEZE)",
    "-- online: pg_repack --table {target} ; or in a maintenance window (ACCESS EXCLUSIVE lock):\n-- VACUUM (FULL, ANALYZE) {target};\n-- then lower autovacuum_vacuum_scale_factor for {target}": "-- 在线方式: pg_repack --table {target} ; 或在维护窗口内(ACCESS EXCLUSIVE 锁):\n-- VACUUM (FULL, ANALYZE) {target};\n-- 然后调低 {target} 的 autovacuum_vacuum_scale_factor",
    "-- exact: SELECT * FROM pgstattuple({target});  -- needs pgstattuple": "-- 精确值: SELECT * FROM pgstattuple({target});  -- 需要 pgstattuple 扩展",
    "-- exact: SELECT * FROM pgstatindex({target});  -- needs pgstattuple": "-- 精确值: SELECT * FROM pgstatindex({target});  -- 需要 pgstattuple 扩展",
    # lifecycle, naming, nullability
    "-- filter through the dimension instead: JOIN {dimension} and test {columns}": "-- 改为通过维度表过滤: JOIN {dimension} 并判断 {columns}",
    "-- Make these deletes explicit: each key below becomes ON DELETE RESTRICT, so deleting the\n-- parent fails while children exist. Then soft-delete the parent (deleted_at / is_active), or\n-- delete the children in batches in a purge job before the parent.": "-- 让删除显式化: 下面每个外键改为 ON DELETE RESTRICT, 存在子行时删除父行会失败.\n-- 之后对父行做软删除(deleted_at / is_active), 或在清理任务中\n-- 先分批删除子行, 再删除父行.",
    "-- change the application code first\n": "-- 先修改应用代码\n",
    "-- Run the verification query first: NULL rows mean the relation is optional; then keep the\n-- column nullable and change ON DELETE CASCADE to SET NULL or RESTRICT instead (VALIDATE\n-- below fails, changing nothing, while NULL rows remain).": "-- 先运行验证查询: 存在 NULL 行说明这层关联是可选的; 那就保持列可空,\n-- 把 ON DELETE CASCADE 改为 SET NULL 或 RESTRICT(只要还有 NULL 行,\n-- 下面的 VALIDATE 就会失败, 不会改动任何东西).",
    "-- New rows get the time of their insert:": "-- 新行取插入时的时间:",
    "-- NOT NULL once the NULL rows are filled (see nullable-with-default).": "-- 回填完 NULL 行后再加 NOT NULL(见 nullable-with-default).",
    "-- Existing NULL rows: fill them from a trustworthy source first (VALIDATE below fails,\n-- changing nothing, while any remain).": "-- 已有的 NULL 行: 先从可信来源回填(只要还有 NULL 行,\n-- 下面的 VALIDATE 就会失败, 不会改动任何东西).",
    # partitioning
    "-- CREATE TABLE ... PARTITION OF locks the parent briefly (ACCESS EXCLUSIVE); run it\n-- ahead of time, and retry if the lock timeout expires.": "-- CREATE TABLE ... PARTITION OF 会短暂锁住父表(ACCESS EXCLUSIVE); 请提前执行,\n-- lock_timeout 超时后重试.",
    "-- With a DEFAULT partition, rows already there for these ranges must be moved first.": "-- 存在 DEFAULT 分区时, 需先把其中属于这些范围的行迁走.",
    "-- Make sure a scheduled job creates partitions ahead (partitions-missing-ahead)\n-- before removing the trigger; the function can be dropped afterwards.": "-- 删除触发器之前, 先确认有定时任务提前创建分区(partitions-missing-ahead);\n-- 之后再删除触发器函数.",
    "-- Build missing partition indexes concurrently, then attach each (attaching an\n-- already-attached index is a no-op); the parent index turns valid at the end.": "-- 对缺失的分区索引并发创建, 然后逐个 attach(已 attach 的索引再 attach 不会有影响);\n-- 全部完成后父表索引变为有效.",
    # security
    "-- write the tenant policy for {table} before forcing RLS": "-- 在 FORCE RLS 之前先为 {table} 编写租户策略",
    "-- then GRANT EXECUTE ON {routine} TO <the roles that need it>;": "-- 然后 GRANT EXECUTE ON {routine} TO <需要它的角色>;",
    "-- then GRANT only what each role needs, e.g. GRANT SELECT ON {keyword} {target} TO <role>;": "-- 然后按角色分别授予所需权限, 例如 GRANT SELECT ON {keyword} {target} TO <role>;",
    "-- then GRANT {role} only the privileges the application uses": "-- 然后只给 {role} 授予应用实际需要的权限",
    "-- Move ownership to a NOLOGIN role used by migrations, then grant the application DML only:\n": "-- 把表的属主改为迁移专用的 NOLOGIN 角色, 应用只授予 DML 权限:\n",
    "-- fails for extensions that are not relocatable: reinstall those in a maintenance window,\n-- and add extensions to the search_path of the roles that call them": "-- 不可重定位的扩展会执行失败: 请在维护窗口内重装,\n-- 并把 extensions 加入调用它们的角色的 search_path",
    "-- postgresql.conf: password_encryption = 'scram-sha-256', then reload": "-- postgresql.conf: password_encryption = 'scram-sha-256', 然后 reload",
    "-- ALTER ROLE {role} PASSWORD '…';  (re-enter the password so it is stored as SCRAM)": "-- ALTER ROLE {role} PASSWORD '…';  (重新设置一次密码, 以 SCRAM 格式存储)",
    "-- pg_hba.conf: replace md5 with scram-sha-256 once every password is SCRAM": "-- pg_hba.conf: 所有密码都改为 SCRAM 后, 把 md5 替换为 scram-sha-256",
    "-- as a superuser: SELECT rolname FROM pg_authid WHERE rolpassword LIKE 'md5%';": "-- 以超级用户执行: SELECT rolname FROM pg_authid WHERE rolpassword LIKE 'md5%';",
    "-- {view} stores rows read as its owner: no option makes it apply the policies.\n": "-- {view} 保存的是以属主身份读出的数据: 没有任何选项能让它应用策略.\n",
    "-- PostgreSQL < 15 has no security_invoker: replace {view} with a SECURITY INVOKER\n-- set-returning function, or give the view an owner that is subject to the policies.": "-- PostgreSQL < 15 没有 security_invoker: 把 {view} 改写为 SECURITY INVOKER 的返回集合函数,\n-- 或把视图的属主换成受策略约束的角色.",
    # types
    "-- varchar(n) -> text is binary-compatible: no table rewrite, no index rebuild; only a\n-- brief ACCESS EXCLUSIVE lock (retry if the lock timeout expires).": "-- varchar(n) -> text 是二进制兼容的: 不重写表, 不重建索引; 只需短暂的\n-- ACCESS EXCLUSIVE 锁(lock_timeout 超时后重试).",
    "-- Assumes the stored values are UTC; change the zone if they are not. This rewrites\n-- the table under an ACCESS EXCLUSIVE lock: on a large table add a timestamptz column,\n-- backfill it in batches, and swap instead.": "-- 假定已存储的值是 UTC; 如果不是请修改时区. 该语句会在 ACCESS EXCLUSIVE 锁下\n-- 重写整张表: 大表请改为新增 timestamptz 列,\n-- 分批回填后再切换.",
    "-- Zero-downtime plan for a large table: (1) ADD COLUMN {col}_new bigint; (2) a trigger\n-- copies {col} into {col}_new on INSERT/UPDATE; (3) backfill {col}_new in batches;\n-- (4) CREATE UNIQUE INDEX CONCURRENTLY on {col}_new; (5) in one short transaction drop the\n-- old constraint, ADD PRIMARY KEY USING INDEX, rename the columns, move the sequence.\n-- The statements below are the simple form: ALTER COLUMN TYPE bigint REWRITES the table\n-- and its indexes under an ACCESS EXCLUSIVE lock - only for small tables or a window.": "-- 大表的零停机方案: (1) ADD COLUMN {col}_new bigint; (2) 用触发器在 INSERT/UPDATE 时\n-- 把 {col} 复制到 {col}_new; (3) 分批回填 {col}_new;\n-- (4) 在 {col}_new 上 CREATE UNIQUE INDEX CONCURRENTLY; (5) 在一个短事务中删除旧约束,\n-- ADD PRIMARY KEY USING INDEX, 交换列名, 迁移序列.\n-- 下面的语句是简单做法: ALTER COLUMN TYPE bigint 会在 ACCESS EXCLUSIVE 锁下\n-- 重写表及其索引 - 只适用于小表或维护窗口.",
    "-- Catalog-only: the sequence's maximum follows its new type.": "-- 只改元数据: 序列的最大值随新类型变化.",
    "-- Make the sequence's limit the column's (monitoring then shows the real usage); if the\n-- column needs a wider range, widen it instead (see int4-key-overflow-risk).": "-- 让序列的上限与列一致(监控才能显示真实使用率); 如果列需要更大的范围,\n-- 请改为扩容列(见 int4-key-overflow-risk).",
    "-- Rewrites the table under an ACCESS EXCLUSIVE lock; on a large table add a\n-- jsonb column, backfill in batches and swap instead.": "-- 会在 ACCESS EXCLUSIVE 锁下重写整张表; 大表请改为新增\n-- jsonb 列, 分批回填后切换.",
    "-- char(n) -> text strips the padding and REWRITES the table under an\n-- ACCESS EXCLUSIVE lock; schedule it, or add a column and swap on large tables.": "-- char(n) -> text 会去掉尾部空格, 并在 ACCESS EXCLUSIVE 锁下\n-- 重写整张表; 请安排窗口执行, 大表请新增列后切换.",
}
