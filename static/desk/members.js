// 报到审核 and 时长更正: members' registrations to the staff's communities, and their requests to
// correct an entry of their hours.
import { button, factList, form, formatTime, h, labelled, memberName, minutesText, node, personName, select } from "./dom.js";
import { Listing, filterQuery, statusBadge } from "./listing.js";
import { label, names, weekdayName } from "./meta.js";
import { isStaff, orgName } from "./session.js";

// The API's limit on corrected minutes (schemas/members.py CorrectionAnswerSchema).
const MAX_CORRECTED_MINUTES = 24 * 60;

function filters(ariaLabel, controls, refresh) {
  return h("div", { className: "filters", role: "search", "aria-label": ariaLabel }, controls, refresh);
}

// --- 报到审核 ---

// Built with the tab, once the names of /meta are in.
let registrationStatus;

const registrations = new Listing({
  path: "/members/registrations",
  query: () => filterQuery({ status: registrationStatus.value }),
  row: registrationRow,
  emptyText: "暂无符合条件的报到申请",
  ids: { error: "registrations-error", notice: "registrations-notice", summary: "registrations-summary", list: "registration-list" },
});

function registrationRow(registration) {
  const home = [registration.community_id, registration.building_id].filter(Boolean).map(orgName);
  const item = h("li", { className: "record", data: { registrationId: registration.id } },
    h("div", { className: "record-head" },
      node("strong", personName(registration.user), "record-title"),
      statusBadge(label("registration_status", registration.status), registration.status)),
    factList([
      ["工作单位", registration.employer_unit],
      ["所在党支部", registration.home_branch],
      ["报到社区", home.join(" · ")],
      ["功能型党支部", registration.functional_branch_id && orgName(registration.functional_branch_id)],
      ["技能特长", registration.skills.join("、")],
      ["可服务时间", registration.availability.map((slot) => `${weekdayName(slot.weekday)} ${slot.start}–${slot.end}`).join("，")],
      ["提交时间", formatTime(registration.created_at)],
      ["审核时间", formatTime(registration.decided_at)],
      [registration.status === "rejected" ? "驳回原因" : "审核说明", registration.reason],
    ]));
  if (registration.status === "pending") item.append(registrationActions(registration, item));
  return item;
}

function registrationActions(registration, row) {
  // The API requires a reason of at most 200 characters (schemas/members.py RejectSchema).
  const reason = h("input", { maxLength: 200, "aria-required": "true" });
  const decide = (decision, payload) => {
    const verb = decision === "approve" ? "通过" : "驳回";
    registrations.act(row, "POST", `/members/registrations/${registration.id}/${decision}`, payload,
      () => `已${verb}${personName(registration.user)}的报到申请`);
  };
  const reject = () => {
    const text = reason.value.trim();
    if (!text) {
      registrations.error.textContent = "请填写驳回原因";
      reason.focus();
      return;
    }
    decide("reject", { reason: text });
  };
  return h("div", { className: "record-actions" },
    button("通过", "primary", () => decide("approve")),
    form({ className: "reason-form" }, [labelled("驳回原因", reason), h("button", { type: "submit", className: "secondary" }, "驳回")], reject));
}

export const registrationsTab = {
  id: "registrations-panel",
  title: "报到审核",
  available: isStaff,
  route: "registrations",
  build() {
    registrationStatus = select(names("registration_status"), { empty: "全部" });
    registrationStatus.id = "registration-status";
    registrationStatus.addEventListener("change", () => registrations.reloadFromFirstPage());
    return h("section", { className: "card", "aria-labelledby": "registrations-heading" },
      h("h2", { id: "registrations-heading" }, "报到审核"),
      filters("筛选报到申请", labelled("审核进度", registrationStatus, "inline"),
        button("刷新", "secondary", () => registrations.load(), { id: "refresh-registrations" })),
      registrations.parts);
  },
  reset() {
    registrationStatus.value = "pending";
    registrations.reset();
  },
  enter: () => registrations.load(),
};

// --- 时长更正 ---

let correctionStatus;

const corrections = new Listing({
  path: "/members/hour-corrections",
  query: () => filterQuery({ status: correctionStatus.value }),
  row: correctionRow,
  emptyText: "暂无符合条件的更正申请",
  ids: { error: "corrections-error", notice: "corrections-notice", summary: "corrections-summary", list: "correction-list" },
});

const correctionMember = (correction) => memberName(correction.member_id, correction.member_name);

// What the entry was for: the station of a check-in, the title of a request.
function entryText(correction) {
  const source = label("hour_source", correction.source);
  const name = correction.station_name || correction.request_title;
  return name ? `${source} · ${name}` : `${source} #${correction.source_id}`;
}

function correctionRow(correction) {
  const item = h("li", { className: "record", data: { correctionId: correction.id } },
    h("div", { className: "record-head" },
      node("strong", correctionMember(correction), "record-title"),
      statusBadge(label("correction_status", correction.status), correction.status, "correction")),
    factList([
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
  if (correction.status === "pending") item.append(correctionActions(correction, item));
  return item;
}

// The minutes typed for an accepted correction: a number, null when left empty (the requested
// minutes then apply), undefined when not a whole number of minutes in range.
function correctedMinutes(input) {
  if (input.validity.badInput) return undefined;
  if (input.value.trim() === "") return null;
  const minutes = Number(input.value);
  return Number.isInteger(minutes) && minutes >= 0 && minutes <= MAX_CORRECTED_MINUTES ? minutes : undefined;
}

function correctionActions(correction, row) {
  const minutes = h("input", { type: "number", min: 0, max: MAX_CORRECTED_MINUTES, step: 1 });
  if (correction.requested_minutes != null) minutes.value = correction.requested_minutes;
  // The API requires an answer of at most 200 characters (schemas/members.py CorrectionAnswerSchema).
  const answer = h("input", { maxLength: 200, "aria-required": "true" });
  const refuse = (message, input) => {
    corrections.error.textContent = message;
    input.focus();
  };
  const send = (accept) => {
    const text = answer.value.trim();
    if (!text) return refuse("请填写答复说明", answer);
    const payload = { accept, answer: text };
    if (accept) {
      const value = correctedMinutes(minutes);
      if (value === undefined) return refuse(`更正后时长应为 0 到 ${MAX_CORRECTED_MINUTES} 之间的整数分钟`, minutes);
      if (value !== null) payload.minutes = value;
    }
    const name = correctionMember(correction);
    return corrections.act(row, "POST", `/members/hour-corrections/${correction.id}/answer`, payload, (answered) => (accept
      ? `已采纳${name}的时长更正申请，更正为 ${answered.minutes_after} 分钟`
      : `已答复${name}的时长更正申请（未采纳）`));
  };
  return h("div", { className: "record-actions" },
    h("div", { className: "answer-fields" }, labelled("更正后时长（分钟）", minutes), labelled("答复说明", answer)),
    button("采纳", "primary", () => send(true)),
    button("不采纳", "secondary", () => send(false)));
}

export const correctionsTab = {
  id: "corrections-panel",
  title: "时长更正",
  available: isStaff,
  route: "corrections",
  build() {
    correctionStatus = select(names("correction_status"), { empty: "全部" });
    correctionStatus.id = "correction-status";
    correctionStatus.addEventListener("change", () => corrections.reloadFromFirstPage());
    return h("section", { className: "card", "aria-labelledby": "corrections-heading" },
      h("h2", { id: "corrections-heading" }, "时长更正"),
      filters("筛选更正申请", labelled("处理进度", correctionStatus, "inline"),
        button("刷新", "secondary", () => corrections.load(), { id: "refresh-corrections" })),
      corrections.parts);
  },
  reset() {
    correctionStatus.value = "pending";
    corrections.reset();
  },
  enter: () => corrections.load(),
};
