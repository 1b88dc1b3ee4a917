// 有手段展述: the meeting screen of one subject (display.html?round=ID&subject=ID), read-only:
// the year's figures as bars, the report, the superior's assessments and the media.
import { call, download, imageUrl, setToken, token, whenUnauthorized } from "./api.js";
import { $, button, h, node } from "./dom.js";
import { label, loadMeta } from "./meta.js";

const params = new URLSearchParams(location.search);
const roundId = Number(params.get("round"));
const subjectId = Number(params.get("subject"));
const SVG = "http://www.w3.org/2000/svg";
const BAR_WIDTH = 600;
const BAR_HEIGHT = 36;
const LABEL_WIDTH = 220;

function svg(tag, attributes, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  if (text !== undefined) element.textContent = text;
  return element;
}

// One bar per figure, each scaled to the largest (figures of different units share no axis,
// so every bar carries its own number).
export function bars(figures) {
  const largest = Math.max(1, ...figures.map(([, value]) => value));
  const chart = svg("svg", {
    viewBox: `0 0 ${LABEL_WIDTH + BAR_WIDTH + 120} ${figures.length * BAR_HEIGHT}`, role: "img", "aria-label": "工作数据", class: "bars",
  });
  figures.forEach(([name, value, unit], index) => {
    const y = index * BAR_HEIGHT;
    const width = Math.round((value / largest) * BAR_WIDTH);
    const group = svg("g", { "data-figure": name });
    group.append(
      svg("text", { x: 0, y: y + 24, class: "bar-label" }, name),
      svg("rect", { x: LABEL_WIDTH, y: y + 6, width: Math.max(width, 2), height: BAR_HEIGHT - 12, fill: "#b71c1c", rx: 3 }),
      svg("text", { x: LABEL_WIDTH + width + 8, y: y + 24, class: "bar-value" }, `${value}${unit}`));
    chart.append(group);
  });
  return chart;
}

function figuresOf(record) {
  return [
    ["服务需求（提交）", record.requests.submitted, " 件"],
    ["服务需求（确认）", record.requests.confirmed, " 件"],
    ["确认服务时长", Math.round(record.hours.confirmed_minutes / 6) / 10, " 小时"],
    ["服务党员", record.hours.members_credited, " 名"],
    ["党员报到", record.registrations.approved, " 名"],
    ["阵地签到", record.checkins.checkins, " 次"],
    ["阵地", record.stations.count, " 个"],
    ["帮扶走访", record.visits.visits_confirmed, " 次"],
    ["文化活动", record.activities.activities_held, " 场"],
    ["协调会议", record.coordination.meetings_held, " 次"],
    ["决议办结", record.coordination.resolutions_done, " 项"],
  ];
}

async function mediaItem(media) {
  const title = node("span", `${label("evaluation_media_kind", media.kind)}：${media.title}`, "media-title");
  if (media.kind === "video_link") {
    return h("li", { data: { mediaId: media.id } }, title, h("a", { href: media.url, rel: "noopener noreferrer", target: "_blank" }, "播放视频"));
  }
  const path = `/evaluations/${roundId}/media/${media.id}`;
  if (media.kind === "image") {
    return h("li", { data: { mediaId: media.id } }, title, h("img", { src: await imageUrl(path), alt: media.title }));
  }
  return h("li", { data: { mediaId: media.id } }, title, button("打开文档", "secondary", () => download(path, `${media.title}.pdf`)));
}

function showLogin() {
  setToken(null);
  $("display").hidden = true;
  $("display-login").hidden = false;
}

async function show() {
  $("display-login").hidden = true;
  $("display").hidden = false;
  if (!roundId || !subjectId) {
    $("display-error").textContent = "未指定述职对象";
    return;
  }
  try {
    const shown = await call("GET", `/evaluations/${roundId}/subjects/${subjectId}/display`);
    $("display-round").textContent = `${shown.round.year} 年 ${shown.round.title}`;
    $("display-subject").textContent = shown.subject.org_name;
    document.title = `${shown.subject.org_name} · 述职展示`;
    $("display-figures").replaceChildren(bars(figuresOf(shown.record)));
    $("display-report").textContent = shown.subject.report_text || "（尚未提交述职报告）";
    $("display-assessments").replaceChildren(...(shown.assessments.length
      ? shown.assessments.map((a) => node("li", `${a.assessed_on} ${label("evaluation_assessment_kind", a.kind)} · ${a.item}：${a.score} 分`))
      : [node("li", "暂无考核记录", "empty")]));
    const media = await Promise.all(shown.media.map(mediaItem));
    $("display-media").replaceChildren(...(media.length ? media : [node("li", "暂无述职材料", "empty")]));
  } catch (error) {
    $("display-error").textContent = error.message;
  }
}

$("display-login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("display-login-error").textContent = "";
  try {
    const result = await call("POST", "/auth/desk-login", {
      username: $("display-username").value.trim(),
      password: $("display-password").value,
    });
    setToken(result.token);
    $("display-password").value = "";
    await show();
  } catch (error) {
    $("display-login-error").textContent = error.message;
  }
});

$("display-fullscreen").addEventListener("click", () => document.documentElement.requestFullscreen?.().catch(() => {}));

whenUnauthorized(showLogin);
await loadMeta();
if (token()) show();
else showLogin();
