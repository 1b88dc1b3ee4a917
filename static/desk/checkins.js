// 服务时长确认: check-ins at stations in scope, their anti-gaming flags, and confirming the minutes.
import { button, factList, formatTime, elapsedText, h, labelled, memberName, minutesText, node, select } from "./dom.js";
import { Listing, filterQuery, statusBadge } from "./listing.js";
import { label, names } from "./meta.js";
import { isStaff } from "./session.js";

// What each anti-gaming signal of services/checkins.py found, in words (its name comes from /meta).
const FLAG_EVIDENCE = {
  impossible_travel: (e) => `距上一次签到约 ${(e.distance_m / 1000).toFixed(1)} 公里，相隔 ${elapsedText(e.seconds)}，约 ${e.speed_kmh} 公里/小时`,
  shared_device: (e) => `该设备 24 小时内另有 ${e.other_members_24h} 名党员使用`,
  radius_edge: (e) => `距站点 ${e.distance_m} 米，签到范围 ${e.radius_m} 米`,
  overlong: (e) => `${e.minutes} 分钟，超过上限 ${e.max_minutes} 分钟，未计入时长`,
  forgotten_checkout: () => "闭站时自动结束，未计入时长",
};

let hoursFilter;
let statusFilter;
let flaggedFilter;

const checkins = new Listing({
  path: "/checkins",
  query: () => filterQuery({ hours_status: hoursFilter.value, status: statusFilter.value, flagged: flaggedFilter.checked && "1" }),
  row: checkinRow,
  emptyText: "暂无符合条件的签到记录",
  ids: { error: "checkins-error", notice: "checkins-notice", summary: "checkins-summary", list: "checkin-list" },
});

const checkinMember = (checkin) => memberName(checkin.member_id, checkin.member_name);

function checkinRow(checkin) {
  const head = h("div", { className: "record-head" },
    node("strong", checkinMember(checkin), "record-title"),
    statusBadge(label("checkin_status", checkin.status), checkin.status));
  if (checkin.hours_status) head.append(statusBadge(label("hours_status", checkin.hours_status), checkin.hours_status, "hours"));
  const item = h("li", { className: "record", data: { checkinId: checkin.id } }, head, factList([
    ["服务站点", checkin.station_name],
    ["签到时间", formatTime(checkin.checked_in_at)],
    ["签退时间", formatTime(checkin.checked_out_at)],
    ["服务时长", minutesText(checkin.minutes)],
    ["距站点", `${checkin.distance_m} 米`],
  ]));
  if (checkin.flags.length) item.append(flagList(checkin.flags));
  if (checkin.hours_status === "pending") {
    item.append(h("div", { className: "record-actions" }, button("确认", "primary", () => checkins.act(
      item, "POST", `/checkins/${checkin.id}/confirm`, undefined,
      (confirmed) => `已确认${checkinMember(checkin)}在${checkin.station_name}的服务时长 ${confirmed.minutes} 分钟`,
    ))));
  }
  return item;
}

function flagList(flags) {
  return h("ul", { className: "flag-list" }, flags.map((flag) => {
    const evidence = FLAG_EVIDENCE[flag.code];
    return h("li", {}, node("span", label("checkin_flag", flag.code), "badge warning"),
      evidence && node("span", evidence(flag.evidence || {}), "muted"));
  }));
}

export const tab = {
  id: "checkins-panel",
  title: "服务时长确认",
  available: isStaff,
  route: "checkins",
  build() {
    hoursFilter = select(names("hours_status"), { empty: "全部" });
    hoursFilter.id = "checkin-hours";
    statusFilter = select(names("checkin_status"), { empty: "全部" });
    statusFilter.id = "checkin-status";
    flaggedFilter = h("input", { id: "flagged-filter", type: "checkbox" });
    for (const filter of [hoursFilter, statusFilter, flaggedFilter]) {
      filter.addEventListener("change", () => checkins.reloadFromFirstPage());
    }
    return h("section", { className: "card", "aria-labelledby": "checkins-heading" },
      h("h2", { id: "checkins-heading" }, "服务时长确认"),
      h("div", { className: "filters", role: "search", "aria-label": "筛选签到记录" },
        labelled("确认进度", hoursFilter, "inline"),
        labelled("签退情况", statusFilter, "inline"),
        h("label", { className: "inline check" }, flaggedFilter, " 仅看异常"),
        button("刷新", "secondary", () => checkins.load(), { id: "refresh-checkins" })),
      checkins.parts);
  },
  reset() {
    // What still needs the staff: minutes to confirm.
    hoursFilter.value = "pending";
    statusFilter.value = "";
    flaggedFilter.checked = false;
    checkins.reset();
  },
  enter: () => checkins.load(),
};
