// DOM helpers: elements built with textContent only (user text never becomes markup).
export const $ = (id) => document.getElementById(id);

const PROPERTIES = new Set(["id", "className", "type", "value", "name", "hidden", "disabled", "checked",
  "maxLength", "min", "max", "step", "required", "noValidate", "htmlFor", "href", "title", "tabIndex",
  "autocomplete", "placeholder", "rows", "download", "src", "alt", "dateTime"]);

// h("button", { className: "primary", type: "button", onClick: fn, data: { id: 3 } }, "text", child...)
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "data") Object.assign(element.dataset, value);
    else if (key.startsWith("on")) element.addEventListener(key.slice(2).toLowerCase(), value);
    else if (PROPERTIES.has(key)) element[key] = value;
    else element.setAttribute(key, value === true ? "" : value);
  }
  element.append(...children.flat().filter((child) => child !== undefined && child !== null && child !== false));
  return element;
}

export function node(tag, text, className) {
  const element = document.createElement(tag);
  if (text !== undefined) element.textContent = text;
  if (className) element.className = className;
  return element;
}

export function button(text, className, onClick, props = {}) {
  return h("button", { type: "button", className, onClick, ...props }, text);
}

// A label wrapping its control, so the control is named and clicking the text focuses it.
export function labelled(text, input, className) {
  return h("label", { className }, text, input);
}

export function setCurrent(element, isCurrent, value) {
  if (isCurrent) element.setAttribute("aria-current", value);
  else element.removeAttribute("aria-current");
}

const TIME_FORMAT = new Intl.DateTimeFormat("zh-CN", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
  hour: "2-digit", minute: "2-digit", hour12: false,
});
const DAY_FORMAT = new Intl.DateTimeFormat("en-CA", {
  timeZone: "Asia/Shanghai", year: "numeric", month: "2-digit", day: "2-digit",
});

export const formatTime = (iso) => (iso ? TIME_FORMAT.format(new Date(iso)) : "");
// Today's date in Asia/Shanghai, YYYY-MM-DD (the API's local dates).
export const localDate = (date = new Date()) => DAY_FORMAT.format(date);
export const minutesText = (minutes) => (minutes != null ? `${minutes} 分钟` : "");
export const hoursText = (minutes) => `${(minutes / 60).toFixed(1)} 小时`;
export const elapsedText = (seconds) => (seconds < 60 ? `${seconds} 秒` : `${Math.round(seconds / 60)} 分钟`);
export const personName = (user) => user.name || `用户 #${user.id}`;
export const memberName = (memberId, name) => name || `党员 #${memberId}`;

// <dt>/<dd> pairs for the facts that have a value.
export function factItems(facts) {
  return facts.filter(([, value]) => value).flatMap(([term, value]) => [node("dt", term), node("dd", value)]);
}

export const factList = (facts) => h("dl", { className: "facts" }, factItems(facts));

export function fillOptions(select, names) {
  for (const [value, name] of Object.entries(names)) select.append(h("option", { value }, name));
  return select;
}

export function select(names, { empty, value } = {}) {
  const element = h("select");
  if (empty !== undefined) element.append(h("option", { value: "" }, empty));
  fillOptions(element, names);
  if (value !== undefined) element.value = value;
  return element;
}

// A feedback line: role=alert for errors, role=status for notices.
export const alertLine = (id, className = "error") => h("p", { id, className, role: "alert" });
export const noticeLine = (id) => h("p", { id, className: "notice", role: "status" });

// Runs `work` with the buttons resting; shows the API's message in `errorLine` on failure.
export async function busy(buttons, errorLine, work) {
  const list = [...buttons];
  list.forEach((b) => { b.disabled = true; });
  if (errorLine) errorLine.textContent = "";
  try {
    return await work();
  } catch (error) {
    if (errorLine) errorLine.textContent = error.message;
    return undefined;
  } finally {
    list.forEach((b) => { b.disabled = false; });
  }
}

// A form whose submit (button or Enter) runs `onSubmit` without reloading the page.
export function form(props, children, onSubmit) {
  const element = h("form", { noValidate: true, ...props }, children);
  element.addEventListener("submit", (event) => {
    event.preventDefault();
    onSubmit(event);
  });
  return element;
}
