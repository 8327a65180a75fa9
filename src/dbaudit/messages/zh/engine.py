# ruff: noqa: E501
"""Chinese catalogue: notes of the engine, the audit, baselines and the migration lint's run."""

from __future__ import annotations

ZH: dict[str, str] = {
    # auditing
    "--stats needs a live PostgreSQL database; {kind} sources have no query statistics": "--stats 需要在线的 PostgreSQL 数据库; {kind} 数据源没有查询统计",
    "query statistics not read: pg_stat_statements is not installed or not preloaded in the audited database (--stats reads table activity, XID age, bloat and sequence growth without it)": "未读取查询统计: 被审计库未安装 pg_stat_statements 或未预加载(没有它, --stats 仍会读取表活动, XID 年龄, 膨胀与序列增长)",
    "--stats needs a live PostgreSQL database; a model or snapshot file has no query statistics": "--stats 需要在线的 PostgreSQL 数据库; 模型文件或快照文件没有查询统计",
    "--models given but this build cannot read ORM models; skipped": "指定了 --models, 但当前构建无法读取 ORM 模型; 已跳过",
    "--migrations given but this build cannot upgrade migrations; head drift skipped": "指定了 --migrations, 但当前构建无法执行迁移升级; 已跳过与迁移 head 的漂移对比",
    "--code given but this build has no code scanner; code rules skipped": "指定了 --code, 但当前构建没有代码扫描器; 已跳过代码类规则",
    "this build has no drift comparison; models/migrations were not compared": "当前构建没有漂移对比功能; 未对比模型/迁移",
    "this build has no migration lint; migrations were not reviewed": "当前构建没有迁移检查功能; 未审查迁移",
    "the audited database has no readable alembic_version: every revision is linted as pending": "被审计库没有可读的 alembic_version: 所有迁移都按待执行检查",
    # baseline
    "{known} finding(s) are in the baseline {path} and are not reported": "{known} 条问题已在基线 {path} 中, 不再报告",
    "{fixed} finding(s) of the baseline {path} no longer occur: regenerate it with --write-baseline": "基线 {path} 中有 {fixed} 条问题已不再出现: 请用 --write-baseline 重新生成",
    # engine
    "unknown rule or category {selector!r}{where}{hint}": "未知的规则或类别 {selector!r}{where}{hint}",
    "{message}; it selects no schema rule": "{message}; 它没有选中任何 schema 规则",
    "{id} is a removed rule and no longer runs": "{id} 是已移除的规则, 不再执行",
    "it is PostgreSQL-only and {source} is {dialect}": "该规则仅适用于 PostgreSQL, 而 {source} 是 {dialect}",
    "no query statistics were read (a live PostgreSQL target with pg_stat_statements, or --stats)": "未读取查询统计(需要在线 PostgreSQL 且装有 pg_stat_statements, 或使用 --stats)",
    "no application role is configured (app-role, --app-role)": "未配置应用角色(app-role, --app-role)",
    " or ": " 或 ",
    "no {inputs} input was given": "未提供 {inputs} 输入",
    "the {kind} source {source} does not provide {need}": "{kind} 数据源 {source} 不提供 {need}",
    "{id} skipped: {why}": "{id} 已跳过: {why}",
    "{id} failed and reported nothing: {name}: {error}": "{id} 执行失败, 未报告任何结果: {name}: {error}",
    "fix and verification SQL omitted: it is written for PostgreSQL and {source} is {dialect}": "已省略修复与验证 SQL: 它们是为 PostgreSQL 编写的, 而 {source} 是 {dialect}",
    "{unused_suppression}: {key} {label} (reason: {reason}) silenced nothing; remove it": "{unused_suppression}: {key} {label}(原因: {reason})没有屏蔽任何问题; 请删除",
    "skipped ({why}): {rules}": "已跳过({why}): {rules}",
    # migration lint runs
    "{n_suppressed} finding(s) suppressed inline: {listed}{more}": "{n_suppressed} 条问题被行内注释屏蔽: {listed}{more}",
    "{db}: a model file does not record alembic_version: every revision is linted": "{db}: 模型文件不记录 alembic_version: 所有迁移都会被检查",
    "{db} has no alembic_version rows: no revision applied, all are linted": "{db} 的 alembic_version 没有记录: 尚未执行任何迁移, 全部检查",
    "{db} is at revision {unknown}, which these migrations do not know: every revision is linted": "{db} 当前版本为 {unknown}, 这组迁移中没有该版本: 所有迁移都会被检查",
    "{db} is at {applied} ({version_table}): {n_applied} revision(s) already applied are not linted; {n_pending} pending revision(s) linted": "{db} 当前版本为 {applied}({version_table}): 已执行的 {n_applied} 个迁移不再检查; 检查待执行的 {n_pending} 个迁移",
    "env.py sets lock_timeout: missing-lock-timeout assumes it applies to every revision": "env.py 设置了 lock_timeout: missing-lock-timeout 假定它对每个迁移都生效",
    "env.py sets transaction_per_migration=True: each revision commits on its own": "env.py 设置了 transaction_per_migration=True: 每个迁移单独提交",
    "env.py leaves transaction_per_migration off: Alembic runs all pending revisions in one transaction (a NOT VALID constraint validated by a later pending revision protects nothing)": "env.py 未开启 transaction_per_migration: Alembic 在一个事务里执行全部待执行迁移(由后续迁移 VALIDATE 的 NOT VALID 约束起不到保护作用)",
    "{path} ({id}): partial: {partial}": "{path}({id}): 仅部分解析: {partial}",
    "trace: each statement runs in its own transaction on the scratch database, so locks are per statement; locks held across statements of one transaction are reported statically": "锁追踪: 每条语句在临时库上各自的事务中执行, 因此锁按单条语句统计; 同一事务中跨语句持有的锁按静态分析报告",
    "applied": "已执行",
    "applied (before --since)": "已执行(--since 之前)",
    "{revisions} {scope} revision(s) had {n_history} hazard(s) when they ran ({rules}); run `dbaudit lint-migrations {where}` for details": "{revisions} 个{scope}的迁移在执行时有 {n_history} 处风险({rules}); 详情请运行 `dbaudit lint-migrations {where}`",
    "PostgreSQL {default_target_version}+ assumed (no --target-version)": "按 PostgreSQL {default_target_version}+ 评估(未指定 --target-version)",
    "{path}:{line}: suppression of {rule} matched no finding (remove it)": "{path}:{line}: 对 {rule} 的屏蔽注释没有匹配到任何问题(请删除)",
    # notes of the sources (query statistics, the migrations' offline rendering)
    "alembic offline mode (--sql) failed ({error}); every revision was read from its source (op.execute SQL strings and op.* calls with literal arguments)": "alembic 离线模式(--sql)执行失败({error}); 所有迁移改为从源码读取(op.execute 的 SQL 字符串, 以及参数为字面量的 op.* 调用)",
    "env.py could not run in offline mode ({reason}); the revisions were rendered with dbaudit's own offline environment (PostgreSQL dialect, literal binds)": "env.py 无法以离线模式运行({reason}); 改用 dbaudit 自带的离线环境渲染迁移(PostgreSQL 方言, 字面量绑定)",
    "pg_stat_statements is not installed in this database (CREATE EXTENSION pg_stat_statements): no statement statistics": "该库未安装 pg_stat_statements(CREATE EXTENSION pg_stat_statements): 没有语句统计",
    "pg_stat_statements is installed but cannot be read ({error}): no statement statistics": "pg_stat_statements 已安装但无法读取({error}): 没有语句统计",
    "HypoPG is not installed in this database: candidate indexes are unverified (CREATE EXTENSION hypopg, or verify them on a copy of the schema with its statistics)": "该库未安装 HypoPG: 候选索引未经验证(可 CREATE EXTENSION hypopg, 或在带统计信息的 schema 副本上验证)",
    "{what} not read: {error}": "未读取{what}: {error}",
    "{hidden} statements of other roles are hidden from this role (grant pg_read_all_stats to see them)": "其他角色的 {hidden} 条语句对当前角色不可见(授予 pg_read_all_stats 后可见)",
    "growth of {sequence} not measured: {error}": "未测算 {sequence} 的增长: {error}",
    "severity calibration: {source} has no row counts to trust (PostgreSQL statistics of analyzed tables): size-sensitive findings keep their rules' default severities": "严重级别校准: {source} 没有可信的行数(需已 ANALYZE 的 PostgreSQL 统计信息): 与规模相关的问题保持规则默认级别",
}
