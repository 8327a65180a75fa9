/**
 * History > sync sessions page.
 *
 * The page treats "pending" and "paused" as running sessions (spinner, auto refresh), but the
 * database only allows running/completed/failed/cancelled in sync_sessions.status
 * (sync_sessions_status_check): those two branches can never match a stored session.
 */
(function (window) {
  "use strict";

  const STATUS_META = {
    pending: { label: "等待中", badge: "secondary", running: true },
    running: { label: "运行中", badge: "primary", running: true },
    paused: { label: "已暂停", badge: "warning", running: true },
    completed: { label: "已完成", badge: "success", running: false },
    failed: { label: "失败", badge: "danger", running: false },
    cancelled: { label: "已取消", badge: "dark", running: false },
  };

  const RUNNING_STATUSES = Object.keys(STATUS_META).filter((key) => STATUS_META[key].running);
  const REFRESH_INTERVAL_MS = 5000;

  function isRunning(session) {
    return RUNNING_STATUSES.includes(session.status);
  }

  function renderStatusBadge(status) {
    const meta = STATUS_META[status] || { label: status, badge: "light" };
    return `<span class="badge bg-${meta.badge}">${meta.label}</span>`;
  }

  function renderProgress(session) {
    const total = session.total_instances || 0;
    const done = (session.successful_instances || 0) + (session.failed_instances || 0);
    const percent = total ? Math.round((done / total) * 100) : 0;
    return `<div class="progress"><div class="progress-bar" style="width:${percent}%">${percent}%</div></div>`;
  }

  function renderRows(sessions) {
    return sessions
      .map(
        (session) => `<tr data-session-id="${session.session_id}">
          <td>${session.session_id}</td>
          <td>${session.sync_type}</td>
          <td>${session.sync_category}</td>
          <td>${renderStatusBadge(session.status)}</td>
          <td>${renderProgress(session)}</td>
          <td>${session.started_at || ""}</td>
        </tr>`,
      )
      .join("");
  }

  async function loadSessions(table, params) {
    const query = new URLSearchParams(params).toString();
    const response = await fetch(`/history/sessions/api/sessions?${query}`);
    const payload = await response.json();
    table.querySelector("tbody").innerHTML = renderRows(payload.data.items);
    return payload.data.items;
  }

  function mount(table, params) {
    let timer = null;
    const refresh = async () => {
      const sessions = await loadSessions(table, params);
      clearTimeout(timer);
      if (sessions.some(isRunning)) {
        timer = setTimeout(refresh, REFRESH_INTERVAL_MS);
      }
    };
    refresh();
    return () => clearTimeout(timer);
  }

  window.SyncSessionsPage = { mount, isRunning, STATUS_META };
})(window);
