// 楼院联系: which members serve which buildings (assigning and removing them), and the messages
// residents reported, which only this screen shows: each is decided once, 成立 or 不成立, with a note.
import { call } from "./api.js";
import { alertLine, button, factList, form, formatTime, h, labelled, node, noticeLine, personName, select } from "./dom.js";
import { Listing, filterQuery, statusBadge } from "./listing.js";
import { label, names } from "./meta.js";
import { isStaff, session, unitOptions } from "./session.js";

let buildingSelect;
let memberSelect;
const contactsError = alertLine("contacts-error");
const contactsNotice = noticeLine("contacts-notice");
const contactList = h("ul", { id: "contact-list", className: "records" });
let ticket = 0;
let reportStatusFilter;

const reports = new Listing({
  path: "/contacts/reports",
  query: () => filterQuery({ status: reportStatusFilter.value }),
  row: reportRow,
  emptyText: "暂无居民举报的消息",
  ids: { error: "reports-error", notice: "reports-notice", summary: "reports-summary", list: "report-list" },
});

function reportRow(report) {
  const row = h("li", { className: "record", data: { reportId: report.id, status: report.status } },
    h("div", { className: "record-head" },
      node("strong", `${personName(report.sender)} 的消息`, "record-title"),
      statusBadge(label("contact_report_status", report.status), report.status, "report")),
    h("blockquote", { className: "reported-text" }, report.message_text),
    factList([
      ["发送时间", formatTime(report.message_sent_at)],
      ["举报人", personName(report.reporter)],
      ["举报原因", report.reason],
      ["举报时间", formatTime(report.created_at)],
      ["处理人", report.handled_by && personName(report.handled_by)],
      ["处理时间", formatTime(report.handled_at)],
      ["处理意见", report.note],
    ]));
  if (report.status === "open") row.append(reportActions(report, row));
  return row;
}

// 成立 / 不成立 with a note the API requires (schemas/contacts.py ContactReportResolveSchema): the
// reporter is told only the outcome; the note stays on this screen.
function reportActions(report, row) {
  const note = h("input", { maxLength: 200, "aria-required": "true", name: "note" });
  const decide = (outcome) => {
    const text = note.value.trim();
    if (!text) {
      reports.notice.textContent = "";
      reports.error.textContent = "请填写处理意见";
      note.focus();
      return undefined;
    }
    return reports.act(row, "POST", `/contacts/reports/${report.id}/resolve`, { outcome, note: text },
      (handled) => `已将${personName(report.sender)}被举报的消息处理为“${label("contact_report_status", handled.status)}”，已通知举报人`);
  };
  return h("div", { className: "record-actions" },
    h("div", { className: "reason-form" },
      labelled("处理意见", note),
      button(label("contact_report_status", "upheld"), "primary", () => decide("upheld")),
      button(label("contact_report_status", "dismissed"), "secondary", () => decide("dismissed"))));
}

function contactRow(contact, building) {
  const item = h("li", { className: "record", data: { memberId: contact.member_id } },
    h("div", { className: "record-head" },
      node("strong", contact.name, "record-title"),
      contact.on_duty && node("span", "在岗", "badge on-duty")),
    factList([
      ["所在党支部", contact.branch],
      ["技能特长", contact.skills.join("、")],
      ["联系电话", contact.phone_masked],
    ]));
  item.append(h("div", { className: "record-actions" }, button("解除联系", "secondary", async (event) => {
    contactsError.textContent = "";
    contactsNotice.textContent = "";
    event.target.disabled = true;
    try {
      await call("DELETE", `/buildings/${building.id}/contacts/${contact.member_id}`);
      await loadContacts();
      contactsNotice.textContent = `已解除${contact.name}与${building.name}的联系`;
    } catch (error) {
      contactsError.textContent = error.message;
      event.target.disabled = false;
    }
  })));
  return item;
}

const selectedBuilding = () => session.units.get(Number(buildingSelect.value));

// The building's contacts, and the members of its community who could be assigned.
async function loadContacts() {
  const building = selectedBuilding();
  const mine = ++ticket;
  contactsError.textContent = "";
  if (!building) {
    contactList.replaceChildren(node("li", "您的范围内没有楼院", "empty"));
    return;
  }
  try {
    const [page, approved] = await Promise.all([
      call("GET", `/buildings/${building.id}/contacts?per_page=100`),
      call("GET", "/members/registrations?status=approved&per_page=100"),
    ]);
    if (mine !== ticket) return;
    const rows = page.items.map((contact) => contactRow(contact, building));
    contactList.replaceChildren(...(rows.length ? rows : [node("li", "该楼院暂无联系党员", "empty")]));
    const serving = new Set(page.items.map((contact) => contact.member_id));
    const candidates = approved.items.filter((r) => r.community_id === building.parent_id && !serving.has(r.user.id));
    memberSelect.replaceChildren(...candidates.map((r) => h("option", { value: r.user.id }, personName(r.user))));
    memberSelect.disabled = !candidates.length;
    if (!candidates.length) memberSelect.append(h("option", { value: "" }, "本社区暂无可指派的党员"));
  } catch (error) {
    if (mine === ticket) contactsError.textContent = error.message;
  }
}

async function assign() {
  const building = selectedBuilding();
  contactsError.textContent = "";
  contactsNotice.textContent = "";
  if (!building || !memberSelect.value) {
    contactsError.textContent = "请选择楼院和党员";
    return;
  }
  const name = memberSelect.selectedOptions[0].textContent;
  try {
    await call("POST", `/buildings/${building.id}/contacts`, { member_id: Number(memberSelect.value) });
    await loadContacts();
    contactsNotice.textContent = `已指派${name}联系${building.name}`;
  } catch (error) {
    contactsError.textContent = error.message;
  }
}

export const tab = {
  id: "contacts-panel",
  title: "楼院联系",
  available: isStaff,
  route: "contacts",
  build() {
    buildingSelect = h("select", { id: "contact-building" });
    memberSelect = h("select", { id: "contact-member" });
    buildingSelect.addEventListener("change", loadContacts);
    // Staff open this screen to handle what is waiting: open reports are shown first of all.
    reportStatusFilter = select(names("contact_report_status"), { empty: "全部", value: "open" });
    reportStatusFilter.id = "report-status";
    reportStatusFilter.addEventListener("change", () => reports.reloadFromFirstPage());
    return h("div", {},
      h("section", { className: "card", "aria-labelledby": "contacts-heading" },
        h("h2", { id: "contacts-heading" }, "楼院联系党员"),
        h("div", { className: "filters" }, labelled("楼院", buildingSelect, "inline")),
        contactsError, contactsNotice, contactList,
        form({ className: "inline-form", "aria-label": "指派联系党员" }, [
          labelled("指派党员", memberSelect, "inline"),
          h("button", { type: "submit", className: "primary" }, "指派"),
        ], assign)),
      h("section", { id: "reports-section", className: "card", "aria-labelledby": "reports-heading" },
        h("h2", { id: "reports-heading" }, "居民举报的消息"),
        h("p", { className: "muted" }, "被举报消息的原文只在此处向工作人员显示；处理结果会通知举报人，处理意见不会。"),
        h("div", { className: "filters", role: "search", "aria-label": "筛选举报" },
          labelled("处理状态", reportStatusFilter, "inline")),
        reports.parts));
  },
  reset() {
    buildingSelect.replaceChildren();
    unitOptions(buildingSelect, (unit) => unit.kind === "building_branch");
    contactList.replaceChildren();
    contactsNotice.textContent = "";
    reportStatusFilter.value = "open";
    reports.reset();
  },
  enter() {
    loadContacts();
    reports.load();
  },
};
