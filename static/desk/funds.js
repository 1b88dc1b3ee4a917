// 基金: the funds of the scope with their balances; donations, disbursement requests, approving
// another's request (never one's own), and the monthly statement as .xlsx.
import { call, download } from "./api.js";
import { alertLine, button, busy, factList, form, h, labelled, localDate, node, select } from "./dom.js";
import { Listing, filterQuery, statusBadge } from "./listing.js";
import { label, names } from "./meta.js";
import { isStaff, orgName, session, unitOptions } from "./session.js";

let kindFilter;

const funds = new Listing({
  path: "/funds",
  query: () => filterQuery({ kind: kindFilter.value }),
  row: fundRow,
  emptyText: "暂无基金",
  ids: { error: "funds-error", notice: "funds-notice", summary: "funds-summary", list: "fund-list" },
});

// Cents as yuan, exactly: 123456 → "1234.56".
export const yuanText = (cents) => `${cents < 0 ? "-" : ""}${Math.floor(Math.abs(cents) / 100)}.${String(Math.abs(cents) % 100).padStart(2, "0")}`;

// "12.3" → 1230; null for anything that is not a positive amount with at most two decimals.
export function centsOf(text) {
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(text.trim());
  if (!match) return null;
  const cents = Number(match[1]) * 100 + Number((match[2] || "").padEnd(2, "0"));
  return cents > 0 ? cents : null;
}

function amountInput(name) {
  return h("input", { name, inputMode: "decimal", placeholder: "如 200.00", autocomplete: "off", required: true });
}

function fundRow(fund) {
  const pending = h("ul", { className: "records pending-disbursements" });
  const item = h("li", { className: "record", data: { fundId: fund.id } },
    h("div", { className: "record-head" },
      node("strong", fund.name, "record-title"),
      node("span", label("fund_kind", fund.kind), "badge")),
    factList([
      ["所属组织", orgName(fund.org_id)],
      ["余额", `${yuanText(fund.balance_cents)} 元`],
    ]),
    h("div", { className: "record-actions" }, donationForm(fund), disbursementForm(fund), statementForm(fund)),
    h("h3", {}, "待审批支出"),
    pending);
  loadPending(fund, pending);
  return item;
}

async function loadPending(fund, list) {
  try {
    const page = await call("GET", `/funds/${fund.id}/disbursements?status=pending&per_page=100`);
    list.replaceChildren(...(page.items.length ? page.items.map((d) => disbursementRow(fund, d)) : [node("li", "暂无待审批的支出", "empty")]));
  } catch (error) {
    funds.error.textContent = error.message;
  }
}

function disbursementRow(fund, disbursement) {
  const row = h("li", { className: "record", data: { disbursementId: disbursement.id } },
    h("div", { className: "record-head" },
      node("strong", disbursement.purpose, "record-title"),
      statusBadge(label("disbursement_status", disbursement.status), disbursement.status)),
    factList([["金额", `${yuanText(disbursement.amount_cents)} 元`]]));
  // The asker cannot approve their own request (the API answers 403): only withdrawing is offered.
  const own = disbursement.requested_by_id === session.me.id;
  const actions = h("div", { className: "record-actions" });
  if (!own) {
    actions.append(button("批准", "primary", () => funds.act(row, "POST", `/disbursements/${disbursement.id}/approve`, undefined,
      () => `已批准${fund.name}的支出：${disbursement.purpose} ${yuanText(disbursement.amount_cents)} 元`)));
  }
  actions.append(button(own ? "撤回" : "驳回", "secondary", () => funds.act(row, "POST", `/disbursements/${disbursement.id}/reject`,
    { note: own ? "申请人撤回" : "不予批准" }, () => `已${own ? "撤回" : "驳回"}支出申请：${disbursement.purpose}`)));
  row.append(actions);
  return row;
}

function donationForm(fund) {
  const amount = amountInput("amount");
  const donor = h("input", { name: "donor_name", maxLength: 100, required: true, autocomplete: "off" });
  const donorKind = select(names("donor_kind"), { value: "unit" });
  const received = h("input", { name: "received_on", type: "date", value: localDate() });
  const error = alertLine();
  const element = form({ className: "inline-form donation-form", "aria-label": `${fund.name}登记捐赠` }, [
    labelled("捐赠金额（元）", amount), labelled("捐赠方", donor), labelled("类型", donorKind), labelled("收到日期", received),
    h("button", { type: "submit", className: "secondary" }, "登记捐赠"), error,
  ], () => {
    const cents = centsOf(amount.value);
    if (cents === null) {
      error.textContent = "请填写正确的金额（最多两位小数）";
      return;
    }
    busy(element.querySelectorAll("button"), error, async () => {
      await call("POST", `/funds/${fund.id}/donations`,
        { amount_cents: cents, donor_name: donor.value.trim(), donor_kind: donorKind.value, received_on: received.value });
      await funds.load();
      funds.notice.textContent = `已登记${donor.value.trim()}向${fund.name}捐赠 ${yuanText(cents)} 元`;
    });
  });
  return element;
}

function disbursementForm(fund) {
  const amount = amountInput("amount");
  const purpose = h("input", { name: "purpose", maxLength: 200, required: true, autocomplete: "off" });
  const error = alertLine();
  const element = form({ className: "inline-form disbursement-form", "aria-label": `${fund.name}申请支出` }, [
    labelled("支出金额（元）", amount), labelled("用途", purpose),
    h("button", { type: "submit", className: "secondary" }, "申请支出"), error,
  ], () => {
    const cents = centsOf(amount.value);
    if (cents === null) {
      error.textContent = "请填写正确的金额（最多两位小数）";
      return;
    }
    busy(element.querySelectorAll("button"), error, async () => {
      await call("POST", `/funds/${fund.id}/disbursements`, { amount_cents: cents, purpose: purpose.value.trim() });
      await funds.load();
      funds.notice.textContent = `已提交支出申请：${purpose.value.trim()} ${yuanText(cents)} 元，待其他工作人员审批`;
    });
  });
  return element;
}

function statementForm(fund) {
  const month = h("input", { name: "month", type: "month", value: localDate().slice(0, 7) });
  const error = alertLine();
  const element = form({ className: "inline-form statement-form", "aria-label": `${fund.name}月度对账单` }, [
    labelled("对账月份", month), h("button", { type: "submit", className: "secondary" }, "导出对账单"), error,
  ], () => busy(element.querySelectorAll("button"), error, () =>
    download(`/funds/${fund.id}/statement.xlsx?month=${encodeURIComponent(month.value)}`, `fund-${fund.id}-${month.value}.xlsx`)));
  return element;
}

function createForm() {
  const name = h("input", { id: "fund-name", maxLength: 100, required: true, autocomplete: "off" });
  const kind = select(names("fund_kind"));
  kind.id = "fund-kind";
  const org = h("select", { id: "fund-org" });
  const error = alertLine("fund-create-error");
  const element = form({ id: "fund-create", className: "inline-form", "aria-label": "新建基金" }, [
    labelled("基金名称", name), labelled("类型", kind), labelled("所属组织", org),
    h("button", { type: "submit", className: "primary" }, "新建基金"), error,
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    await call("POST", "/funds", { name: name.value.trim(), kind: kind.value, org_id: Number(org.value) });
    name.value = "";
    await funds.reloadFromFirstPage();
    funds.notice.textContent = "已新建基金";
  }));
  element.resetOrgs = () => {
    org.replaceChildren();
    unitOptions(org);
  };
  return element;
}

let creator;

export const tab = {
  id: "funds-panel",
  title: "帮扶基金",
  available: isStaff,
  route: "funds",
  build() {
    kindFilter = select(names("fund_kind"), { empty: "全部类型" });
    kindFilter.id = "fund-kind-filter";
    kindFilter.addEventListener("change", () => funds.reloadFromFirstPage());
    creator = createForm();
    return h("section", { className: "card", "aria-labelledby": "funds-heading" },
      h("h2", { id: "funds-heading" }, "帮扶基金"),
      creator,
      h("div", { className: "filters", role: "search", "aria-label": "筛选基金" },
        labelled("基金类型", kindFilter, "inline"),
        button("刷新", "secondary", () => funds.load())),
      funds.parts);
  },
  reset() {
    kindFilter.value = "";
    creator.resetOrgs();
    funds.reset();
  },
  enter: () => funds.load(),
};
