// 服务类别: everyone reads the list; administrators add and edit. Part of the 组织与账号 tab.
import { call } from "./api.js";
import { alertLine, button, factList, form, h, labelled, node, noticeLine, select } from "./dom.js";
import { label, names } from "./meta.js";
import { session } from "./session.js";

const error = alertLine("categories-error");
const notice = noticeLine("categories-notice");
const list = h("ul", { id: "category-list", className: "records" });
const section = h("section", { id: "categories-section", className: "card", "aria-labelledby": "categories-heading" });

// The fields of a category as form controls, filled from `category` (empty for a new one).
function fields(category = {}) {
  const controls = {
    name: h("input", { maxLength: 50, required: true, value: category.name || "" }),
    skills: h("input", { maxLength: 400, value: (category.skills || []).join("、"), placeholder: "如 维修、电工" }),
    service_model: select(names("service_model"), { value: category.service_model }),
    expected_minutes: h("input", { type: "number", min: 1, max: 1440, step: 1, value: category.expected_minutes ?? 60 }),
    sla_opening_hours: h("input", { type: "checkbox", checked: Boolean(category.sla_opening_hours) }),
  };
  const payload = () => ({
    name: controls.name.value.trim(),
    skills: controls.skills.value.split(/[、,，\s]+/).filter(Boolean),
    service_model: controls.service_model.value,
    expected_minutes: Number(controls.expected_minutes.value),
    sla_opening_hours: controls.sla_opening_hours.checked,
  });
  const inputs = [
    labelled("名称", controls.name),
    labelled("所需技能（顿号分隔）", controls.skills),
    labelled("服务方式", controls.service_model),
    labelled("预计用时（分钟）", controls.expected_minutes),
    h("label", { className: "check" }, controls.sla_opening_hours, " 响应时限只计站点开放时间"),
  ];
  return { inputs, payload };
}

async function save(method, path, payload, done) {
  error.textContent = "";
  notice.textContent = "";
  try {
    await call(method, path, payload);
    await load();
    notice.textContent = done;
  } catch (failure) {
    error.textContent = failure.message;
  }
}

function categoryRow(category) {
  const row = h("li", { className: "record", data: { categoryId: category.id } },
    h("div", { className: "record-head" },
      node("strong", category.name, "record-title"),
      node("span", label("service_model", category.service_model), "badge")),
    factList([
      ["所需技能", category.skills.join("、")],
      ["预计用时", `${category.expected_minutes} 分钟`],
      ["响应时限", category.sla_opening_hours ? "只计站点开放时间" : "全天计时"],
    ]));
  if (session.admin) {
    const editor = fields(category);
    const edit = form({ className: "grid-form", hidden: true, "aria-label": `编辑${category.name}` },
      [editor.inputs, h("button", { type: "submit", className: "primary" }, "保存")],
      () => save("PATCH", `/categories/${category.id}`, editor.payload(), `已保存服务类别${editor.payload().name}`));
    row.append(h("div", { className: "record-actions" }, button("编辑", "secondary", () => {
      edit.hidden = !edit.hidden;
      if (!edit.hidden) edit.querySelector("input").focus();
    })), edit);
  }
  return row;
}

async function load() {
  try {
    const categories = await call("GET", "/categories");
    const rows = categories.items.map(categoryRow);
    list.replaceChildren(...(rows.length ? rows : [node("li", "暂无服务类别", "empty")]));
  } catch (failure) {
    error.textContent = failure.message;
  }
}

export const categories = {
  section,
  reset() {
    const creator = fields();
    const create = form({ id: "create-category", className: "grid-form", "aria-label": "新增服务类别" },
      [creator.inputs, h("button", { type: "submit", className: "primary" }, "新增类别")],
      () => save("POST", "/categories", creator.payload(), `已新增服务类别${creator.payload().name}`).then(() => {
        if (!error.textContent) create.reset();
      }));
    section.replaceChildren(
      h("h2", { id: "categories-heading" }, "服务类别"), error, notice, list,
      ...(session.admin ? [h("h3", {}, "新增服务类别"), create] : []));
    list.replaceChildren();
  },
  enter: load,
};
