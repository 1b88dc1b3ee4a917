// Who is logged in, the org trees they reach, and the names of the units in them.
import { call } from "./api.js";

export const session = { me: null, admin: false, roots: [], units: new Map() };

function remember(unit, parent) {
  session.units.set(unit.id, { ...unit, parent });
  unit.children.forEach((child) => remember(child, unit));
}

export async function loadSession() {
  const me = await call("GET", "/me");
  session.me = me;
  session.admin = me.roles.includes("admin");
  session.units.clear();
  let rootIds = me.scopes.map((scope) => scope.org_id);
  if (session.admin) {
    const top = await call("GET", "/orgs?per_page=100&kind=district_committee");
    rootIds = top.items.map((org) => org.id);
  }
  session.roots = [];
  for (const orgId of rootIds) {
    const unit = await call("GET", `/orgs/${orgId}/tree`);
    remember(unit, null);
    session.roots.push(unit);
  }
  return session;
}

export const orgName = (orgId) => session.units.get(orgId)?.name || `组织 #${orgId}`;
// Staff: an administrator or anyone holding an org scope (a unit's liaison holds none).
export const isStaff = () => session.admin || session.me.scopes.length > 0;
export const isSecretary = () => session.admin || session.me.scopes.some((scope) => scope.role === "secretary");

// Every unit reached, depth first, with its depth (for indented pickers).
export function unitsInOrder(filter = () => true) {
  const ordered = [];
  const walk = (unit, depth) => {
    if (filter(unit)) ordered.push({ unit, depth });
    unit.children.forEach((child) => walk(child, depth + 1));
  };
  session.roots.forEach((root) => walk(root, 0));
  return ordered;
}

// A <select> of the units reached (indented by depth), e.g. for a report's org.
export function unitOptions(selectElement, filter) {
  for (const { unit, depth } of unitsInOrder(filter)) {
    const option = document.createElement("option");
    option.value = unit.id;
    option.textContent = `${"　".repeat(depth)}${unit.name}`;
    selectElement.append(option);
  }
  return selectElement;
}
