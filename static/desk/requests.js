// 服务请求: the staff queue, one request's detail, its candidates and the staff actions.
import { call } from "./api.js";
import { $, alertLine, button, factItems, form, formatTime, h, labelled, memberName, minutesText, node, personName, select, setCurrent } from "./dom.js";
import { Listing, filterQuery, statusBadge } from "./listing.js";
import { label, names } from "./meta.js";
import { isStaff } from "./session.js";

// Statuses from which staff may hand a request to a member (services/requests.py TRANSITIONS["assign"]).
const ASSIGNABLE_STATUSES = new Set(["submitted", "offered", "expired", "escalated", "accepted"]);
// ... and to a professional provider (TRANSITIONS["route"]).
const ROUTABLE_STATUSES = new Set(["submitted", "offered", "expired", "escalated"]);
// The steps of a routed request that tell how far its provider has got.
const PROVIDER_STEPS = new Set(["route", "acknowledge", "report", "reject_completion"]);

// The open request; a ticket lets a newer detail load discard the answer of an older one.
const queue = { selectedId: null, detailTicket: 0 };

const statusName = (status) => label("request_status", status);
let statusFilter;
let breachedFilter;
let rejectReason;
let providerChoice;

const requestQueue = new Listing({
  path: "/requests",
  query: () => filterQuery({ status: statusFilter.value, sla_breached: breachedFilter.checked && "1" }),
  row: requestRow,
  emptyText: "暂无符合条件的服务请求",
  ids: { error: "requests-error", summary: "requests-summary", list: "request-list" },
  listClass: "request-list items",
  onRender: markSelectedRow,
});

function requestFlags(request) {
  const flags = [statusBadge(statusName(request.status), request.status)];
  if (request.urgency === "urgent") flags.push(node("span", label("urgency", "urgent"), "badge urgent"));
  if (request.sla_breached) flags.push(node("span", "超时", "badge breached"));
  if (request.sla_paused) flags.push(node("span", "等待居民答复", "badge paused"));
  return flags;
}

function requestRow(request) {
  const open = h("button", { type: "button", className: "request-row", onClick: () => openRequest(request.id) },
    node("span", request.title, "request-title"),
    node("span", `${request.category_name} · ${formatTime(request.created_at)}`, "muted"),
    h("span", { className: "flags" }, requestFlags(request)));
  return h("li", { data: { requestId: request.id } }, open);
}

function markSelectedRow() {
  for (const item of requestQueue.items.children) {
    const row = item.querySelector(".request-row");
    if (row) setCurrent(row, Number(item.dataset.requestId) === queue.selectedId, "true");
  }
}

async function openRequest(requestId) {
  queue.selectedId = requestId;
  markSelectedRow();
  $("detail-error").textContent = "";
  rejectReason.value = "";
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
    const loads = [];
    if (ASSIGNABLE_STATUSES.has(request.status)) {
      loads.push(call("GET", `/requests/${requestId}/candidates`).then((candidates) => {
        if (ticket === queue.detailTicket) renderCandidates(request, candidates);
      }));
    }
    if (ROUTABLE_STATUSES.has(request.status)) {
      loads.push(call("GET", `/providers?serving=${request.community_id}&per_page=100`).then((page) => {
        if (ticket === queue.detailTicket) renderProviders(page.items);
      }));
    }
    await Promise.all(loads);
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
  $("route-section").hidden = !ROUTABLE_STATUSES.has(request.status);
  providerChoice.replaceChildren();
}

// The providers a request of its community may go to, closest first (the API's order).
function renderProviders(providers) {
  const options = providers.map((provider) => h("option", { value: provider.id },
    provider.services.length ? `${provider.name}（${provider.services.join("、")}）` : provider.name));
  providerChoice.replaceChildren(...(options.length ? options : [h("option", { value: "", disabled: true }, "暂无服务本社区的机构")]));
  $("route-request").disabled = !options.length;
}

// Where a routed request stands with its provider: its latest provider step and when.
function providerProgress(request) {
  if (request.assigned_provider_id == null) return "";
  const step = [...request.history].reverse().find((entry) => PROVIDER_STEPS.has(entry.action));
  return step ? `${label("request_action", step.action)}（${formatTime(step.at)}）` : "";
}

async function routeRequest() {
  if (!providerChoice.value) {
    $("detail-error").textContent = "请选择服务机构";
    return;
  }
  await act("route", { provider_id: Number(providerChoice.value) });
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
    ["承接机构", request.assigned_provider_name],
    ["机构进度", providerProgress(request)],
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
  const at = h("time", { dateTime: entry.at }, formatTime(entry.at));
  const moved = entry.from_status && entry.from_status !== entry.to_status;
  const change = moved ? `${statusName(entry.from_status)} → ${statusName(entry.to_status)}` : statusName(entry.to_status);
  const item = h("li", {}, at, node("strong", label("request_action", entry.action)),
    node("span", change, "muted"), node("span", actorName(request, entry), "muted"));
  if (entry.reason) item.append(node("p", `说明：${entry.reason}`, "reason"));
  return item;
}

function renderCandidates(request, candidates) {
  const items = candidates.map((candidate) => candidateItem(request, candidate));
  $("candidates").replaceChildren(...(items.length ? items : [node("li", "暂无符合条件的候选党员", "empty")]));
}

const reasonList = (reasons) => h("ul", { className: "reasons" }, reasons.map((reason) => node("li", reason)));

function candidateItem(request, candidate) {
  const isAssignee = candidate.member_id === request.assignee_id;
  return h("li", { className: "candidate", data: { memberId: candidate.member_id } },
    h("div", { className: "candidate-head" },
      node("strong", memberName(candidate.member_id, candidate.name)),
      node("span", `得分 ${candidate.score.toFixed(2)}`, "score")),
    reasonList(candidate.reasons),
    button(isAssignee ? "当前承接" : "指派", "primary", () => act("assign", { member_id: candidate.member_id }), { disabled: isAssignee }));
}

// One member asked to take the request: who, in which round, why, and how they answered.
function offerItem(offer) {
  const times = [`派单 ${formatTime(offer.created_at)}`, offer.answered_at && `答复 ${formatTime(offer.answered_at)}`];
  const facts = [`第 ${offer.round} 轮`, `得分 ${offer.score.toFixed(2)}`, ...times.filter(Boolean)];
  return h("li", { className: "candidate", data: { memberId: offer.member_id } },
    h("div", { className: "candidate-head" },
      node("strong", memberName(offer.member_id, offer.member_name)),
      statusBadge(label("offer_status", offer.status), offer.status, "offer")),
    node("p", facts.join(" · "), "muted"),
    reasonList(offer.reasons));
}

// One staff action on the open request; whatever the answer, the detail and the queue are reloaded.
async function act(action, payload) {
  $("detail-error").textContent = "";
  const buttons = $("request-detail").querySelectorAll("button");
  buttons.forEach((b) => { b.disabled = true; });
  let succeeded = true;
  try {
    await call("POST", `/requests/${queue.selectedId}/${action}`, payload);
  } catch (error) {
    $("detail-error").textContent = error.message;
    succeeded = false;
  }
  await Promise.all([loadDetail(), requestQueue.load()]);
  buttons.forEach((b) => { b.disabled = false; });
  return succeeded;
}

async function rejectCompletion() {
  const reason = rejectReason.value.trim();
  if (!reason) {
    $("detail-error").textContent = "请填写退回原因";
    rejectReason.focus();
    return;
  }
  if (await act("reject-completion", { reason })) rejectReason.value = "";
}

function build() {
  statusFilter = select(names("request_status"), { empty: "全部状态" });
  statusFilter.id = "status-filter";
  breachedFilter = h("input", { id: "breached-filter", type: "checkbox" });
  rejectReason = h("input", { id: "reject-reason", maxLength: 200, "aria-required": "true" });
  providerChoice = h("select", { id: "route-provider" });
  statusFilter.addEventListener("change", () => requestQueue.reloadFromFirstPage());
  breachedFilter.addEventListener("change", () => requestQueue.reloadFromFirstPage());
  const refresh = button("刷新", "secondary", () => {
    requestQueue.load();
    if (queue.selectedId) loadDetail();
  }, { id: "refresh-requests" });

  const queueCard = h("section", { id: "requests-queue", className: "card", "aria-labelledby": "queue-heading" },
    h("h2", { id: "queue-heading" }, "服务请求"),
    h("div", { className: "filters", role: "search", "aria-label": "筛选服务请求" },
      labelled("状态", statusFilter, "inline"),
      h("label", { className: "inline check" }, breachedFilter, " 仅看超时"),
      refresh),
    requestQueue.parts);

  const detail = h("section", { id: "request-detail", className: "card", "aria-labelledby": "detail-title", hidden: true },
    h("h2", { id: "detail-title", tabIndex: -1 }),
    h("div", { id: "detail-flags", className: "flags" }),
    alertLine("detail-error"),
    h("dl", { id: "detail-facts", className: "facts" }),
    h("section", { id: "completion-actions", className: "actions", "aria-labelledby": "completion-heading", hidden: true },
      h("h3", { id: "completion-heading" }, "完成确认"),
      button("确认", "primary", () => act("confirm"), { id: "confirm-completion" }),
      form({ id: "reject-form" }, [labelled("退回原因", rejectReason), h("button", { type: "submit", className: "secondary" }, "退回")], rejectCompletion)),
    h("section", { id: "route-section", "aria-labelledby": "route-heading", hidden: true },
      h("h3", { id: "route-heading" }, "转交专业服务机构"),
      form({ id: "route-form", className: "inline-form" },
        [labelled("服务机构", providerChoice), h("button", { id: "route-request", type: "submit", className: "secondary" }, "转交")],
        routeRequest)),
    h("section", { id: "candidates-section", "aria-labelledby": "candidates-heading", hidden: true },
      h("h3", { id: "candidates-heading" }, "候选党员"),
      h("ol", { id: "candidates", className: "candidates" })),
    h("section", { "aria-labelledby": "offers-heading" },
      h("h3", { id: "offers-heading" }, "派单记录"),
      h("ol", { id: "offers", className: "offers" })),
    h("h3", {}, "处理记录"),
    h("ol", { id: "timeline", className: "timeline" }));

  return h("div", { className: "requests-layout" }, queueCard, detail);
}

export const tab = {
  id: "requests-panel",
  title: "服务请求",
  available: isStaff,
  route: "requests",
  build,
  reset() {
    queue.selectedId = null;
    statusFilter.value = "";
    breachedFilter.checked = false;
    $("request-detail").hidden = true;
    requestQueue.reset();
  },
  enter: () => requestQueue.load(),
};
