// 文化惠民活动: the activities of the scope at the four levels, publishing one, its sign-up list
// (helpers, seats, the waiting list in order, also as .xlsx), its rotating check-in code and the helpers' hours.
import { call, download } from "./api.js";
import { alertLine, busy, button, factList, form, formatTime, h, labelled, node, select } from "./dom.js";
import { Listing, filterQuery, statusBadge } from "./listing.js";
import { label, names } from "./meta.js";
import { isStaff, orgName, unitOptions } from "./session.js";

let levelFilter;
let upcomingFilter;

const activities = new Listing({
  path: "/activities",
  query: () => filterQuery({ level: levelFilter.value, upcoming: upcomingFilter.checked ? "1" : "" }),
  row: activityRow,
  emptyText: "暂无活动",
  ids: { error: "activities-error", notice: "activities-notice", summary: "activities-summary", list: "activity-list" },
});

function activityRow(activity) {
  const item = h("li", { className: "record", data: { activityId: activity.id } },
    h("div", { className: "record-head" },
      node("strong", activity.title, "record-title"),
      statusBadge(label("activity_level", activity.level), activity.level, "level")),
    factList([
      ["组织者", orgName(activity.org_id)],
      ["时间", `${formatTime(activity.starts_at)} 至 ${formatTime(activity.ends_at)}`],
      ["地点", activity.address],
      ["面向", activity.audience],
      ["名额", `已确认 ${activity.confirmed_count} / ${activity.capacity}，候补 ${activity.waitlisted_count}`],
    ]));
  const detail = h("div", { className: "activity-detail", hidden: true });
  const toggle = (builder) => async () => {
    detail.hidden = false;
    detail.replaceChildren(await builder(activity));
  };
  item.append(
    h("div", { className: "record-actions" },
      button("报名名单", "secondary", toggle(signupList)),
      button("导出名单（Excel）", "secondary", (event) => busy([event.currentTarget], activities.error, async () => {
        const name = await download(`/activities/${activity.id}/signups.xlsx`, `activity-${activity.id}-signups.xlsx`);
        activities.notice.textContent = `已下载 ${name}`;
      })),
      button("签到码", "secondary", toggle(qrFacts)),
      button("确认志愿服务时长", "secondary", () => activities.act(item, "POST", `/activities/${activity.id}/hours`, undefined,
        (result) => `已确认 ${result.entries.length} 人的服务时长`))),
    detail);
  return item;
}

async function signupList(activity) {
  try {
    const page = await call("GET", `/activities/${activity.id}/signups?per_page=100`);
    const rows = page.items.map((signup) => h("li", { data: { signupId: signup.id } },
      `${signup.user_name} · ${label("signup_role", signup.role)} · `,
      statusBadge(label("signup_status", signup.status), signup.status),
      signup.checked_in_at ? node("span", ` 已签到 ${formatTime(signup.checked_in_at)}`, "muted") : ""));
    return h("ol", { className: "signups" }, rows.length ? rows : [node("li", "暂无报名", "empty")]);
  } catch (failure) {
    return node("p", failure.message, "error");
  }
}

async function qrFacts(activity) {
  try {
    const code = await call("GET", `/activities/${activity.id}/qr`);
    return factList([["签到码内容", code.payload], ["更换时间", formatTime(code.changes_at)]]);
  } catch (failure) {
    return node("p", failure.message, "error");
  }
}

// "2026-12-01T19:30" from a datetime-local input, read as Beijing time.
const beijing = (value) => (value ? `${value}:00+08:00` : undefined);

function publishForm() {
  const fields = {
    title: h("input", { name: "title", maxLength: 100, required: true }),
    level: select(names("activity_level")),
    org_id: h("select", { name: "org_id" }),
    audience: h("input", { name: "audience", maxLength: 100, placeholder: "如 全体居民、老年人" }),
    starts_at: h("input", { name: "starts_at", type: "datetime-local", required: true }),
    ends_at: h("input", { name: "ends_at", type: "datetime-local", required: true }),
    capacity: h("input", { name: "capacity", type: "number", min: 1, max: 10000, value: "30" }),
    address: h("input", { name: "address", maxLength: 200, required: true }),
  };
  fields.level.name = "level";
  const error = alertLine("activity-form-error");
  const element = form({ id: "activity-form", className: "stacked", "aria-label": "发布活动" }, [
    labelled("活动名称", fields.title), labelled("层级", fields.level), labelled("组织者", fields.org_id),
    labelled("面向对象", fields.audience), labelled("开始时间（北京时间）", fields.starts_at),
    labelled("结束时间（北京时间）", fields.ends_at), labelled("名额", fields.capacity), labelled("地点", fields.address),
    error, h("button", { type: "submit", className: "primary" }, "发布活动"),
  ], () => busy(element.querySelectorAll("button"), error, async () => {
    const created = await call("POST", "/activities", {
      title: fields.title.value.trim(), level: fields.level.value, org_id: Number(fields.org_id.value),
      audience: fields.audience.value.trim(), starts_at: beijing(fields.starts_at.value),
      ends_at: beijing(fields.ends_at.value), capacity: Number(fields.capacity.value), address: fields.address.value.trim(),
    });
    element.reset();
    await activities.reloadFromFirstPage();
    activities.notice.textContent = `已发布：${created.title}`;
  }));
  element.orgSelect = fields.org_id;
  return element;
}

let publisher;

export const tab = {
  id: "activities-panel",
  title: "文化活动",
  available: isStaff,
  route: "activities",
  build() {
    levelFilter = select(names("activity_level"), { empty: "全部层级" });
    levelFilter.id = "activity-level";
    upcomingFilter = h("input", { type: "checkbox", id: "activity-upcoming", checked: true });
    levelFilter.addEventListener("change", () => activities.reloadFromFirstPage());
    upcomingFilter.addEventListener("change", () => activities.reloadFromFirstPage());
    publisher = publishForm();
    return h("section", { className: "card", "aria-labelledby": "activities-heading" },
      h("h2", { id: "activities-heading" }, "文化惠民活动"),
      h("details", {}, h("summary", {}, "发布活动"), publisher),
      h("div", { className: "filters", role: "search", "aria-label": "筛选活动" },
        labelled("层级", levelFilter, "inline"),
        h("label", { className: "inline check" }, upcomingFilter, " 只看未结束"),
        button("刷新", "secondary", () => activities.load())),
      activities.parts);
  },
  reset() {
    publisher.orgSelect.replaceChildren();
    unitOptions(publisher.orgSelect);
    levelFilter.value = "";
    activities.reset();
  },
  enter: () => activities.load(),
};
