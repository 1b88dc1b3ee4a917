// 专业化基地化服务: the social-work organisations and service bases of the scope, what they offer, and
// their desk accounts (staff); and, for a provider's own account, the requests routed to it, to
// acknowledge and to report done.
import { call } from "./api.js";
import { alertLine, busy, button, factList, form, formatTime, h, labelled, node, select } from "./dom.js";
import { Listing, filterQuery, statusBadge } from "./listing.js";
import { label, names } from "./meta.js";
import { isStaff, orgName, unitOptions } from "./session.js";

let kindFilter;

const providers = new Listing({
  path: "/providers",
  query: () => filterQuery({ kind: kindFilter.value }),
  row: providerRow,
  emptyText: "暂无服务机构",
  ids: { error: "providers-error", notice: "providers-notice", summary: "providers-summary", list: "provider-list" },
});

// Offerings typed as "心理疏导、康复护理".
const servicesOf = (text) => text.split(/[、,，;；\s]+/).filter(Boolean);

function providerRow(provider) {
  const item = h("li", { className: "record", data: { providerId: provider.id } },
    h("div", { className: "record-head" },
      node("strong", provider.name, "record-title"),
      node("span", label("provider_kind", provider.kind), "badge")),
    factList([
      ["合作组织", orgName(provider.org_id)],
      ["所属机构", provider.parent_name],
      ["服务内容", provider.services.join("、")],
      ["地址", provider.address],
    ]));
  const detail = h("div", { className: "provider-detail", hidden: true });
  const open = (builder) => () => {
    detail.hidden = false;
    detail.replaceChildren(builder(provider));
    detail.querySelector("input")?.focus();
  };
  item.append(
    h("div", { className: "record-actions" },
      button("修改", "secondary", open(editForm)),
      button("机构账号", "secondary", open(accountsPanel))),
    detail);
  return item;
}

function editForm(provider) {
  const name = h("input", { name: "name", maxLength: 100, required: true, value: provider.name });
  const services = h("input", { name: "services", maxLength: 1000, value: provider.services.join("、"), placeholder: "如 心理疏导、康复护理" });
  const address = h("input", { name: "address", maxLength: 200, value: provider.address || "" });
  const error = alertLine();
  const element = form({ className: "grid-form", "aria-label": `修改${provider.name}` }, [
    labelled("名称", name), labelled("服务内容（顿号分隔）", services), labelled("地址", address),
    error, h("button", { type: "submit", className: "primary" }, "保存"),
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    const saved = await call("PATCH", `/providers/${provider.id}`,
      { name: name.value.trim(), services: servicesOf(services.value), address: address.value.trim() || null });
    await providers.load();
    providers.notice.textContent = `已保存：${saved.name}`;
  }));
  return element;
}

function accountsPanel(provider) {
  const list = h("ul", { className: "records provider-accounts" });
  const username = h("input", { name: "username", maxLength: 50, autocomplete: "off", required: true });
  const password = h("input", { name: "password", type: "password", autocomplete: "new-password", required: true });
  const name = h("input", { name: "name", maxLength: 50, required: true });
  const error = alertLine();
  const load = async () => {
    try {
      const page = await call("GET", `/providers/${provider.id}/accounts?per_page=100`);
      const rows = page.items.map((account) => h("li", { data: { userId: account.user_id } }, `${account.name}（登录名 ${account.username}）`));
      list.replaceChildren(...(rows.length ? rows : [node("li", "暂无机构账号", "empty")]));
    } catch (failure) {
      error.textContent = failure.message;
    }
  };
  const element = form({ className: "grid-form", "aria-label": `为${provider.name}开设账号` }, [
    labelled("登录名", username), labelled("初始密码", password), labelled("姓名或称呼", name),
    error, h("button", { type: "submit", className: "secondary" }, "开设账号"),
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    const created = await call("POST", `/providers/${provider.id}/accounts`,
      { username: username.value.trim(), password: password.value, name: name.value.trim() });
    element.reset();
    await load();
    providers.notice.textContent = `已为${provider.name}开设账号 ${created.username}，该账号只能看到转交本机构的服务请求`;
  }));
  load();
  return h("div", {}, h("h3", {}, "机构账号"), list, element);
}

function createForm() {
  const org = h("select", { id: "provider-org", name: "org_id" });
  const name = h("input", { id: "provider-name", name: "name", maxLength: 100, required: true });
  const kind = select(names("provider_kind"));
  kind.id = "provider-kind";
  const parent = h("select", { id: "provider-parent", name: "parent_id" });
  const parentLabel = labelled("所属社工机构", parent);
  const services = h("input", { id: "provider-services", name: "services", maxLength: 1000, placeholder: "如 心理疏导、康复护理" });
  const address = h("input", { id: "provider-address", name: "address", maxLength: 200 });
  const error = alertLine("provider-form-error");
  // A service base belongs to a social-work organisation (the API refuses any other parent).
  const showParent = async () => {
    parentLabel.hidden = kind.value !== "service_base";
    if (parentLabel.hidden) return;
    try {
      const page = await call("GET", "/providers?kind=social_work_org&per_page=100");
      parent.replaceChildren(h("option", { value: "" }, "（无）"), ...page.items.map((p) => h("option", { value: p.id }, p.name)));
    } catch (failure) {
      error.textContent = failure.message;
    }
  };
  kind.addEventListener("change", showParent);
  const element = form({ id: "provider-form", className: "grid-form", "aria-label": "登记服务机构" }, [
    labelled("合作组织", org), labelled("名称", name), labelled("类型", kind), parentLabel,
    labelled("服务内容（顿号分隔）", services), labelled("地址", address),
    error, h("button", { type: "submit", className: "primary" }, "登记"),
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    const created = await call("POST", "/providers", {
      org_id: Number(org.value), name: name.value.trim(), kind: kind.value,
      parent_id: !parentLabel.hidden && parent.value ? Number(parent.value) : null,
      services: servicesOf(services.value), address: address.value.trim() || null,
    });
    element.reset();
    showParent();
    await providers.reloadFromFirstPage();
    providers.notice.textContent = `已登记：${created.name}`;
  }));
  element.resetUnits = () => {
    org.replaceChildren();
    unitOptions(org);
    showParent();
  };
  return element;
}

let creator;

export const tab = {
  id: "providers-panel",
  title: "专业服务机构",
  available: isStaff,
  route: "providers",
  build() {
    kindFilter = select(names("provider_kind"), { empty: "全部类型" });
    kindFilter.id = "provider-kind-filter";
    kindFilter.addEventListener("change", () => providers.reloadFromFirstPage());
    creator = createForm();
    return h("section", { className: "card", "aria-labelledby": "providers-heading" },
      h("h2", { id: "providers-heading" }, "专业社工机构与服务基地"),
      h("details", {}, h("summary", {}, "登记服务机构"), creator),
      h("div", { className: "filters", role: "search", "aria-label": "筛选服务机构" },
        labelled("类型", kindFilter, "inline"),
        button("刷新", "secondary", () => providers.load())),
      providers.parts);
  },
  reset() {
    creator.resetUnits();
    kindFilter.value = "";
    providers.reset();
  },
  enter: () => providers.load(),
};

// --- a provider's own account: the requests routed to it ------------------------------------------

const routed = new Listing({
  path: "/requests",
  query: () => new URLSearchParams({ mine: "1" }),
  row: routedRow,
  emptyText: "暂无转交本机构的服务请求",
  ids: { error: "routed-error", notice: "routed-notice", summary: "routed-summary", list: "routed-list" },
});

function routedRow(request) {
  const item = h("li", { className: "record", data: { requestId: request.id } },
    h("div", { className: "record-head" },
      node("strong", request.title, "record-title"),
      statusBadge(label("request_status", request.status), request.status)),
    factList([
      ["服务类别", request.category_name],
      ["居民", request.resident_name],
      ["地址", request.address || request.building_name],
      ["描述", request.description],
      ["期望时间", formatTime(request.preferred_time)],
      ["转交时间", formatTime(request.taken_at)],
      ["完成说明", request.completion_note],
      ["退回原因", request.rejection_reason],
    ]));
  // The provider's two steps (services/requests.py TRANSITIONS acknowledge and report).
  if (request.status === "accepted") {
    item.append(h("div", { className: "record-actions" },
      button(label("request_action", "acknowledge"), "primary", () => routed.act(item, "POST", `/requests/${request.id}/acknowledge`, undefined,
        () => `已受理：${request.title}`))));
  }
  if (request.status === "in_progress") {
    const note = h("input", { name: "note", maxLength: 500, autocomplete: "off" });
    item.append(h("div", { className: "record-actions" },
      form({ className: "reason-form" }, [labelled("服务情况", note), h("button", { type: "submit", className: "primary" }, label("request_action", "report"))],
        () => {
          if (!note.value.trim()) {
            routed.error.textContent = "请填写服务情况";
            note.focus();
            return;
          }
          routed.act(item, "POST", `/requests/${request.id}/report`, { note: note.value.trim() }, () => `已报告完成：${request.title}，待社区确认`);
        })));
  }
  return item;
}

export const routedTab = {
  id: "routed-panel",
  title: "本机构服务请求",
  available: (current) => (current.me.provider_ids ?? []).length > 0,
  route: "routed",
  build() {
    return h("section", { className: "card", "aria-labelledby": "routed-heading" },
      h("h2", { id: "routed-heading" }, "转交本机构的服务请求"),
      h("div", { className: "filters" }, button("刷新", "secondary", () => routed.load())),
      routed.parts);
  },
  reset: () => routed.reset(),
  enter: () => routed.load(),
};
