// The service desk: a thin client of the Linli API (/api/v1), in Chinese.
"use strict";

const API = "/api/v1";
const KIND_NAMES = {
  district_committee: "区市县委",
  street_working_committee: "街道党工委",
  community_general_branch: "社区党总支",
  building_branch: "楼院党支部",
  functional_branch: "功能型党支部",
  mobile_member_branch: "流动党员党支部",
  nonpublic_enterprise_committee: "非公企业党工委",
  street_economic_branch: "街道综合经济党总支",
  enterprise_branch: "企业党组织",
  association_committee: "行业协会党委",
  social_org_branch: "社会组织党组织",
};
const ROLE_NAMES = { secretary: "书记", staff: "工作人员" };

const $ = (id) => document.getElementById(id);

async function call(method, path, body) {
  const headers = { "Content-Type": "application/json" };
  const token = sessionStorage.getItem("token");
  if (token) headers.Authorization = `Bearer ${token}`;
  const response = await fetch(API + path, { method, headers, body: body && JSON.stringify(body) });
  if (response.status === 204) return null;
  const data = await response.json();
  if (!response.ok) {
    if (response.status === 401 && path !== "/auth/desk-login") showLogin();
    throw new Error(data.error ? data.error.message : "请求失败");
  }
  return data;
}

function showLogin() {
  sessionStorage.removeItem("token");
  $("home-view").hidden = true;
  $("who").hidden = true;
  $("login-view").hidden = false;
}

function node(tag, text, className) {
  const element = document.createElement(tag);
  if (text !== undefined) element.textContent = text;
  if (className) element.className = className;
  return element;
}

function renderTree(unit) {
  const item = node("li");
  item.append(node("span", unit.name), node("span", KIND_NAMES[unit.kind] || unit.kind, "kind"));
  if (unit.children.length) {
    const list = node("ul");
    unit.children.forEach((child) => list.append(renderTree(child)));
    item.append(list);
  }
  return item;
}

async function showHome() {
  const me = await call("GET", "/me");
  $("who-name").textContent = me.name;
  $("who").hidden = false;
  $("login-view").hidden = true;
  $("home-view").hidden = false;
  const scopes = $("scopes");
  const tree = $("tree");
  scopes.replaceChildren();
  tree.replaceChildren();
  let roots = me.scopes.map((scope) => scope.org_id);
  if (me.roles.includes("admin")) {
    scopes.append(node("li", "管理员：全部组织"));
    const top = await call("GET", "/orgs?per_page=100&kind=district_committee");
    roots = top.items.map((org) => org.id);
  }
  const list = node("ul");
  for (const orgId of roots) {
    const unit = await call("GET", `/orgs/${orgId}/tree`);
    list.append(renderTree(unit));
    const scope = me.scopes.find((s) => s.org_id === orgId);
    if (scope) scopes.append(node("li", `${unit.name} · ${ROLE_NAMES[scope.role] || scope.role}`));
  }
  tree.append(list);
}

$("login-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  $("login-error").textContent = "";
  try {
    const result = await call("POST", "/auth/desk-login", {
      username: $("username").value.trim(),
      password: $("password").value,
    });
    sessionStorage.setItem("token", result.token);
    $("password").value = "";
    await showHome();
  } catch (error) {
    $("login-error").textContent = error.message;
  }
});

$("logout").addEventListener("click", async () => {
  try {
    await call("POST", "/auth/logout");
  } finally {
    showLogin();
  }
});

if (sessionStorage.getItem("token")) showHome().catch(showLogin);
