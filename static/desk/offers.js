// 社会化服务 (以商助民): what schools, training bodies, education bases and merchants offer residents.
// Staff enter an offer; a colleague (neither who entered nor who last changed it) approves or rejects it;
// an approved offer shows to residents while valid, until withdrawn. A change sends it back for approval.
// The offers of the scope (of the status chosen) download as .xlsx.
import { call, download } from "./api.js";
import { alertLine, busy, button, factList, form, h, labelled, localDate, node, select } from "./dom.js";
import { Listing, filterQuery, statusBadge } from "./listing.js";
import { label, names } from "./meta.js";
import { isStaff, orgName, session, unitOptions } from "./session.js";

// The lifecycle of services/offers.py TRANSITIONS: which statuses allow which action.
const DECIDABLE = new Set(["pending"]);
const WITHDRAWABLE = new Set(["pending", "approved"]);
const EDITABLE = new Set(["pending", "approved", "rejected"]);

let statusFilter;
let kindFilter;

const offers = new Listing({
  path: "/social-offers",
  query: () => filterQuery({ status: statusFilter.value, kind: kindFilter.value }),
  row: offerRow,
  emptyText: "暂无服务资源",
  // Apart from the 资源共建 tab's offer list (cooperation.js), which is on the same page.
  ids: {
    error: "social-offers-error", notice: "social-offers-notice", summary: "social-offers-summary", list: "social-offer-list",
  },
});

// "2026-12-01 至 2026-12-31", with whether today lies in it.
function validityText(offer) {
  const today = localDate();
  const period = `${offer.valid_from} 至 ${offer.valid_until}`;
  if (offer.valid_until < today) return `${period}（已过期）`;
  if (offer.valid_from > today) return `${period}（未开始）`;
  return `${period}（有效）`;
}

const placeText = (offer) => (offer.lat != null ? `${offer.lat}, ${offer.lng}` : "");

function offerRow(offer) {
  const item = h("li", { className: "record", data: { offerId: offer.id } },
    h("div", { className: "record-head" },
      node("strong", offer.title, "record-title"),
      statusBadge(label("social_offer_status", offer.status), offer.status),
      node("span", label("social_offer_kind", offer.kind), "badge")),
    factList([
      ["提供方", `${offer.provider_name}（${label("offer_provider_kind", offer.provider_kind)}）`],
      ["面向", offer.org_name || orgName(offer.org_id)],
      ["有效期", validityText(offer)],
      ["内容与条件", offer.terms],
      ["地址", offer.address],
      ["位置（纬度, 经度）", placeText(offer)],
      ["审核意见", offer.decision_reason],
    ]));
  const editor = h("div", { className: "offer-editor", hidden: true });
  item.append(actions(offer, item, editor), editor);
  return item;
}

function actions(offer, item, editor) {
  const bar = h("div", { className: "record-actions" });
  // Nobody decides on what they entered or last changed (the API answers 403): say who may.
  const own = [offer.created_by_id, offer.edited_by_id].includes(session.me.id);
  if (DECIDABLE.has(offer.status) && own) bar.append(node("span", "待其他工作人员审核", "muted"));
  if (DECIDABLE.has(offer.status) && !own) {
    const reason = h("input", { maxLength: 200, name: "reason", autocomplete: "off" });
    bar.append(
      button("审核通过", "primary", () => offers.act(item, "POST", `/social-offers/${offer.id}/approve`, {},
        () => `已通过：${offer.title}，居民可在有效期内看到`)),
      form({ className: "reason-form" }, [labelled("不通过原因", reason), h("button", { type: "submit", className: "secondary" }, "不通过")],
        () => {
          if (!reason.value.trim()) {
            offers.error.textContent = "请填写不通过的原因";
            reason.focus();
            return;
          }
          offers.act(item, "POST", `/social-offers/${offer.id}/reject`, { reason: reason.value.trim() }, () => `未通过：${offer.title}`);
        }));
  }
  if (WITHDRAWABLE.has(offer.status)) {
    bar.append(button("下架", "secondary", () => offers.act(item, "POST", `/social-offers/${offer.id}/withdraw`, undefined,
      () => `已下架：${offer.title}`)));
  }
  if (EDITABLE.has(offer.status)) {
    bar.append(button("修改", "secondary", () => {
      editor.hidden = !editor.hidden;
      if (!editor.hidden) {
        editor.replaceChildren(offerForm(offer));
        editor.querySelector("input")?.focus();
      }
    }));
  }
  return bar;
}

// The fields of an offer as controls, filled from `offer` (a new one: valid from today for a month).
function offerForm(offer) {
  const today = localDate();
  const month = localDate(new Date(Date.now() + 30 * 86400_000));
  const controls = {
    org_id: h("select", { name: "org_id" }),
    provider_name: h("input", { name: "provider_name", maxLength: 100, required: true, value: offer?.provider_name || "" }),
    provider_kind: select(names("offer_provider_kind"), { value: offer?.provider_kind }),
    kind: select(names("social_offer_kind"), { value: offer?.kind }),
    title: h("input", { name: "title", maxLength: 100, required: true, value: offer?.title || "" }),
    terms: h("textarea", { name: "terms", maxLength: 1000, rows: 3, required: true }),
    address: h("input", { name: "address", maxLength: 200, value: offer?.address || "" }),
    lat: h("input", { name: "lat", type: "number", step: "any", min: -90, max: 90, value: offer?.lat ?? "" }),
    lng: h("input", { name: "lng", type: "number", step: "any", min: -180, max: 180, value: offer?.lng ?? "" }),
    valid_from: h("input", { name: "valid_from", type: "date", required: true, value: offer?.valid_from || today }),
    valid_until: h("input", { name: "valid_until", type: "date", required: true, value: offer?.valid_until || month }),
  };
  controls.terms.value = offer?.terms || "";
  if (!offer) unitOptions(controls.org_id);
  const number = (input) => (input.value.trim() === "" ? null : Number(input.value));
  const payload = () => ({
    provider_name: controls.provider_name.value.trim(),
    provider_kind: controls.provider_kind.value,
    kind: controls.kind.value,
    title: controls.title.value.trim(),
    terms: controls.terms.value.trim(),
    address: controls.address.value.trim() || null,
    lat: number(controls.lat),
    lng: number(controls.lng),
    valid_from: controls.valid_from.value,
    valid_until: controls.valid_until.value,
  });
  const error = alertLine(offer ? undefined : "offer-form-error");
  const element = form({ id: offer ? undefined : "offer-form", className: "grid-form", "aria-label": offer ? `修改${offer.title}` : "录入服务资源" }, [
    offer ? "" : labelled("面向组织", controls.org_id),
    labelled("提供方名称", controls.provider_name), labelled("提供方类型", controls.provider_kind),
    labelled("资源类型", controls.kind), labelled("标题", controls.title), labelled("内容与条件", controls.terms),
    labelled("地址", controls.address), labelled("纬度（可选）", controls.lat), labelled("经度（可选）", controls.lng),
    labelled("有效期自", controls.valid_from), labelled("有效期至", controls.valid_until),
    error, h("button", { type: "submit", className: "primary" }, offer ? "保存修改" : "录入"),
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    if (offer) {
      const saved = await call("PATCH", `/social-offers/${offer.id}`, payload());
      await offers.load();
      offers.notice.textContent = `已保存：${saved.title}，需其他工作人员重新审核后才向居民展示`;
    } else {
      const created = await call("POST", "/social-offers", { org_id: Number(controls.org_id.value), ...payload() });
      element.reset();
      await offers.reloadFromFirstPage();
      offers.notice.textContent = `已录入：${created.title}，待其他工作人员审核`;
    }
  }));
  return element;
}

async function exportOffers(trigger) {
  offers.notice.textContent = "";
  await busy([trigger], offers.error, async () => {
    const query = filterQuery({ status: statusFilter.value });
    const name = await download(`/social-offers.xlsx?${query}`, "social-offers.xlsx");
    offers.notice.textContent = `已下载 ${name}`;
  });
}

let creator;

export const tab = {
  id: "offers-panel",
  title: "社会化服务",
  available: isStaff,
  route: "offers",
  build() {
    statusFilter = select(names("social_offer_status"), { empty: "全部状态" });
    statusFilter.id = "offer-status-filter";
    kindFilter = select(names("social_offer_kind"), { empty: "全部类型" });
    kindFilter.id = "offer-kind-filter";
    statusFilter.addEventListener("change", () => offers.reloadFromFirstPage());
    kindFilter.addEventListener("change", () => offers.reloadFromFirstPage());
    creator = h("div");
    return h("section", { className: "card", "aria-labelledby": "social-offers-heading" },
      h("h2", { id: "social-offers-heading" }, "社会化服务资源"),
      h("details", {}, h("summary", {}, "录入服务资源"), creator),
      h("div", { className: "filters", role: "search", "aria-label": "筛选服务资源" },
        labelled("状态", statusFilter, "inline"),
        labelled("类型", kindFilter, "inline"),
        button("刷新", "secondary", () => offers.load()),
        button("导出 Excel", "secondary", (event) => exportOffers(event.currentTarget), { id: "offers-export" })),
      offers.parts);
  },
  reset() {
    // The units of the one logged in: the form is built again for each session.
    creator.replaceChildren(offerForm(null));
    statusFilter.value = "";
    kindFilter.value = "";
    offers.reset();
  },
  enter: () => offers.load(),
};
