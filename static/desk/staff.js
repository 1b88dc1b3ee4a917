// 工作人员账号: staff accounts with their scopes (grant, remove), disabling and enabling an
// account, creating one, and changing one's own password. Part of the 组织与账号 tab.
import { call } from "./api.js";
import { alertLine, button, form, h, labelled, node, noticeLine, select } from "./dom.js";
import { Listing, statusBadge } from "./listing.js";
import { label, names } from "./meta.js";
import { isSecretary, orgName, session, unitOptions } from "./session.js";

export const accounts = new Listing({
  path: "/staff",
  row: accountRow,
  emptyText: "暂无工作人员账号",
  ids: { error: "staff-error", notice: "staff-notice", summary: "staff-summary", list: "staff-list" },
});

const roleSelect = () => select(names("staff_role"), { value: "staff" });
const orgSelect = () => unitOptions(h("select"), (unit) => unit.kind !== "building_branch");

function accountRow(account) {
  const row = h("li", { className: "record", data: { userId: account.id } });
  const scopes = h("ul", { className: "scope-list" }, account.scopes.map((scope) =>
    h("li", { data: { scopeId: scope.id } },
      node("span", `${orgName(scope.org_id)} · ${label("staff_role", scope.role)}`),
      button("收回", "secondary small", () => accounts.act(row, "DELETE", `/staff/${account.id}/scopes/${scope.id}`, undefined,
        () => `已收回${account.name}在${orgName(scope.org_id)}的权限`), { "aria-label": `收回${account.name}在${orgName(scope.org_id)}的权限` }))));
  if (!account.scopes.length) scopes.append(node("li", "无权限范围", "empty"));
  const self = account.id === session.me.id;
  const toggle = account.disabled
    ? button("启用账号", "secondary", () => accounts.act(row, "POST", `/staff/${account.id}/enable`, undefined, () => `已启用${account.name}的账号`))
    : button("停用账号", "secondary", () => accounts.act(row, "POST", `/staff/${account.id}/disable`, undefined, () => `已停用${account.name}的账号`), { disabled: self });
  const grantOrg = orgSelect();
  const grantRole = roleSelect();
  const grant = form({ className: "inline-form", "aria-label": `给${account.name}授权` }, [
    labelled("授权组织", grantOrg, "inline"),
    labelled("角色", grantRole, "inline"),
    h("button", { type: "submit", className: "secondary" }, "授权"),
  ], () => accounts.act(row, "POST", "/staff", { user_id: account.id, org_id: Number(grantOrg.value), role: grantRole.value },
    () => `已授权${account.name}：${orgName(Number(grantOrg.value))}`));
  row.append(
    h("div", { className: "record-head" },
      node("strong", account.name, "record-title"),
      account.username && node("span", account.username, "muted"),
      account.disabled && statusBadge("已停用", "disabled", "account")),
    scopes,
    h("div", { className: "record-actions" }, toggle, grant));
  return row;
}

function createForm() {
  const username = h("input", { autocomplete: "off", maxLength: 50, required: true });
  const name = h("input", { maxLength: 50, required: true });
  const password = h("input", { type: "password", autocomplete: "new-password", maxLength: 200, required: true });
  const org = orgSelect();
  const role = roleSelect();
  const error = alertLine("create-staff-error");
  const created = form({ id: "create-staff", className: "grid-form", "aria-label": "新建工作人员账号" }, [
    labelled("用户名", username), labelled("姓名", name), labelled("初始密码", password),
    labelled("所属组织", org), labelled("角色", role), error,
    h("button", { type: "submit", className: "primary" }, "新建账号"),
  ], async () => {
    error.textContent = "";
    try {
      await call("POST", "/staff", {
        username: username.value.trim(), name: name.value.trim(), password: password.value,
        org_id: Number(org.value), role: role.value,
      });
      accounts.notice.textContent = `已新建账号 ${username.value.trim()}`;
      created.reset();
      await accounts.load();
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
  return created;
}

function passwordForm() {
  const old = h("input", { type: "password", autocomplete: "current-password", maxLength: 200, required: true });
  const fresh = h("input", { type: "password", autocomplete: "new-password", maxLength: 200, required: true });
  const again = h("input", { type: "password", autocomplete: "new-password", maxLength: 200, required: true });
  const error = alertLine("password-error");
  const notice = noticeLine("password-notice");
  const change = form({ id: "password-form", className: "grid-form", "aria-label": "修改我的密码" }, [
    labelled("当前密码", old), labelled("新密码", fresh), labelled("再次输入新密码", again), error, notice,
    h("button", { type: "submit", className: "primary" }, "修改密码"),
  ], async () => {
    error.textContent = "";
    notice.textContent = "";
    if (fresh.value !== again.value) {
      error.textContent = "两次输入的新密码不一致";
      again.focus();
      return;
    }
    try {
      await call("POST", "/auth/password", { old_password: old.value, new_password: fresh.value });
      change.reset();
      notice.textContent = "密码已修改，其他设备上的登录已退出";
    } catch (failure) {
      error.textContent = failure.message;
    }
  });
  return change;
}

const staffSection = h("section", { id: "staff-section", className: "card", "aria-labelledby": "staff-heading" });
const passwordSection = h("section", { id: "password-section", className: "card", "aria-labelledby": "password-heading" });

export const sections = {
  staff: staffSection,
  password: passwordSection,
  reset() {
    staffSection.hidden = !isSecretary();
    staffSection.replaceChildren(
      h("h2", { id: "staff-heading" }, "工作人员账号"),
      ...accounts.parts,
      h("h3", {}, "新建账号"),
      createForm());
    accounts.reset();
    passwordSection.replaceChildren(h("h2", { id: "password-heading" }, "修改我的密码"), passwordForm());
  },
  enter() {
    if (isSecretary()) accounts.load();
  },
};
