// Status page: starts the MJPEG streams after load, polls /api/status once a second
// (no reload needed), and plots each stage's fps and p99 stage time over the last two
// minutes. The y scale follows the 95th percentile of what was seen, so one spike does
// not flatten the plot (values above the top are drawn clipped). Plain JS, no build step.
"use strict";
const fixed = ["input", "pose", "diffusion"]; // on the page from the start when the server serves them
// Every other stream the server lists (stream_order: what the engine's operators emit, e.g.
// mask and matte from run --segment, upscale from run --upscale) gets a figure once it has frames.
const shown = new Set(fixed);
let started = false;
const fpsHist = {}, p99Hist = {}; // stage name -> [value...]
const colors = ["#4cf", "#fc4", "#f6a", "#7f7", "#c9f", "#fa6"];
const maxPoints = 120;

window.addEventListener("load", () => {
  poll();
  setInterval(poll, 1000);
});

function text(id, v) { document.getElementById(id).textContent = v; }

// addFigure puts stream s on the page and starts its MJPEG stream.
function addFigure(s) {
  const fig = document.createElement("figure");
  const img = document.createElement("img");
  img.id = "img-" + s;
  img.alt = s;
  const cap = document.createElement("figcaption");
  const fps = document.createElement("span");
  fps.id = "fps-" + s;
  cap.append(s + " ", fps);
  fig.append(img, cap);
  document.querySelector("section.streams").appendChild(fig);
  img.src = "/stream/" + s + ".mjpg";
  shown.add(s);
}

function fill(id, rows) {
  const body = document.querySelector("#" + id + " tbody");
  body.textContent = "";
  for (const row of rows) {
    const tr = document.createElement("tr");
    for (const v of row.cells) {
      const td = document.createElement("td");
      td.textContent = v;
      tr.appendChild(td);
    }
    if (row.cls) tr.className = row.cls;
    body.appendChild(tr);
  }
}

function num(v, d) { return v == null ? "–" : Number(v).toFixed(d); }

function push(h, k, v) {
  (h[k] = h[k] || []).push(v || 0);
  if (h[k].length > maxPoints) h[k].shift();
}

async function poll() {
  let st;
  try {
    const r = await fetch("/api/status", { cache: "no-store" });
    st = await r.json();
  } catch (e) {
    text("uptime", "disconnected");
    return;
  }
  text("uptime", "up " + Math.round(st.uptime_s) + " s");
  const order = st.stream_order || fixed;
  if (!started) { // the fixed figures: streamed when served, hidden when no operator emits them
    started = true;
    for (const s of fixed) {
      const img = document.getElementById("img-" + s);
      if (order.includes(s)) img.src = "/stream/" + s + ".mjpg";
      else img.closest("figure").hidden = true;
    }
  }
  for (const s of order) {
    const x = st.streams[s] || {};
    if (!shown.has(s)) {
      if (!(x.frames > 0)) continue;
      addFigure(s);
    }
    text("fps-" + s, num(x.fps || 0, 1) + " fps, " + (x.drops || 0) + " dropped");
  }
  const eng = st.engine || {};
  text("control", eng.control || "read-only");
  const stages = eng.stages || [];
  for (const g of stages) { push(fpsHist, g.name, g.fps); push(p99Hist, g.name, g.p99_ms); }
  fill("stages", stages.map(g => ({ cells: [g.name, num(g.fps, 1), num(g.p50_ms, 1), num(g.p99_ms, 1)] })));
  fill("models", (eng.models || []).map(m => ({ cells: [m.model, m.provider] })));
  text("gpus", (eng.gpus || []).join("\n") || eng.gpu_note || "–");
  text("mapping", eng.mapping || "–");
  const me = document.getElementById("mapping-error");
  me.textContent = eng.mapping_error || "none";
  me.className = eng.mapping_error ? "err" : "";
  fill("files", (eng.files || []).map(f => ({ cells: [f.path, f.kind, f.rules, f.last_error || "none"], cls: f.last_error ? "err" : "" })));
  const l = eng.learn || {};
  text("learn", (l.target ? "learning " + l.target + ": move a control" : "not learning") +
    " · learned " + (l.learned || 0) + ", refused " + (l.refused || 0));
  fill("params", (eng.parameters || []).map(p => ({
    cells: [p.address, typeof p.value === "number" && p.kind === "float" ? num(p.value, 3) : String(p.value),
      p.min == null ? p.kind : p.min + " … " + p.max, (p.operators || []).join(", ") || "–"],
  })));
  plot("plot-fps", fpsHist, 10, " fps");
  plot("plot-p99", p99Hist, 20, " ms");
}

// niceTop is the plot's top: the 95th percentile of every value seen, ×1.2, rounded up
// to 1, 2 or 5 × 10^n, and at least floor.
function niceTop(h, floor) {
  const all = [];
  for (const k in h) for (const v of h[k]) all.push(v);
  all.sort((a, b) => a - b);
  const p95 = all.length ? all[Math.min(all.length - 1, Math.floor(0.95 * all.length))] : 0;
  const want = Math.max(floor, p95 * 1.2);
  const e = Math.pow(10, Math.floor(Math.log10(want)));
  for (const m of [1, 2, 5, 10]) if (m * e >= want) return m * e;
  return want;
}

function plot(id, h, floor, unit) {
  const c = document.getElementById(id);
  const g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  const top = niceTop(h, floor);
  g.font = "11px sans-serif";
  g.fillStyle = "#777";
  g.fillText(top + unit, 4, 12);
  let i = 0;
  for (const k in h) {
    const v = h[k];
    g.strokeStyle = colors[i % colors.length];
    g.beginPath();
    v.forEach((y0, j) => {
      const x = c.width - (v.length - 1 - j) * (c.width / maxPoints);
      const y = c.height - 4 - (Math.min(y0, top) / top) * (c.height - 20);
      j ? g.lineTo(x, y) : g.moveTo(x, y);
    });
    g.stroke();
    g.fillStyle = g.strokeStyle;
    g.fillText(k, 70 + i * 80, 12);
    i++;
  }
}
