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
const REGISTRATION_STATUS_NAMES = {
  pending: "待审核",
  approved: "已通过",
  rejected: "未通过",
  ended: "已结束",
};
const CHECKIN_STATUS_NAMES = {
  closed: "已签退",
  open: "签到中",
  auto_closed: "自动结束",
};
// A visit's minutes in the ledger (a check-in's hours_status); a visit without any has none.
const HOURS_STATUS_NAMES = {
  pending: "待确认",
  confirmed: "已确认",
};
const CORRECTION_STATUS_NAMES = {
  pending: "待处理",
  accepted: "已采纳",
  rejected: "未采纳",
};
const HOUR_SOURCE_NAMES = {
  checkin: "签到",
  request: "服务请求",
  visit: "走访慰问",
  activity: "活动",
};
const OFFER_STATUS_NAMES = {
  open: "待答复",
  accepted: "已接单",
  declined: "已婉拒",
  expired: "已超时",
  withdrawn: "已撤回",
};
const WEEKDAY_NAMES = ["周一", "周二", "周三", "周四", "周五", "周六", "周日"];
// The anti-gaming signals of services/checkins.py, named in Chinese with their evidence.
const CHECKIN_FLAGS = {
  impossible_travel: {
    name: "位置跳变过快",
    detail: (e) => `距上一次签到约 ${(e.distance_m / 1000).toFixed(1)} 公里，相隔 ${elapsedText(e.seconds)}，约 ${e.speed_kmh} 公里/小时`,
  },
  shared_device: {
    name: "多人共用设备",
    detail: (e) => `该设备 24 小时内另有 ${e.other_members_24h} 名党员使用`,
  },
  radius_edge: {
    name: "位于签到范围边缘",
    detail: (e) => `距站点 ${e.distance_m} 米，签到范围 ${e.radius_m} 米`,
  },
  overlong: {
    name: "时长过长",
    detail: (e) => `${e.minutes} 分钟，超过上限 ${e.max_minutes} 分钟，未计入时长`,
  },
  forgotten_checkout: {
    name: "未签退",
    detail: () => "闭站时自动结束，未计入时长",
  },
};
// The API's own messages are Chinese; these codes get wording that tells staff what to do.
const ERROR_MESSAGES = {
  illegal_transition: "该请求的状态已变化，不能执行此操作，请查看最新状态",
  // Someone else confirmed the minutes after the list was loaded.
  entry_not_pending: "该签到的服务时长已确认过，无需重复确认",
};
// The API's limit on corrected minutes (schemas/members.py CorrectionAnswerSchema).
const MAX_CORRECTED_MINUTES = 24 * 60;
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

// Names of the units in the staff member's trees, for the ids registrations carry.
const orgNames = new Map();

function rememberOrgNames(unit) {
  orgNames.set(unit.id, unit.name);
  unit.children.forEach(rememberOrgNames);
}

const orgName = (orgId) => orgNames.get(orgId) || `组织 #${orgId}`;

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

// The home is shown once the trees are in, so the lists can name the units their records refer to.
async function showHome() {
  const me = await call("GET", "/me");
  resetPanels();
  await renderScopeTrees(me);
  $("who-name").textContent = me.name;
  $("who").hidden = false;
  $("login-view").hidden = true;
  $("home-view").hidden = false;
  showPanel("overview-panel");
}

async function renderScopeTrees(me) {
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
    rememberOrgNames(unit);
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

// --- Shared by the lists: paging, filters, status badges, facts and actions on a listed record ---

function formatTime(iso) {
  return iso ? TIME_FORMAT.format(new Date(iso)) : "";
}

function elapsedText(seconds) {
  return seconds < 60 ? `${seconds} 秒` : `${Math.round(seconds / 60)} 分钟`;
}

// One paged list inside `container` (its alert, summary, items and pager);
// a ticket lets a newer load discard the answer of an older one.
class Listing {
  constructor(container, { path, query, row, emptyText, onRender = () => {} }) {
    Object.assign(this, { path, query, row, emptyText, onRender });
    this.error = container.querySelector(".list-error");
    this.summary = container.querySelector(".summary");
    this.items = container.querySelector(".items");
    this.pageInfo = container.querySelector(".page-info");
    this.previous = container.querySelector(".previous-page");
    this.next = container.querySelector(".next-page");
    this.page = 1;
    this.ticket = 0;
    this.previous.addEventListener("click", () => this.turnPage(-1));
    this.next.addEventListener("click", () => this.turnPage(1));
  }

  reset() {
    this.page = 1;
    this.error.textContent = "";
    this.summary.textContent = "";
    this.items.replaceChildren();
  }

  async load() {
    const ticket = ++this.ticket;
    const query = this.query();
    query.set("page", this.page);
    query.set("per_page", PER_PAGE);
    try {
      const page = await call("GET", `${this.path}?${query}`);
      if (ticket !== this.ticket) return;
      const lastPage = Math.max(1, Math.ceil(page.total / page.per_page));
      if (this.page > lastPage) {
        this.page = lastPage;
        await this.load();
        return;
      }
      this.error.textContent = "";
      this.render(page, lastPage);
    } catch (error) {
      if (ticket === this.ticket) this.error.textContent = error.message;
    }
  }

  render(page, lastPage) {
    this.summary.textContent = `共 ${page.total} 条`;
    this.pageInfo.textContent = `第 ${page.page} / ${lastPage} 页`;
    this.previous.disabled = page.page <= 1;
    this.next.disabled = page.page >= lastPage;
    const rows = page.items.map((item) => this.row(item));
    this.items.replaceChildren(...(rows.length ? rows : [node("li", this.emptyText, "empty")]));
    this.onRender();
  }

  reloadFromFirstPage() {
    this.page = 1;
    this.load();
  }

  turnPage(step) {
    this.page += step;
    this.load();
  }
}

// The query of a list's filters, leaving out those not set.
const filterQuery = (filters) => new URLSearchParams(Object.entries(filters).filter(([, value]) => value));

function fillOptions(select, names) {
  for (const [value, name] of Object.entries(names)) {
    const option = node("option", name);
    option.value = value;
    select.append(option);
  }
}

// `kind` tells apart the badges of one record (the status of a visit, of its minutes).
function statusBadge(names, status, kind = "status") {
  const badge = node("span", names[status] || status, `badge ${kind}`);
  badge.dataset.status = status;
  return badge;
}

// Names as the API gives them; an account without a name is known by its id.
const personName = (user) => user.name || `用户 #${user.id}`;
const memberName = (memberId, name) => name || `党员 #${memberId}`;

const minutesText = (minutes) => (minutes != null ? `${minutes} 分钟` : "");

// <dt>/<dd> pairs for the facts that have a value.
function factItems(facts) {
  return facts
    .filter(([, value]) => value)
    .flatMap(([term, value]) => [node("dt", term), node("dd", value)]);
}

function labelled(text, input) {
  const label = node("label", text);
  label.append(input);
  return label;
}

// One action on a record of a list: its buttons rest while it runs, the list is reloaded whatever
// the answer, then the outcome is told (after the reload, so the reload does not clear it).
async function actOnRecord({ listing, notice, row, path, payload, success }) {
  listing.error.textContent = "";
  notice.textContent = "";
  const buttons = row.querySelectorAll("button");
  buttons.forEach((button) => { button.disabled = true; });
  let result;
  let failure;
  try {
    result = await call("POST", path, payload || {});
  } catch (error) {
    failure = error;
  }
  await listing.load();
  buttons.forEach((button) => { button.disabled = false; });
  if (failure) listing.error.textContent = failure.message;
  else notice.textContent = success(result);
}

// --- 服务请求: the staff queue, one request's detail, its candidates and the staff actions ---

// The open request; a ticket lets a newer detail load discard the answer of an older one.
const queue = { selectedId: null, detailTicket: 0 };

const statusName = (status) => STATUS_NAMES[status] || status;

const requestQueue = new Listing($("requests-queue"), {
  path: "/requests",
  query: () => filterQuery({ status: $("status-filter").value, sla_breached: $("breached-filter").checked && "1" }),
  row: requestRow,
  emptyText: "暂无符合条件的服务请求",
  onRender: markSelectedRow,
});

function resetQueue() {
  queue.selectedId = null;
  $("status-filter").value = "";
  $("breached-filter").checked = false;
  $("request-detail").hidden = true;
}

function requestFlags(request) {
  const flags = [statusBadge(STATUS_NAMES, request.status)];
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
    const [request, offers] = await Promise.all([
      call("GET", `/requests/${requestId}`),
      call("GET", `/requests/${requestId}/offers`),
    ]);
    if (ticket !== queue.detailTicket) return;
    renderDetail(request, offers);
    if (!ASSIGNABLE_STATUSES.has(request.status)) return;
    const candidates = await call("GET", `/requests/${requestId}/candidates`);
    if (ticket === queue.detailTicket) renderCandidates(request, candidates);
  } catch (error) {
    if (ticket === queue.detailTicket) $("detail-error").textContent = error.message;
  }
}

function renderDetail(request, offers) {
  $("request-detail").hidden = false;
  $("detail-title").textContent = request.title;
  $("detail-flags").replaceChildren(...requestFlags(request));
  $("detail-facts").replaceChildren(...requestFacts(request));
  $("offers").replaceChildren(...(offers.length ? offers.map(offerItem) : [node("li", "尚未派单", "empty")]));
  $("timeline").replaceChildren(...request.history.map((entry) => historyEntry(request, entry)));
  $("completion-actions").hidden = request.status !== "completed";
  $("candidates-section").hidden = !ASSIGNABLE_STATUSES.has(request.status);
  $("candidates").replaceChildren();
}

function requestFacts(request) {
  return factItems([
    ["编号", `#${request.id}`],
    ["服务类别", request.category_name],
    ["居民", personName({ id: request.resident_id, name: request.resident_name })],
    ["提交时间", formatTime(request.created_at)],
    ["响应时限", formatTime(request.sla_due_at)],
    ["期望时间", formatTime(request.preferred_time)],
    ["地址", request.address],
    ["描述", request.description],
    ["待居民答复", request.pending_question],
    ["承接党员", request.assignee_id && memberName(request.assignee_id, request.assignee_name)],
    ["完成说明", request.completion_note],
    ["服务时长", minutesText(request.minutes)],
    ["退回原因", request.rejection_reason],
    ["居民评价", request.stars && `${request.stars} 星 ${request.rating_comment || ""}`.trim()],
  ]);
}

function actorName(request, entry) {
  if (entry.actor_id == null) return "系统";
  const name = personName({ id: entry.actor_id, name: entry.actor_name });
  return entry.actor_id === request.resident_id ? `居民 ${name}` : name;
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
    node("span", actorName(request, entry), "muted"),
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
    node("strong", memberName(candidate.member_id, candidate.name)),
    node("span", `得分 ${candidate.score.toFixed(2)}`, "score"),
  );
  const reasons = reasonList(candidate.reasons);
  const isAssignee = candidate.member_id === request.assignee_id;
  const assign = node("button", isAssignee ? "当前承接" : "指派", "primary");
  assign.type = "button";
  assign.disabled = isAssignee;
  assign.addEventListener("click", () => act("assign", { member_id: candidate.member_id }));
  item.append(head, reasons, assign);
  return item;
}

function reasonList(reasons) {
  const list = node("ul", undefined, "reasons");
  list.append(...reasons.map((reason) => node("li", reason)));
  return list;
}

// One member asked to take the request: who, in which round, why, and how they answered.
function offerItem(offer) {
  const item = node("li", undefined, "candidate");
  item.dataset.memberId = offer.member_id;
  const head = node("div", undefined, "candidate-head");
  head.append(
    node("strong", memberName(offer.member_id, offer.member_name)),
    statusBadge(OFFER_STATUS_NAMES, offer.status, "offer"),
  );
  const times = [`派单 ${formatTime(offer.created_at)}`, offer.answered_at && `答复 ${formatTime(offer.answered_at)}`];
  const facts = [`第 ${offer.round} 轮`, `得分 ${offer.score.toFixed(2)}`, ...times.filter(Boolean)];
  item.append(head, node("p", facts.join(" · "), "muted"), reasonList(offer.reasons));
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
  await Promise.all([loadDetail(), requestQueue.load()]);
  buttons.forEach((button) => { button.disabled = false; });
  return succeeded;
}

// --- 报到审核: registrations to the staff member's communities, approved or rejected with a reason ---

const registrationList = new Listing($("registrations-panel"), {
  path: "/members/registrations",
  query: () => filterQuery({ status: $("registration-status").value }),
  row: registrationRow,
  emptyText: "暂无符合条件的报到申请",
});

function registrationRow(registration) {
  const item = node("li", undefined, "record");
  item.dataset.registrationId = registration.id;
  const head = node("div", undefined, "record-head");
  head.append(
    node("strong", personName(registration.user), "record-title"),
    statusBadge(REGISTRATION_STATUS_NAMES, registration.status),
  );
  const facts = node("dl", undefined, "facts");
  facts.append(...registrationFacts(registration));
  item.append(head, facts);
  if (registration.status === "pending") item.append(registrationActions(registration, item));
  return item;
}

function registrationFacts(registration) {
  const home = [registration.community_id, registration.building_id].filter(Boolean).map(orgName);
  return factItems([
    ["工作单位", registration.employer_unit],
    ["所在党支部", registration.home_branch],
    ["报到社区", home.join(" · ")],
    ["功能型党支部", registration.functional_branch_id && orgName(registration.functional_branch_id)],
    ["技能特长", registration.skills.join("、")],
    ["可服务时间", registration.availability.map(availabilityText).join("，")],
    ["提交时间", formatTime(registration.created_at)],
    ["审核时间", formatTime(registration.decided_at)],
    [registration.status === "rejected" ? "驳回原因" : "审核说明", registration.reason],
  ]);
}

function availabilityText(slot) {
  return `${WEEKDAY_NAMES[slot.weekday]} ${slot.start}–${slot.end}`;
}

function registrationActions(registration, row) {
  const actions = node("div", undefined, "record-actions");
  const approve = node("button", "通过", "primary");
  approve.type = "button";
  approve.addEventListener("click", () => decideRegistration(registration, row, "approve"));
  const form = node("form", undefined, "reason-form");
  form.noValidate = true;
  // The API requires a reason of at most 200 characters (schemas/members.py RejectSchema).
  const reason = node("input");
  reason.maxLength = 200;
  reason.setAttribute("aria-required", "true");
  const reject = node("button", "驳回", "secondary");
  reject.type = "submit";
  form.append(labelled("驳回原因", reason), reject);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    rejectRegistration(registration, row, reason);
  });
  actions.append(approve, form);
  return actions;
}

function rejectRegistration(registration, row, input) {
  const reason = input.value.trim();
  if (!reason) {
    registrationList.error.textContent = "请填写驳回原因";
    input.focus();
    return;
  }
  decideRegistration(registration, row, "reject", { reason });
}

function decideRegistration(registration, row, decision, payload) {
  const verb = decision === "approve" ? "通过" : "驳回";
  return actOnRecord({
    listing: registrationList,
    notice: $("registrations-notice"),
    row,
    path: `/members/registrations/${registration.id}/${decision}`,
    payload,
    success: () => `已${verb}${personName(registration.user)}的报到申请`,
  });
}

// --- 服务时长确认: check-ins at stations in scope, their anti-gaming flags, and confirming the minutes ---

const checkinList = new Listing($("checkins-panel"), {
  path: "/checkins",
  query: () => filterQuery({
    hours_status: $("checkin-hours").value,
    status: $("checkin-status").value,
    flagged: $("flagged-filter").checked && "1",
  }),
  row: checkinRow,
  emptyText: "暂无符合条件的签到记录",
});

const checkinMember = (checkin) => memberName(checkin.member_id, checkin.member_name);

function checkinRow(checkin) {
  const item = node("li", undefined, "record");
  item.dataset.checkinId = checkin.id;
  const head = node("div", undefined, "record-head");
  head.append(node("strong", checkinMember(checkin), "record-title"), statusBadge(CHECKIN_STATUS_NAMES, checkin.status));
  if (checkin.hours_status) head.append(statusBadge(HOURS_STATUS_NAMES, checkin.hours_status, "hours"));
  const facts = node("dl", undefined, "facts");
  facts.append(...factItems([
    ["服务站点", checkin.station_name],
    ["签到时间", formatTime(checkin.checked_in_at)],
    ["签退时间", formatTime(checkin.checked_out_at)],
    ["服务时长", minutesText(checkin.minutes)],
    ["距站点", `${checkin.distance_m} 米`],
  ]));
  item.append(head, facts);
  if (checkin.flags.length) item.append(flagList(checkin.flags));
  if (checkin.hours_status === "pending") item.append(confirmAction(checkin, item));
  return item;
}

function flagList(flags) {
  const list = node("ul", undefined, "flag-list");
  for (const flag of flags) {
    const known = CHECKIN_FLAGS[flag.code];
    const entry = node("li");
    entry.append(node("span", known ? known.name : flag.code, "badge warning"));
    if (known) entry.append(node("span", known.detail(flag.evidence), "muted"));
    list.append(entry);
  }
  return list;
}

function confirmAction(checkin, row) {
  const actions = node("div", undefined, "record-actions");
  const confirm = node("button", "确认", "primary");
  confirm.type = "button";
  confirm.addEventListener("click", () => actOnRecord({
    listing: checkinList,
    notice: $("checkins-notice"),
    row,
    path: `/checkins/${checkin.id}/confirm`,
    success: (confirmed) => `已确认${checkinMember(checkin)}在${checkin.station_name}的服务时长 ${confirmed.minutes} 分钟`,
  }));
  actions.append(confirm);
  return actions;
}

// --- 时长更正: members' requests to correct an entry of their hours, answered by staff in scope ---

const correctionList = new Listing($("corrections-panel"), {
  path: "/members/hour-corrections",
  query: () => filterQuery({ status: $("correction-status").value }),
  row: correctionRow,
  emptyText: "暂无符合条件的更正申请",
});

const correctionMember = (correction) => memberName(correction.member_id, correction.member_name);

// What the entry was for: the station of a check-in, the title of a request.
function entryText(correction) {
  const source = HOUR_SOURCE_NAMES[correction.source] || correction.source;
  const name = correction.station_name || correction.request_title;
  return name ? `${source} · ${name}` : `${source} #${correction.source_id}`;
}

function correctionRow(correction) {
  const item = node("li", undefined, "record");
  item.dataset.correctionId = correction.id;
  const head = node("div", undefined, "record-head");
  head.append(
    node("strong", correctionMember(correction), "record-title"),
    statusBadge(CORRECTION_STATUS_NAMES, correction.status, "correction"),
  );
  const facts = node("dl", undefined, "facts");
  facts.append(...factItems([
    ["时长记录", entryText(correction)],
    ["当前时长", minutesText(correction.entry_minutes)],
    ["申请更正为", minutesText(correction.requested_minutes) || "未填写"],
    ["更正原因", correction.reason],
    ["申请时间", formatTime(correction.created_at)],
    ["更正结果", correction.status === "accepted"
      && `${minutesText(correction.minutes_before)} → ${minutesText(correction.minutes_after)}`],
    ["答复", correction.answer],
    ["答复时间", formatTime(correction.answered_at)],
  ]));
  item.append(head, facts);
  if (correction.status === "pending") item.append(correctionActions(correction, item));
  return item;
}

function correctionActions(correction, row) {
  const minutes = node("input");
  Object.assign(minutes, { type: "number", min: 0, max: MAX_CORRECTED_MINUTES, step: 1 });
  if (correction.requested_minutes != null) minutes.value = correction.requested_minutes;
  // The API requires an answer of at most 200 characters (schemas/members.py CorrectionAnswerSchema).
  const answer = node("input");
  answer.maxLength = 200;
  answer.setAttribute("aria-required", "true");
  const accept = node("button", "采纳", "primary");
  accept.type = "button";
  accept.addEventListener("click", () => answerCorrection(correction, row, true, { answer, minutes }));
  const reject = node("button", "不采纳", "secondary");
  reject.type = "button";
  reject.addEventListener("click", () => answerCorrection(correction, row, false, { answer, minutes }));
  const fields = node("div", undefined, "answer-fields");
  fields.append(labelled("更正后时长（分钟）", minutes), labelled("答复说明", answer));
  const actions = node("div", undefined, "record-actions");
  actions.append(fields, accept, reject);
  return actions;
}

// The minutes typed for an accepted correction: a number, null when left empty (the requested
// minutes then apply), undefined when not a whole number of minutes in range.
function correctedMinutes(input) {
  if (input.validity.badInput) return undefined;
  if (input.value.trim() === "") return null;
  const minutes = Number(input.value);
  return Number.isInteger(minutes) && minutes >= 0 && minutes <= MAX_CORRECTED_MINUTES ? minutes : undefined;
}

function refuseAnswer(message, input) {
  correctionList.error.textContent = message;
  input.focus();
}

function answerCorrection(correction, row, accept, inputs) {
  const answer = inputs.answer.value.trim();
  if (!answer) {
    refuseAnswer("请填写答复说明", inputs.answer);
    return;
  }
  const payload = { accept, answer };
  if (accept) {
    const minutes = correctedMinutes(inputs.minutes);
    if (minutes === undefined) {
      refuseAnswer(`更正后时长应为 0 到 ${MAX_CORRECTED_MINUTES} 之间的整数分钟`, inputs.minutes);
      return;
    }
    if (minutes !== null) payload.minutes = minutes;
  }
  const name = correctionMember(correction);
  actOnRecord({
    listing: correctionList,
    notice: $("corrections-notice"),
    row,
    path: `/members/hour-corrections/${correction.id}/answer`,
    payload,
    success: (answered) => (accept
      ? `已采纳${name}的时长更正申请，更正为 ${answered.minutes_after} 分钟`
      : `已答复${name}的时长更正申请（未采纳）`),
  });
}

// --- Panels and wiring ---

const PANEL_LISTINGS = {
  "requests-panel": requestQueue,
  "registrations-panel": registrationList,
  "checkins-panel": checkinList,
  "corrections-panel": correctionList,
};

function resetPanels() {
  resetQueue();
  $("registration-status").value = "pending";
  // What still needs the staff: minutes to confirm, corrections to answer.
  $("checkin-hours").value = "pending";
  $("checkin-status").value = "";
  $("flagged-filter").checked = false;
  $("correction-status").value = "pending";
  $("registrations-notice").textContent = "";
  $("checkins-notice").textContent = "";
  $("corrections-notice").textContent = "";
  Object.values(PANEL_LISTINGS).forEach((listing) => listing.reset());
  orgNames.clear();
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
    PANEL_LISTINGS[tab.dataset.panel]?.load();
  });
}

for (const [filter, listing] of [
  ["status-filter", requestQueue],
  ["breached-filter", requestQueue],
  ["registration-status", registrationList],
  ["checkin-hours", checkinList],
  ["checkin-status", checkinList],
  ["flagged-filter", checkinList],
  ["correction-status", correctionList],
]) {
  $(filter).addEventListener("change", () => listing.reloadFromFirstPage());
}
$("refresh-requests").addEventListener("click", () => {
  requestQueue.load();
  if (queue.selectedId) loadDetail();
});
$("refresh-registrations").addEventListener("click", () => registrationList.load());
$("refresh-checkins").addEventListener("click", () => checkinList.load());
$("refresh-corrections").addEventListener("click", () => correctionList.load());

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

fillOptions($("status-filter"), STATUS_NAMES);
fillOptions($("registration-status"), REGISTRATION_STATUS_NAMES);
fillOptions($("checkin-hours"), HOURS_STATUS_NAMES);
fillOptions($("checkin-status"), CHECKIN_STATUS_NAMES);
fillOptions($("correction-status"), CORRECTION_STATUS_NAMES);

if (sessionStorage.getItem("token")) showHome().catch(showLogin);
