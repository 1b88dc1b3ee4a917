// 资源共建: the resident units' resource list (资源清单: venues, skills, funds, volunteers), the
// communities' need list (需求清单), suggested offers for a need (its kind first, then the nearest
// unit), the joint projects (共建项目) made from them, their progress and outcome.
import { call } from "./api.js";
import { alertLine, busy, button, factList, form, h, labelled, node, select } from "./dom.js";
import { centsOf, yuanText } from "./funds.js";
import { Listing, filterQuery, statusBadge } from "./listing.js";
import { label, names } from "./meta.js";
import { isStaff, orgName, unitOptions, unitsInOrder } from "./session.js";

const COMMUNITY = (unit) => unit.kind === "community_general_branch";
const input = (props = {}) => h("input", { required: true, ...props });
const optional = (props = {}) => h("input", props);

const distanceText = (metres) => (metres == null ? "位置未登记" : metres < 1000 ? `${Math.round(metres)} 米` : `${(metres / 1000).toFixed(1)} 公里`);
const amountText = (offer) => (offer.amount_cents == null ? "" : `${yuanText(offer.amount_cents)} 元`);

// "" for an empty box, the cents for an amount, null for a bad one (the caller says so).
function amountOf(box) {
  if (!box.value.trim()) return "";
  return centsOf(box.value);
}

// --- 资源清单 ---

let offerKind;
let offerActive;

const offers = new Listing({
  path: "/offers",
  query: () => filterQuery({ kind: offerKind.value, active: offerActive.checked ? "true" : "" }),
  row: offerRow,
  emptyText: "暂无资源",
  ids: { error: "offers-error", notice: "offers-notice", summary: "offers-summary", list: "offer-list" },
});

function offerRow(offer) {
  const item = h("li", { className: "record", data: { offerId: offer.id } },
    h("div", { className: "record-head" }, node("strong", offer.title, "record-title"),
      statusBadge(label("resource_kind", offer.kind), offer.kind, "kind"),
      statusBadge(offer.active ? "可用" : "已撤下", offer.active ? "active" : "withdrawn", "availability")),
    factList([["提供单位", offer.unit_name], ["说明", offer.description], ["金额", amountText(offer)]]));
  // A wrapper to hide: the form's own class sets its display.
  const editor = h("div", { hidden: true }, offerEditor(offer));
  item.append(h("div", { className: "record-actions" },
    button("修改", "secondary", () => { editor.hidden = !editor.hidden; }),
    button(offer.active ? "撤下" : "重新启用", "secondary", () => offers.act(item, "PATCH", `/offers/${offer.id}`,
      { active: !offer.active }, () => `${offer.active ? "已撤下" : "已重新启用"}：${offer.title}`))), editor);
  return item;
}

function offerEditor(offer) {
  const title = input({ maxLength: 100, value: offer.title });
  const description = optional({ maxLength: 1000, value: offer.description });
  const amount = optional({ inputMode: "decimal", value: offer.amount_cents == null ? "" : yuanText(offer.amount_cents) });
  const error = alertLine();
  const fields = [labelled("名称", title), labelled("说明", description)];
  if (offer.kind === "funds") fields.push(labelled("金额（元）", amount));
  const element = form({ className: "inline-form offer-editor", "aria-label": `修改资源：${offer.title}` }, [
    ...fields, h("button", { type: "submit", className: "secondary" }, "保存"), error,
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    const changes = { title: title.value.trim(), description: description.value.trim() };
    if (offer.kind === "funds") {
      const cents = amountOf(amount);
      if (cents === null) throw new Error("金额应为正数，最多两位小数");
      changes.amount_cents = cents === "" ? null : cents;
    }
    const saved = await call("PATCH", `/offers/${offer.id}`, changes);
    await offers.load();
    offers.notice.textContent = `已保存：${saved.title}`;
  }));
  return element;
}

function offerForm() {
  const unit = h("select", { name: "unit_id" });
  const kind = select(names("resource_kind"));
  const title = input({ maxLength: 100 });
  const description = optional({ maxLength: 1000 });
  const amount = optional({ inputMode: "decimal", placeholder: "仅资金类，如 5000.00" });
  const error = alertLine("offer-form-error");
  const element = form({ id: "offer-form", className: "grid-form", "aria-label": "登记资源" }, [
    labelled("驻区单位", unit), labelled("类别", kind), labelled("资源名称", title), labelled("说明", description),
    labelled("金额（元）", amount), h("button", { type: "submit", className: "primary" }, "登记资源"), error,
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    const cents = amountOf(amount);
    if (cents === null) throw new Error("金额应为正数，最多两位小数");
    const made = await call("POST", `/units/${unit.value}/offers`, {
      kind: kind.value, title: title.value.trim(), description: description.value.trim(),
      amount_cents: cents === "" ? null : cents,
    });
    title.value = description.value = amount.value = "";
    await offers.reloadFromFirstPage();
    offers.notice.textContent = `已登记${made.unit_name}的资源：${made.title}`;
  }));
  element.fillUnits = (units) => {
    unit.replaceChildren(...units.map((each) => h("option", { value: each.id }, each.name)));
  };
  return element;
}

// The resident units the caller reads, for the form (entering is for the staff over their street).
async function loadUnits() {
  try {
    offerCreator.fillUnits((await call("GET", "/units?per_page=100")).items);
  } catch (failure) {
    offers.error.textContent = failure.message;
  }
}

// --- 需求清单 and 推荐资源 ---

let needKind;
let needCommunity;
let needUnmatched;

const needs = new Listing({
  path: "/needs",
  query: () => filterQuery({ kind: needKind.value, community_id: needCommunity.value, unmatched: needUnmatched.checked ? "true" : "" }),
  row: needRow,
  emptyText: "暂无需求",
  ids: { error: "needs-error", notice: "needs-notice", summary: "needs-summary", list: "need-list" },
});

function needRow(need) {
  const item = h("li", { className: "record", data: { needId: need.id } },
    h("div", { className: "record-head" }, node("strong", need.title, "record-title"),
      statusBadge(label("resource_kind", need.kind), need.kind, "kind")),
    factList([["社区", orgName(need.community_id)], ["说明", need.description]]));
  const detail = h("div", { className: "need-detail", hidden: true });
  const show = (builder) => async () => {
    detail.hidden = false;
    detail.replaceChildren(await builder(need));
  };
  item.append(h("div", { className: "record-actions" },
    button("推荐资源", "secondary", show(suggestionPanel)), button("修改", "secondary", show(needEditor))), detail);
  return item;
}

function needEditor(need) {
  const kind = select(names("resource_kind"), { value: need.kind });
  const title = input({ maxLength: 100, value: need.title });
  const description = optional({ maxLength: 1000, value: need.description });
  const error = alertLine();
  const element = form({ className: "inline-form need-editor", "aria-label": `修改需求：${need.title}` }, [
    labelled("类别", kind), labelled("名称", title), labelled("说明", description),
    h("button", { type: "submit", className: "secondary" }, "保存"), error,
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    const saved = await call("PATCH", `/needs/${need.id}`, { kind: kind.value, title: title.value.trim(), description: description.value.trim() });
    await needs.load();
    needs.notice.textContent = `已保存：${saved.title}`;
  }));
  return element;
}

// The offers suggested for the need, each with a box; the chosen ones become a joint project.
async function suggestionPanel(need) {
  let suggested;
  try {
    suggested = (await call("GET", `/needs/${need.id}/suggestions?limit=20`)).items;
  } catch (failure) {
    return node("p", failure.message, "error");
  }
  if (!suggested.length) return node("p", "本街道暂无可用资源", "empty");
  const boxes = suggested.map(({ offer, kind_matches: matches, distance_m: distance }) => {
    const box = h("input", { type: "checkbox", value: offer.id });
    return h("li", { data: { offerId: offer.id } }, h("label", { className: "check" }, box,
      ` ${offer.title} · ${offer.unit_name} · ${label("resource_kind", offer.kind)} · ${distanceText(distance)}`,
      matches ? statusBadge("类别相符", "match", "kind") : ""));
  });
  const title = input({ maxLength: 100, value: need.title });
  const error = alertLine();
  const element = form({ className: "suggestion-form", "aria-label": `为“${need.title}”设立共建项目` }, [
    h("ol", { className: "records suggestions" }, boxes), labelled("项目名称", title),
    h("button", { type: "submit", className: "primary" }, "设立共建项目"), error,
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    const chosen = [...element.querySelectorAll("input[type=checkbox]:checked")].map((box) => Number(box.value));
    if (!chosen.length) throw new Error("请至少选择一项资源");
    const project = await call("POST", "/projects", { need_id: need.id, title: title.value.trim(), offer_ids: chosen });
    await Promise.all([needs.load(), projects.reloadFromFirstPage()]);
    projects.notice.textContent = `已设立共建项目：${project.title}（${project.offers.map((o) => o.unit_name).join("、")}）`;
  }));
  return element;
}

function needForm() {
  const community = h("select", { name: "community_id" });
  const kind = select(names("resource_kind"));
  const title = input({ maxLength: 100 });
  const description = optional({ maxLength: 1000 });
  const error = alertLine("need-form-error");
  const element = form({ id: "need-form", className: "grid-form", "aria-label": "登记需求" }, [
    labelled("社区", community), labelled("类别", kind), labelled("需求名称", title), labelled("说明", description),
    h("button", { type: "submit", className: "primary" }, "登记需求"), error,
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    const made = await call("POST", "/needs", {
      community_id: Number(community.value), kind: kind.value, title: title.value.trim(), description: description.value.trim(),
    });
    title.value = description.value = "";
    await needs.reloadFromFirstPage();
    needs.notice.textContent = `已登记需求：${made.title}`;
  }));
  element.fillCommunities = () => {
    community.replaceChildren();
    unitOptions(community, COMMUNITY);
  };
  return element;
}

// --- 共建项目 ---

let projectStatus;

const projects = new Listing({
  path: "/projects",
  query: () => filterQuery({ status: projectStatus.value }),
  row: projectRow,
  emptyText: "暂无共建项目",
  ids: { error: "projects-error", notice: "projects-notice", summary: "projects-summary", list: "project-list" },
});

function projectRow(project) {
  const item = h("li", { className: "record", data: { projectId: project.id } },
    h("div", { className: "record-head" }, node("strong", project.title, "record-title"),
      statusBadge(label("project_status", project.status), project.status)),
    factList([["社区", orgName(project.community_id)], [project.status === "dropped" ? "终止原因" : "成效", project.outcome]]));
  const units = h("p", { className: "muted project-units", hidden: true });
  const showUnits = async () => {
    units.hidden = false;
    try {
      const detail = await call("GET", `/projects/${project.id}`);
      units.textContent = `参与资源：${detail.offers.map((o) => `${o.title}（${o.unit_name}）`).join("、")}`;
    } catch (failure) {
      units.textContent = failure.message;
    }
  };
  const actions = h("div", { className: "record-actions" }, button("参与单位", "secondary", showUnits));
  if (project.status === "planned") {
    actions.append(button("开始实施", "primary", () => projects.act(item, "POST", `/projects/${project.id}/start`, undefined,
      () => `${project.title}已开始实施`)));
  }
  if (project.status === "running") actions.append(closeForm(item, project, "finish", "成效", "项目完成"));
  if (project.status === "planned" || project.status === "running") actions.append(closeForm(item, project, "drop", "终止原因", "终止项目"));
  item.append(actions, units);
  return item;
}

function closeForm(item, project, action, what, verb) {
  const outcome = input({ maxLength: 1000 });
  return form({ className: "reason-form", "aria-label": `${project.title}：${verb}` }, [
    labelled(what, outcome), h("button", { type: "submit", className: action === "finish" ? "primary" : "secondary" }, verb),
  ], () => projects.act(item, "POST", `/projects/${project.id}/${action}`, { outcome: outcome.value.trim() },
    (done) => `${done.title}：${label("project_status", done.status)}`));
}

let offerCreator;
let needCreator;
let offerHolder;

export const tab = {
  id: "cooperation-panel",
  title: "资源共建",
  route: "cooperation",
  available: isStaff,
  build() {
    offerKind = select(names("resource_kind"), { empty: "全部类别" });
    offerKind.id = "offer-kind";
    offerActive = h("input", { type: "checkbox", id: "offer-active", checked: true });
    needKind = select(names("resource_kind"), { empty: "全部类别" });
    needKind.id = "need-kind";
    needCommunity = h("select", { id: "need-community" });
    needUnmatched = h("input", { type: "checkbox", id: "need-unmatched" });
    projectStatus = select(names("project_status"), { empty: "全部状态" });
    projectStatus.id = "project-status";
    for (const [control, listing] of [[offerKind, offers], [offerActive, offers], [needKind, needs], [needCommunity, needs],
      [needUnmatched, needs], [projectStatus, projects]]) {
      control.addEventListener("change", () => listing.reloadFromFirstPage());
    }
    offerCreator = offerForm();
    needCreator = needForm();
    offerHolder = h("details", {}, h("summary", {}, "登记资源"), offerCreator);
    return h("section", { className: "card", "aria-labelledby": "cooperation-heading" },
      h("h2", { id: "cooperation-heading" }, "资源清单、需求清单与共建项目"),
      h("h3", {}, "资源清单"), offerHolder,
      h("div", { className: "filters", role: "search", "aria-label": "筛选资源" },
        labelled("类别", offerKind, "inline"), h("label", { className: "inline check" }, offerActive, " 只看可用")),
      ...offers.parts,
      h("h3", {}, "需求清单"), h("details", {}, h("summary", {}, "登记需求"), needCreator),
      h("div", { className: "filters", role: "search", "aria-label": "筛选需求" },
        labelled("类别", needKind, "inline"), labelled("社区", needCommunity, "inline"),
        h("label", { className: "inline check" }, needUnmatched, " 只看未承接")),
      ...needs.parts,
      h("h3", {}, "共建项目"),
      h("div", { className: "filters", role: "search", "aria-label": "筛选共建项目" }, labelled("状态", projectStatus, "inline")),
      ...projects.parts);
  },
  reset() {
    for (const listing of [offers, needs, projects]) listing.reset();
    needCommunity.replaceChildren(h("option", { value: "" }, "全部社区"));
    unitOptions(needCommunity, COMMUNITY);
    needCreator.fillCommunities();
    // Offers are entered by the staff over a street (the API answers 404 to others): the form is theirs.
    offerHolder.hidden = !unitsInOrder((unit) => unit.kind === "street_working_committee").length;
  },
  enter() {
    loadUnits();
    return Promise.all([offers.load(), needs.load(), projects.load()]);
  },
};
