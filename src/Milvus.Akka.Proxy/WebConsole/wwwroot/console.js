// The Milvus.Akka web console: polls the JSON API of the node that served this page and redraws. No libraries.
"use strict";

const api = "/api/console/";
const fastEveryMs = 1000;   // request rates: the charts move once a second
const slowEveryMs = 2000;   // cluster, collections, tasks

const $ = (id) => document.getElementById(id);

function text(value) {
  return value === null || value === undefined ? "" : String(value);
}

function cell(content, className) {
  const td = document.createElement("td");
  if (className) td.className = className;
  if (content instanceof Node) td.appendChild(content); else td.textContent = text(content);
  return td;
}

function badge(label) {
  const span = document.createElement("span");
  span.className = "badge " + label;
  span.textContent = label;
  return span;
}

function badges(labels) {
  const span = document.createElement("span");
  labels.forEach((l) => span.appendChild(badge(l)));
  return span;
}

function fill(tableId, rows, columns, makeRow) {
  const body = $(tableId).tBodies[0];
  body.replaceChildren();
  if (rows.length === 0) {
    const tr = body.insertRow();
    const td = cell("none", "empty");
    td.colSpan = columns;
    tr.appendChild(td);
    return;
  }
  rows.forEach((row) => {
    const tr = makeRow(row);
    body.appendChild(tr);
  });
}

function row(cells, attributes) {
  const tr = document.createElement("tr");
  cells.forEach((c) => tr.appendChild(c));
  Object.entries(attributes || {}).forEach(([k, v]) => tr.setAttribute(k, v));
  return tr;
}

const number = new Intl.NumberFormat("en-US");
const time = (iso) => (iso ? new Date(iso).toLocaleTimeString() : "");
const ms = (value) => (value === null || value === undefined ? "" : value < 10 ? value.toFixed(2) : number.format(Math.round(value)));

async function get(name) {
  const response = await fetch(api + name, { cache: "no-store", credentials: "same-origin" });
  if (!response.ok) {
    let reason = response.status + " " + response.statusText;
    try { reason = (await response.json()).message || reason; } catch (_) { /* not JSON */ }
    throw new Error(name + ": " + reason);
  }
  return response.json();
}

function renderCluster(cluster) {
  $("served-by").textContent = "served by " + cluster.servedBy;
  fill("members", cluster.nodes, 4, (n) => row([
    cell(n.id + (n.coordinator ? " (coordinator)" : "")),
    cell(n.address),
    cell(badges(n.roles)),
    cell(badge(n.status)),
  ]));
}

function loadState(collection) {
  const state = badge(collection.loadState);
  if (collection.loadState === "Loading") state.textContent += " " + collection.loadPercent + "%";
  return state;
}

function renderCollections(view) {
  fill("collections", view.collections, 7, (c) => row([
    cell(c.database),
    cell(c.name),
    cell(loadState(c)),
    cell(c.rows === null ? "?" : number.format(c.rows), "num rows"),
    cell(c.shards.map((s) => s.name + " → " + (s.nodeId ? s.nodeId : "not placed")).join(", ")),
    cell(c.segmentStates.filter((s) => s.count > 0).map((s) => s.state + " " + s.count + " / " + number.format(s.rows)).join(", ") || "none yet"),
    cell(c.indexes.join(", ")),
  ], { "data-collection": c.database + "." + c.name }));
  const segments = view.collections.flatMap((c) => c.segments.map((s) => ({ ...s, collection: c.database + "." + c.name })));
  fill("segments", segments, 7, (s) => row([
    cell(s.collection), cell(s.id), cell(s.partitionId), cell(s.shard), cell(number.format(s.rows), "num"), cell(badge(s.state)),
    cell(s.nodeId || ""),
  ]));
}

function renderTasks(tasks) {
  fill("active-tasks", tasks.active, 7, (t) => row([
    cell(t.kind), cell(t.id), cell(t.collection), cell(t.segments.join(", ")), cell(badge(t.state)), cell(time(t.started)), cell(t.detail),
  ]));
  fill("recent-tasks", tasks.recent, 8, (t) => row([
    cell(t.kind), cell(t.id), cell(t.collection), cell(t.segments.join(", ")), cell(badge(t.state)), cell(time(t.finished)),
    cell(t.durationMs === null ? "" : ms(t.durationMs) + " ms", "num"), cell(t.detail),
  ]));
}

function renderRequests(requests) {
  const samples = requests.samples;
  const last = samples.length ? samples[samples.length - 1] : { requests: 0, meanLatencyMs: 0 };
  $("qps-now").textContent = number.format(last.requests);
  $("latency-now").textContent = ms(last.meanLatencyMs);
  drawChart($("qps-chart"), samples, [["requests", "--total"], ["reads", "--reads"], ["writes", "--writes"]], (v) => number.format(v));
  drawChart($("latency-chart"), samples, [["meanLatencyMs", "--total"], ["maxLatencyMs", "--max"]], (v) => ms(v));
  $("slow-threshold").textContent = "(reads and writes taking " + ms(requests.slowThresholdMs) + " ms or more, newest first)";
  fill("slow-requests", requests.slow, 7, (r) => row([
    cell(time(r.at)), cell(r.rpc), cell(r.database + "." + r.collection), cell(r.user || "—"), cell(ms(r.latencyMs), "num"),
    cell(badge(r.failed ? "Failed" : "Completed")), cell(r.detail),
  ]));
}

// A line per series over the window's seconds; the y axis starts at 0 and ends at the largest value shown.
function drawChart(canvas, samples, series, label) {
  const ratio = window.devicePixelRatio || 1;
  const width = canvas.clientWidth, height = canvas.clientHeight;
  if (canvas.width !== width * ratio || canvas.height !== height * ratio) {
    canvas.width = width * ratio;
    canvas.height = height * ratio;
  }
  const g = canvas.getContext("2d");
  g.setTransform(ratio, 0, 0, ratio, 0, 0);
  g.clearRect(0, 0, width, height);
  const style = getComputedStyle(document.documentElement);
  const left = 48, right = 8, top = 10, bottom = 20;
  const max = Math.max(1, ...samples.flatMap((s) => series.map(([key]) => s[key])));
  const x = (i) => left + (samples.length < 2 ? 0 : (i / (samples.length - 1)) * (width - left - right));
  const y = (v) => top + (1 - v / max) * (height - top - bottom);

  g.strokeStyle = "#d9dee7";
  g.fillStyle = "#667085";
  g.font = "11px system-ui, sans-serif";
  g.lineWidth = 1;
  [0, 0.5, 1].forEach((f) => {
    const v = max * f;
    g.beginPath(); g.moveTo(left, y(v)); g.lineTo(width - right, y(v)); g.stroke();
    g.fillText(label(v), 4, y(v) + 4);
  });
  g.fillText("-" + samples.length + " s", left, height - 5);
  g.fillText("now", width - right - 22, height - 5);

  g.lineWidth = 2;
  series.forEach(([key, color]) => {
    g.strokeStyle = style.getPropertyValue(color).trim();
    g.beginPath();
    samples.forEach((s, i) => (i === 0 ? g.moveTo(x(i), y(s[key])) : g.lineTo(x(i), y(s[key]))));
    g.stroke();
  });
}

function setStatus(error) {
  const status = $("status");
  status.className = "status " + (error ? "error" : "ok");
  status.textContent = error ? error.message : "live · " + new Date().toLocaleTimeString();
}

// Each loop waits for its answer before asking again, so a slow cluster is never asked twice at once.
function poll(everyMs, names, render) {
  const run = async () => {
    try {
      const views = await Promise.all(names.map(get));
      render(...views);
      setStatus(null);
    } catch (error) {
      setStatus(error);
    }
    setTimeout(run, everyMs);
  };
  run();
}

poll(fastEveryMs, ["requests"], renderRequests);
poll(slowEveryMs, ["cluster", "collections", "tasks"], (cluster, collections, tasks) => {
  renderCluster(cluster);
  renderCollections(collections);
  renderTasks(tasks);
});
