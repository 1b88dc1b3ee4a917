// A small grouped bar chart drawn with SVG DOM (no library): one group per week, one bar per
// series, each series scaled to its own maximum (their units differ), values written on the bars.
const SVG = "http://www.w3.org/2000/svg";

function svg(tag, attributes = {}, text) {
  const element = document.createElementNS(SVG, tag);
  for (const [key, value] of Object.entries(attributes)) element.setAttribute(key, value);
  if (text !== undefined) element.textContent = text;
  return element;
}

// groups: [{ label, values: [n, ...] }]; series: [{ name, className, format }]
export function barChart({ title, groups, series }) {
  const width = 720;
  const height = 240;
  const top = 24;
  const bottom = 36;
  const plot = height - top - bottom;
  const slot = width / Math.max(groups.length, 1);
  const bar = Math.min(22, (slot - 8) / series.length);
  const maxima = series.map((_, index) => Math.max(1, ...groups.map((group) => group.values[index])));
  const chart = svg("svg", { viewBox: `0 0 ${width} ${height}`, role: "img", class: "chart", "aria-label": title });
  chart.append(svg("title", {}, title));
  chart.append(svg("line", { x1: 0, x2: width, y1: top + plot, y2: top + plot, class: "axis" }));
  groups.forEach((group, groupIndex) => {
    const left = groupIndex * slot + (slot - bar * series.length) / 2;
    series.forEach((each, index) => {
      const value = group.values[index];
      const barHeight = Math.round((value / maxima[index]) * plot);
      const x = left + index * bar;
      const y = top + plot - barHeight;
      const rect = svg("rect", { x, y, width: bar - 2, height: barHeight, class: `column ${each.className}` });
      rect.append(svg("title", {}, `${group.label} ${each.name}：${each.format(value)}`));
      chart.append(rect);
      if (value) chart.append(svg("text", { x: x + (bar - 2) / 2, y: y - 4, class: "value" }, each.format(value, true)));
    });
    chart.append(svg("text", { x: groupIndex * slot + slot / 2, y: height - 14, class: "label" }, group.label));
  });
  return chart;
}
