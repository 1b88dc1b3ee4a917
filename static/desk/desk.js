// The service desk: a thin client of the Linli API (/api/v1), in Chinese.
"use strict";

const API = "/api/v1";
const KIND_NAMES = {
  district_committee: "区市县委",
  street_working_committee: "街道党工委",
  community_general_branch: "社区党总支",
  building_branch: "楼院党支部",
  functional_branch: "功能型党支部",
  mobile_member_branch: "流动党员党支部",
  nonpublic_enterprise_committee: "非公企业党工委",
  street_economic_branch: "街道综合经济党总支",
  enterprise_branch: "企业党组织",
  association_committee: "行业协会党委",
  social_org_branch: "社会组织党组织",
};
const ROLE_NAMES = { secretary: "书记", staff: "工作人员" };
const STATUS_NAMES = {
  submitted: "已提交",
  offered: "派单中",
  accepted: "已接单",
  in_progress: "服务中",
  completed: "待确认",
  confirmed: "已确认",
  cancelled: "已取消",
  expired: "无人接单",
  escalated: "待派单",
};
const ACTION_NAMES = {
  submit: "提交",
  offer: "派单",
  next_round: "下一轮派单",
  expire: "超时无人接单",
  escalate: "转工作人员",
  accept: "接单",
  assign: "指派",
  start: "开始服务",
  complete: "完成",
  confirm: "确认",
  reject_completion: "退回",
  cancel: "取消",
  rate: "评价",
  ask_resident: "询问居民",
  answer: "居民答复",
};
// The API's own messages are Chinese; these codes get wording that tells staff what to do.
const ERROR_MESSAGES = {
  illegal_transition: "该请求的状态已变化，不能执行此操作，请查看最新状态",
};
// Statuses from which staff may hand a request to a member (services/requests.py TRANSITIONS["assign"]).
const ASSIGNABLE_STATUSES = new Set(["submitted", "offered", "expired", "escalated", "accepted"]);
const PER_PAGE = 20;
const TIME_FORMAT = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai",
  year: "numeric",
  month: "2-digit",
  day: "2-digit",
  hour: "2-digit",
  minute: "2-digit",
  hour12: false,
});

const $ = (id) => document.getElementById(id);

async function call(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  const token = sessionStorage.getItem("token");
  if (token) headers.Authorization = `Bearer ${token}`;
  let response;
  try {
    response = await fetch(API + path, { method, headers, body: body && JSON.stringify(body) });
  } catch {
    throw new Error("网络连接失败，请稍后重试");
  }
  if (response.status === 204) return null;
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    if (response.status === 401 && path !== "/auth/desk-login") showLogin();
    throw new Error(errorMessage(data.error));
  }
  return data;
}

function errorMessage(error) {
  if (!error) return "请求失败，请稍后重试";
  const details = Object.values(error.fields || {}).flat();
  return ERROR_MESSAGES[error.code] || [error.message, ...details].join("：");
}

function showLogin() {
  sessionStorage.removeItem("token");
  $("home-view").hidden = true;
  $("who").hidden = true;
  $("login-view").hidden = false;
}

function node(tag, text, className) {
  const element = document.createElement(tag);
  if (text !== undefined) element.textContent = text;
  if (className) element.className = className;
  return element;
}

function renderTree(unit) {
  const item = node("li");
  item.append(node("span", unit.name), node("span", KIND_NAMES[unit.kind] || unit.kind, "kind"));
  if (unit.children.length) {
    const list = node("ul");
    unit.children.forEach((child) => list.append(renderTree(child)));
    item.append(list);
  }
  return item;
}

async function showHome() {
  const me = await call("GET", "/me");
  $("who-name").textContent = me.name;
  $("who").hidden = false;
  $("login-view").hidden = true;
  $("home-view").hidden = false;
  resetQueue();
  showPanel("overview-panel");
  const scopes = $("scopes");
  const tree = $("tree");
  scopes.replaceChildren();
  tree.replaceChildren();
  let roots = me.scopes.map((scope) => scope.org_id);
  if (me.roles.includes("admin")) {
    scopes.append(node("li", "管理员：全部组织"));
    const top = await call("GET", "/orgs?per_page=100&kind=district_committee");
    roots = top.items.map((org) => org.id);
  }
  const list = node("ul");
  for (const orgId of roots) {
    const unit = await call("GET", `/orgs/${orgId}/tree`);
    list.append(renderTree(unit));
    const scope = me.scopes.find((s) => s.org_id === orgId);
    if (scope) scopes.append(node("li", `${unit.name} · ${ROLE_NAMES[scope.role] || scope.role}`));
  }
  tree.append(list);
}

function setCurrent(element, isCurrent, value) {
  if (isCurrent) element.setAttribute("aria-current", value);
  else element.removeAttribute("aria-current");
}

function showPanel(panelId) {
  for (const tab of document.querySelectorAll(".tab")) {
    const active = tab.dataset.panel === panelId;
    $(tab.dataset.panel).hidden = !active;
    setCurrent(tab, active, "page");
  }
}

// --- 服务请求: the staff queue, one request's detail, its candidates and the staff actions ---

// The queue's view state; a ticket lets a newer load discard the answer of an older one.
const queue = { page: 1, selectedId: null, listTicket: 0, detailTicket: 0 };

const statusName = (status) => STATUS_NAMES[status] || status;

function formatTime(iso) {
  return iso ? TIME_FORMAT.format(new Date(iso)) : "";
}

function resetQueue() {
  queue.page = 1;
  queue.selectedId = null;
  $("status-filter").value = "";
  $("breached-filter").checked = false;
  $("request-list").replaceChildren();
  $("request-detail").hidden = true;
}

function fillStatusFilter() {
  for (const [status, name] of Object.entries(STATUS_NAMES)) {
    const option = node("option", name);
    option.value = status;
    $("status-filter").append(option);
  }
}

function queueQuery() {
  const query = new URLSearchParams({ page: queue.page, per_page: PER_PAGE });
  if ($("status-filter").value) query.set("status", $("status-filter").value);
  if ($("breached-filter").checked) query.set("sla_breached", "1");
  return query;
}

async function loadRequests() {
  const ticket = ++queue.listTicket;
  try {
    const page = await call("GET", `/requests?${queueQuery()}`);
    if (ticket !== queue.listTicket) return;
    const lastPage = Math.max(1, Math.ceil(page.total / page.per_page));
    if (queue.page > lastPage) {
      queue.page = lastPage;
      await loadRequests();
      return;
    }
    $("requests-error").textContent = "";
    renderQueue(page, lastPage);
  } catch (error) {
    if (ticket === queue.listTicket) $("requests-error").textContent = error.message;
  }
}

function renderQueue(page, lastPage) {
  $("requests-summary").textContent = `共 ${page.total} 条`;
  $("page-info").textContent = `第 ${page.page} / ${lastPage} 页`;
  $("previous-page").disabled = page.page <= 1;
  $("next-page").disabled = page.page >= lastPage;
  const rows = page.items.map(requestRow);
  $("request-list").replaceChildren(...(rows.length ? rows : [node("li", "暂无符合条件的服务请求", "empty")]));
  markSelectedRow();
}

function requestFlags(request) {
  const status = node("span", statusName(request.status), "badge status");
  status.dataset.status = request.status;
  const flags = [status];
  if (request.urgency === "urgent") flags.push(node("span", "紧急", "badge urgent"));
  if (request.sla_breached) flags.push(node("span", "超时", "badge breached"));
  if (request.sla_paused) flags.push(node("span", "等待居民答复", "badge paused"));
  return flags;
}

function requestRow(request) {
  const item = node("li");
  item.dataset.requestId = request.id;
  const open = node("button", undefined, "request-row");
  open.type = "button";
  const flags = node("span", undefined, "flags");
  flags.append(...requestFlags(request));
  open.append(
    node("span", request.title, "request-title"),
    node("span", `${request.category_name} · ${formatTime(request.created_at)}`, "muted"),
    flags,
  );
  open.addEventListener("click", () => openRequest(request.id));
  item.append(open);
  return item;
}

function markSelectedRow() {
  for (const item of $("request-list").children) {
    const row = item.querySelector(".request-row");
    if (row) setCurrent(row, Number(item.dataset.requestId) === queue.selectedId, "true");
  }
}

async function openRequest(requestId) {
  queue.selectedId = requestId;
  markSelectedRow();
  $("detail-error").textContent = "";
  $("reject-reason").value = "";
  await loadDetail();
  $("detail-title").focus();
}

async function loadDetail() {
  const requestId = queue.selectedId;
  const ticket = ++queue.detailTicket;
  try {
    const request = await call("GET", `/requests/${requestId}`);
    if (ticket !== queue.detailTicket) return;
    renderDetail(request);
    if (!ASSIGNABLE_STATUSES.has(request.status)) return;
    const candidates = await call("GET", `/requests/${requestId}/candidates`);
    if (ticket === queue.detailTicket) renderCandidates(request, candidates);
  } catch (error) {
    if (ticket === queue.detailTicket) $("detail-error").textContent = error.message;
  }
}

function renderDetail(request) {
  $("request-detail").hidden = false;
  $("detail-title").textContent = request.title;
  $("detail-flags").replaceChildren(...requestFlags(request));
  $("detail-facts").replaceChildren(...requestFacts(request));
  $("timeline").replaceChildren(...request.history.map((entry) => historyEntry(request, entry)));
  $("completion-actions").hidden = request.status !== "completed";
  $("candidates-section").hidden = !ASSIGNABLE_STATUSES.has(request.status);
  $("candidates").replaceChildren();
}

function requestFacts(request) {
  const facts = [
    ["编号", `#${request.id}`],
    ["服务类别", request.category_name],
    ["提交时间", formatTime(request.created_at)],
    ["响应时限", formatTime(request.sla_due_at)],
    ["期望时间", formatTime(request.preferred_time)],
    ["地址", request.address],
    ["描述", request.description],
    ["待居民答复", request.pending_question],
    ["承接党员", request.assignee_id && `党员 #${request.assignee_id}`],
    ["完成说明", request.completion_note],
    ["服务时长", request.minutes != null && `${request.minutes} 分钟`],
    ["退回原因", request.rejection_reason],
    ["居民评价", request.stars && `${request.stars} 星 ${request.rating_comment || ""}`.trim()],
  ];
  return facts
    .filter(([, value]) => value)
    .flatMap(([term, value]) => [node("dt", term), node("dd", value)]);
}

function actorName(actorId, request) {
  if (actorId == null) return "系统";
  return actorId === request.resident_id ? "居民" : `操作人 #${actorId}`;
}

function historyEntry(request, entry) {
  const item = node("li");
  const at = node("time", formatTime(entry.at));
  at.dateTime = entry.at;
  const moved = entry.from_status && entry.from_status !== entry.to_status;
  const change = moved ? `${statusName(entry.from_status)} → ${statusName(entry.to_status)}` : statusName(entry.to_status);
  item.append(
    at,
    node("strong", ACTION_NAMES[entry.action] || entry.action),
    node("span", change, "muted"),
    node("span", actorName(entry.actor_id, request), "muted"),
  );
  if (entry.reason) item.append(node("p", `说明：${entry.reason}`, "reason"));
  return item;
}

function renderCandidates(request, candidates) {
  const items = candidates.map((candidate) => candidateItem(request, candidate));
  $("candidates").replaceChildren(...(items.length ? items : [node("li", "暂无符合条件的候选党员", "empty")]));
}

function candidateItem(request, candidate) {
  const item = node("li", undefined, "candidate");
  item.dataset.memberId = candidate.member_id;
  const head = node("div", undefined, "candidate-head");
  head.append(
    node("strong", candidate.name || `党员 #${candidate.member_id}`),
    node("span", `得分 ${candidate.score.toFixed(2)}`, "score"),
  );
  const reasons = node("ul", undefined, "reasons");
  reasons.append(...candidate.reasons.map((reason) => node("li", reason)));
  const isAssignee = candidate.member_id === request.assignee_id;
  const assign = node("button", isAssignee ? "当前承接" : "指派", "primary");
  assign.type = "button";
  assign.disabled = isAssignee;
  assign.addEventListener("click", () => act("assign", { member_id: candidate.member_id }));
  item.append(head, reasons, assign);
  return item;
}

// One staff action on the open request; whatever the answer, the detail and the queue are reloaded.
async function act(action, payload) {
  $("detail-error").textContent = "";
  const buttons = $("request-detail").querySelectorAll("button");
  buttons.forEach((button) => { button.disabled = true; });
  let succeeded = true;
  try {
    await call("POST", `/requests/${queue.selectedId}/${action}`, payload);
  } catch (error) {
    $("detail-error").textContent = error.message;
    succeeded = false;
  }
  await Promise.all([loadDetail(), loadRequests()]);
  buttons.forEach((button) => { button.disabled = false; });
  return succeeded;
}

function reloadFromFirstPage() {
  queue.page = 1;
  loadRequests();
}

function turnPage(step) {
  queue.page += step;
  loadRequests();
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    const result = await call("POST", "/auth/desk-login", {
      username: $("username").value.trim(),
      password: $("password").value,
    });
    sessionStorage.setItem("token", result.token);
    $("password").value = "";
    await showHome();
  } catch (error) {
    $("login-error").textContent = error.message;
  }
});

$("logout").addEventListener("click", async () => {
  try {
    await call("POST", "/auth/logout");
  } finally {
    showLogin();
  }
});

for (const tab of document.querySelectorAll(".tab")) {
  tab.addEventListener("click", () => {
    showPanel(tab.dataset.panel);
    if (tab.dataset.panel === "requests-panel") loadRequests();
  });
}

$("status-filter").addEventListener("change", reloadFromFirstPage);
$("breached-filter").addEventListener("change", reloadFromFirstPage);
$("previous-page").addEventListener("click", () => turnPage(-1));
$("next-page").addEventListener("click", () => turnPage(1));
$("refresh-requests").addEventListener("click", () => {
  loadRequests();
  if (queue.selectedId) loadDetail();
});

$("confirm-completion").addEventListener("click", () => act("confirm"));

$("reject-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const reason = $("reject-reason").value.trim();
  if (!reason) {
    $("detail-error").textContent = "请填写退回原因";
    $("reject-reason").focus();
    return;
  }
  if (await act("reject-completion", { reason })) $("reject-reason").value = "";
});

fillStatusFilter();

if (sessionStorage.getItem("token")) showHome().catch(showLogin);
