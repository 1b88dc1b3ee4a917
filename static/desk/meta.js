// The Chinese names of the API's statuses, kinds and events: one source, GET /api/v1/meta.
import { call } from "./api.js";

const vocabularies = {};

export async function loadMeta() {
  try {
    Object.assign(vocabularies, await call("GET", "/meta"));
  } catch {
    // Without names the desk still works and shows the API's own values.
  }
}

export const names = (vocabulary) => vocabularies[vocabulary] || {};
export const label = (vocabulary, value) => names(vocabulary)[value] ?? value;

// The week as opening hours spell it; registrations number the days 0 (Monday) to 6.
export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
export function weekdayName(day) {
  const known = names("weekday");
  if (day in known) return known[day];
  return typeof day === "number" ? known[WEEKDAYS[day]] ?? String(day) : String(day);
}
