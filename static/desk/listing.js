// A paged list: its alert, notice, summary, items and pager; a ticket lets a newer load
// discard the answer of an older one.
import { call } from "./api.js";
import { button, h, node } from "./dom.js";

const PER_PAGE = 20;

// The query of a list's filters, leaving out those not set.
export const filterQuery = (filters) => new URLSearchParams(Object.entries(filters).filter(([, value]) => value));

export class Listing {
  // ids: { error, notice, summary, list } element ids (tests and labels refer to them).
  constructor({ path, query = () => new URLSearchParams(), row, emptyText, ids = {}, listClass = "records items", onRender = () => {} }) {
    Object.assign(this, { path, query, row, emptyText, onRender });
    this.error = h("p", { id: ids.error, className: "error list-error", role: "alert" });
    this.notice = h("p", { id: ids.notice, className: "notice", role: "status" });
    this.summary = h("p", { id: ids.summary, className: "muted summary", "aria-live": "polite" });
    this.items = h("ul", { id: ids.list, className: listClass });
    this.pageInfo = node("span", "", "page-info");
    this.previous = button("上一页", "secondary previous-page", () => this.turnPage(-1));
    this.next = button("下一页", "secondary next-page", () => this.turnPage(1));
    this.pager = h("div", { className: "pager" }, this.previous, this.pageInfo, this.next);
    this.page = 1;
    this.ticket = 0;
  }

  // The parts in their order, for a panel to place after its filters.
  get parts() {
    return [this.error, this.notice, this.summary, this.items, this.pager];
  }

  reset() {
    this.page = 1;
    this.error.textContent = "";
    this.notice.textContent = "";
    this.summary.textContent = "";
    this.items.replaceChildren();
  }

  async load() {
    const ticket = ++this.ticket;
    const query = this.query();
    query.set("page", this.page);
    query.set("per_page", PER_PAGE);
    if (!this.items.children.length) this.summary.textContent = "加载中…";
    try {
      const page = await call("GET", `${this.path}?${query}`);
      if (ticket !== this.ticket) return;
      const lastPage = Math.max(1, Math.ceil(page.total / page.per_page));
      if (this.page > lastPage) {
        this.page = lastPage;
        await this.load();
        return;
      }
      this.error.textContent = "";
      this.render(page, lastPage);
    } catch (error) {
      if (ticket !== this.ticket) return;
      this.error.textContent = error.message;
      if (this.summary.textContent === "加载中…") this.summary.textContent = "";
    }
  }

  render(page, lastPage) {
    this.summary.textContent = `共 ${page.total} 条`;
    this.pageInfo.textContent = `第 ${page.page} / ${lastPage} 页`;
    this.previous.disabled = page.page <= 1;
    this.next.disabled = page.page >= lastPage;
    const rows = page.items.map((item) => this.row(item));
    this.items.replaceChildren(...(rows.length ? rows : [node("li", this.emptyText, "empty")]));
    this.onRender();
  }

  reloadFromFirstPage() {
    this.page = 1;
    return this.load();
  }

  turnPage(step) {
    this.page += step;
    this.load();
  }

  // One action on a listed record: its buttons rest while it runs, the list is reloaded whatever
  // the answer, then the outcome is told (after the reload, so the reload does not clear it).
  async act(row, method, path, payload, success) {
    this.error.textContent = "";
    this.notice.textContent = "";
    const buttons = row.querySelectorAll("button");
    buttons.forEach((b) => { b.disabled = true; });
    let result;
    let failure;
    try {
      result = await call(method, path, payload);
    } catch (error) {
      failure = error;
    }
    await this.load();
    buttons.forEach((b) => { b.disabled = false; });
    if (failure) this.error.textContent = failure.message;
    else this.notice.textContent = success(result);
    return !failure;
  }
}

// `kind` tells apart the badges of one record (the status of a visit, of its minutes).
export function statusBadge(text, status, kind = "status") {
  const badge = node("span", text, `badge ${kind}`);
  badge.dataset.status = status;
  return badge;
}
