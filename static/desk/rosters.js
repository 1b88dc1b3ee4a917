// 支部名册: the Party members of a building, functional or mobile-member branch (楼院、功能型、流动党员
// 党支部); a mobile member's whereabouts and contact (the list masks the number, the whole number is a
// read recorded in the audit trail); the mass organisation (群众组织) behind a functional branch.
import { call } from "./api.js";
import { alertLine, busy, button, factList, form, h, labelled, node, noticeLine, select } from "./dom.js";
import { statusBadge } from "./listing.js";
import { label, names } from "./meta.js";
import { isStaff, session, unitOptions } from "./session.js";

// The branches that keep a roster (the API answers 422 for any other org).
const ROSTER_KINDS = new Set(["building_branch", "functional_branch", "mobile_member_branch"]);

const error = alertLine("roster-error");
const notice = noticeLine("roster-notice");
const branchSelect = h("select", { id: "roster-branch" });
const mobileOnly = h("input", { type: "checkbox", id: "roster-mobile" });
const branchKind = h("p", { id: "roster-branch-kind", className: "muted" });
const roster = h("ul", { id: "roster-list", className: "records" });
const massOrganisations = h("div", { id: "mass-organisations" });
const memberFormHolder = h("div", { id: "roster-form-holder" });

const selectedBranch = () => session.units.get(Number(branchSelect.value));

// Runs one change, then reloads the roster and tells the outcome (after the reload, which clears the lines).
async function change(buttons, work, success) {
  error.textContent = "";
  const result = await busy(buttons, error, work);
  if (result === undefined) return;
  await loadRoster();
  notice.textContent = success(result);
}

function memberRow(member) {
  const item = h("li", { className: "record", data: { branchMemberId: member.id } },
    h("div", { className: "record-head" }, node("strong", member.name, "record-title"),
      member.mobile ? statusBadge("流动党员", "mobile", "kind") : ""),
    factList([
      ["加入支部日期", member.joined_on],
      ["现所在地", member.current_location],
      ["联系电话", member.phone_masked],
      ["其他联系方式", member.other_contact],
    ]));
  const actions = h("div", { className: "record-actions" });
  const extra = h("div", { className: "member-detail", hidden: true });
  if (member.mobile) {
    actions.append(
      button("查看完整电话", "secondary", async () => {
        const detail = await busy([], error, () => call("GET", `/branch-members/${member.id}`));
        if (!detail) return;
        extra.hidden = false;
        extra.replaceChildren(factList([["联系电话", detail.phone || "未登记"]]), node("p", "本次查看已记入审计日志", "muted"));
      }),
      button("更新去向", "secondary", () => {
        extra.hidden = false;
        extra.replaceChildren(whereaboutsForm(member));
      }));
  }
  const confirmRemoval = button("确认移出", "secondary confirm-removal", (event) => change([event.currentTarget], () =>
    call("DELETE", `/branch-members/${member.id}`).then(() => member), (gone) => `已将${gone.name}移出名册`), { hidden: true });
  actions.append(button("移出名册", "secondary", () => { confirmRemoval.hidden = false; }), confirmRemoval);
  item.append(actions, extra);
  return item;
}

function whereaboutsForm(member) {
  const location = h("input", { maxLength: 200, required: true, value: member.current_location || "" });
  const phone = h("input", { maxLength: 20, type: "tel", placeholder: "不修改请留空" });
  const other = h("input", { maxLength: 100, value: member.other_contact || "" });
  const element = form({ className: "inline-form whereabouts-form", "aria-label": `更新${member.name}的去向` }, [
    labelled("现所在地", location), labelled("联系电话", phone), labelled("其他联系方式", other),
    h("button", { type: "submit", className: "secondary" }, "保存"),
  ], () => change(element.querySelectorAll("button"), () => call("PATCH", `/branch-members/${member.id}`, {
    current_location: location.value.trim(), other_contact: other.value.trim() || null,
    ...(phone.value.trim() ? { phone: phone.value.trim() } : {}),
  }), (saved) => `已更新${saved.name}的去向`));
  return element;
}

function memberForm() {
  const name = h("input", { maxLength: 50, required: true });
  const joined = h("input", { type: "date" });
  const mobile = h("input", { type: "checkbox" });
  const location = h("input", { maxLength: 200 });
  const phone = h("input", { maxLength: 20, type: "tel" });
  const other = h("input", { maxLength: 100 });
  // Where a member is and how to reach them is kept for mobile members only.
  const contact = h("fieldset", { hidden: true }, h("legend", {}, "流动党员去向"),
    labelled("现所在地", location), labelled("联系电话", phone), labelled("其他联系方式", other));
  mobile.addEventListener("change", () => { contact.hidden = !mobile.checked; });
  const element = form({ id: "roster-form", className: "grid-form", "aria-label": "登记支部党员" }, [
    labelled("姓名", name), labelled("加入支部日期", joined), h("label", { className: "check" }, mobile, " 流动党员"), contact,
    h("button", { type: "submit", className: "primary" }, "登记党员"),
  ], () => change(element.querySelectorAll("button"), () => call("POST", `/branches/${branchSelect.value}/members`, {
    name: name.value.trim(), joined_on: joined.value || null, mobile: mobile.checked,
    ...(mobile.checked ? {
      current_location: location.value.trim(), phone: phone.value.trim() || null, other_contact: other.value.trim() || null,
    } : {}),
  }).then((made) => {
    element.reset();
    contact.hidden = true;
    return made;
  }), (made) => `已登记${made.name}`));
  return element;
}

function massOrganisationForm() {
  const name = h("input", { maxLength: 100, required: true });
  const kind = select(names("mass_org_kind"));
  const description = h("input", { maxLength: 1000 });
  const element = form({ id: "mass-organisation-form", className: "grid-form", "aria-label": "登记群众组织" }, [
    labelled("名称", name), labelled("类型", kind), labelled("简介", description),
    h("button", { type: "submit", className: "secondary" }, "登记群众组织"),
  ], () => change(element.querySelectorAll("button"), () => call("POST", `/branches/${branchSelect.value}/mass-organisations`, {
    name: name.value.trim(), kind: kind.value, description: description.value.trim(),
  }), (made) => `已登记群众组织：${made.name}`));
  return element;
}

async function loadMassOrganisations() {
  const listed = await busy([], error, () => call("GET", `/branches/${branchSelect.value}/mass-organisations`));
  if (!listed) return;
  massOrganisations.replaceChildren(h("h3", {}, "依托的群众组织"),
    h("ul", { id: "mass-organisation-list", className: "records" }, listed.items.length
      ? listed.items.map((each) => h("li", { className: "record" }, node("strong", each.name, "record-title"), " ",
        statusBadge(label("mass_org_kind", each.kind), each.kind, "kind"), each.description ? node("p", each.description, "muted") : ""))
      : [node("li", "暂无群众组织", "empty")]),
    massOrganisationForm());
}

async function loadRoster() {
  const branch = selectedBranch();
  roster.replaceChildren();
  massOrganisations.replaceChildren();
  notice.textContent = "";
  if (!branch) {
    branchKind.textContent = "暂无可管理的支部";
    memberFormHolder.replaceChildren();
    return;
  }
  branchKind.textContent = label("org_kind", branch.kind);
  const query = mobileOnly.checked ? "?mobile=true" : "";
  const listed = await busy([], error, () => call("GET", `/branches/${branch.id}/members${query}`));
  if (!listed) return;
  roster.replaceChildren(...(listed.items.length ? listed.items.map(memberRow) : [node("li", "名册中暂无党员", "empty")]));
  if (branch.kind === "functional_branch") await loadMassOrganisations();
}

export const tab = {
  id: "rosters-panel",
  title: "支部名册",
  route: "rosters",
  available: isStaff,
  build() {
    branchSelect.addEventListener("change", loadRoster);
    mobileOnly.addEventListener("change", loadRoster);
    return h("section", { className: "card", "aria-labelledby": "rosters-heading" },
      h("h2", { id: "rosters-heading" }, "支部党员名册"),
      node("p", "流动党员的去向和联系方式仅管辖该支部的工作人员可见；名单中电话号码已隐去中间四位，查看完整号码会记入审计日志。", "muted"),
      h("div", { className: "filters", role: "search", "aria-label": "选择支部" },
        labelled("支部", branchSelect, "inline"), h("label", { className: "inline check" }, mobileOnly, " 只看流动党员")),
      branchKind, error, notice, roster, memberFormHolder, massOrganisations);
  },
  reset() {
    branchSelect.replaceChildren();
    unitOptions(branchSelect, (unit) => ROSTER_KINDS.has(unit.kind));
    mobileOnly.checked = false;
    roster.replaceChildren();
    massOrganisations.replaceChildren();
    memberFormHolder.replaceChildren(memberForm());
  },
  enter: () => loadRoster(),
};
