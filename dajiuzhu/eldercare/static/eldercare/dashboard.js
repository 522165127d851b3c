// The dashboard's chart: free home-care hours entitled and delivered by area. Data from the element's
// data-chart attribute (no inline script: the CSP forbids them).
(function () {
  "use strict";
  var el = document.getElementById("care-chart");
  if (!el || typeof echarts === "undefined") { return; }
  var data = JSON.parse(el.dataset.chart || "{}");
  if (!data.labels || !data.labels.length) { el.hidden = true; return; }
  echarts.init(el).setOption({
    tooltip: { trigger: "axis" },
    legend: { data: ["应享（小时）", "已提供（小时）"] },
    grid: { left: 48, right: 16, bottom: 60 },
    xAxis: { type: "category", data: data.labels, axisLabel: { rotate: 30 } },
    yAxis: { type: "value" },
    series: [
      { name: "应享（小时）", type: "bar", data: data.entitled },
      { name: "已提供（小时）", type: "bar", data: data.delivered }
    ]
  });
})();
