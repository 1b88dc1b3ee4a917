// 组织与账号: the org tree (names, coordinates; administrators also move units), staff accounts
// with their scopes, one's own password, and the service categories.
import { call } from "./api.js";
import { alertLine, button, form, h, labelled, node, noticeLine } from "./dom.js";
import { label } from "./meta.js";
import { isSecretary, isStaff, loadSession, session, unitsInOrder } from "./session.js";
import { sections as staff } from "./staff.js";
import { categories } from "./categories.js";

const treeError = alertLine("org-error");
const treeNotice = noticeLine("org-notice");
const tree = h("div", { id: "org-tree", className: "tree" });

// Units the one being edited may move under: not itself, nor one of its own descendants.
function parentChoices(unit) {
  const inside = new Set();
  const collect = (each) => {
    inside.add(each.id);
    each.children.forEach(collect);
  };
  collect(unit);
  return unitsInOrder((each) => !inside.has(each.id));
}

function editForm(unit, org) {
  const name = h("input", { maxLength: 100, required: true, value: org.name });
  const lat = h("input", { type: "number", step: "any", min: -90, max: 90, value: org.lat ?? "" });
  const lng = h("input", { type: "number", step: "any", min: -180, max: 180, value: org.lng ?? "" });
  const inputs = [labelled("名称", name), labelled("纬度", lat), labelled("经度", lng)];
  let parent;
  if (session.admin) {
    parent = h("select", {}, h("option", { value: "" }, "（顶级组织）"),
      parentChoices(unit).map(({ unit: each, depth }) => h("option", { value: each.id }, `${"　".repeat(depth)}${each.name}`)));
    parent.value = org.parent_id ?? "";
    inputs.push(labelled("上级组织", parent));
  }
  const error = alertLine();
  const edit = form({ className: "grid-form org-form", "aria-label": `编辑${org.name}` }, [
    inputs, error, h("button", { type: "submit", className: "primary" }, "保存"),
  ], async () => {
    error.textContent = "";
    const changes = { name: name.value.trim() };
    if (lat.value !== "" || lng.value !== "") {
      changes.lat = lat.value === "" ? null : Number(lat.value);
      changes.lng = lng.value === "" ? null : Number(lng.value);
    } else if (org.lat != null) {
      Object.assign(changes, { lat: null, lng: null });
    }
    if (parent && String(org.parent_id ?? "") !== parent.value) changes.parent_id = parent.value ? Number(parent.value) : null;
    try {
      await call("PATCH", `/orgs/${unit.id}`, changes);
      await loadSession();
      renderTree();
      treeNotice.textContent = `已保存${changes.name}`;
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
  return edit;
}

function unitItem(unit) {
  const holder = h("div", { className: "org-editor" });
  const item = h("li", { data: { orgId: unit.id } }, node("span", unit.name, "org-name"), node("span", label("org_kind", unit.kind), "kind"));
  if (isSecretary()) {
    item.append(button("编辑", "link", async (event) => {
      treeError.textContent = "";
      if (holder.firstChild) {
        holder.replaceChildren();
        event.target.setAttribute("aria-expanded", "false");
        return;
      }
      try {
        const org = await call("GET", `/orgs/${unit.id}`);
        holder.replaceChildren(editForm(unit, org));
        event.target.setAttribute("aria-expanded", "true");
        holder.querySelector("input").focus();
      } catch (failure) {
        treeError.textContent = failure.message;
      }
    }, { "aria-label": `编辑${unit.name}`, "aria-expanded": "false" }), holder);
  }
  if (unit.children.length) item.append(h("ul", {}, unit.children.map(unitItem)));
  return item;
}

function renderTree() {
  tree.replaceChildren(h("ul", {}, session.roots.map(unitItem)));
}

export const tab = {
  id: "orgs-panel",
  title: "组织与账号",
  available: isStaff,
  route: "orgs",
  build() {
    return h("div", {},
      h("section", { className: "card", "aria-labelledby": "org-heading" },
        h("h2", { id: "org-heading" }, "组织体系"),
        h("p", { className: "muted" }, "书记可修改本范围内组织的名称与坐标；调整上级组织需管理员。"),
        treeError, treeNotice, tree),
      staff.staff, staff.password, categories.section);
  },
  reset() {
    treeError.textContent = "";
    treeNotice.textContent = "";
    renderTree();
    staff.reset();
    categories.reset();
  },
  enter() {
    staff.enter();
    categories.enter();
  },
};
