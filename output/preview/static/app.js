// Status page: starts the MJPEG streams after load, polls /api/status once a second
// and plots each stage's fps over the last two minutes. Plain JS, no build step.
"use strict";
const streams = ["input", "pose", "diffusion", "mask", "matte"];
const optional = new Set(["mask", "matte"]); // shown once they have frames (run --segment)
const history = {}; // stage name -> [fps...]
const colors = ["#4cf", "#fc4", "#f6a", "#7f7", "#c9f", "#fa6"];
const maxPoints = 120;

window.addEventListener("load", () => {
  for (const s of streams) document.getElementById("img-" + s).src = "/stream/" + s + ".mjpg";
  poll();
  setInterval(poll, 1000);
});

function text(id, v) { document.getElementById(id).textContent = v; }

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
  for (const s of streams) {
    const x = st.streams[s] || {};
    text("fps-" + s, (x.fps || 0).toFixed(1) + " fps, " + (x.drops || 0) + " dropped");
    if (optional.has(s) && x.frames > 0) document.getElementById("img-" + s).closest("figure").hidden = false;
  }
  const eng = st.engine || {};
  const stages = (eng.stages || []).slice();
  for (const s of streams) {
    if (!optional.has(s) || ((st.streams[s] || {}).frames || 0) > 0) stages.push({ name: "out:" + s, fps: (st.streams[s] || {}).fps || 0 });
  }
  const body = document.querySelector("#stages tbody");
  body.textContent = "";
  for (const g of stages) {
    (history[g.name] = history[g.name] || []).push(g.fps || 0);
    if (history[g.name].length > maxPoints) history[g.name].shift();
    const tr = document.createElement("tr");
    for (const v of [g.name, (g.fps || 0).toFixed(1), g.latency_ms == null ? "–" : g.latency_ms.toFixed(1)]) {
      const td = document.createElement("td");
      td.textContent = v;
      tr.appendChild(td);
    }
    body.appendChild(tr);
  }
  text("mapping", eng.mapping || "–");
  const me = document.getElementById("mapping-error");
  me.textContent = eng.mapping_error || "none";
  me.className = eng.mapping_error ? "err" : "";
  text("params", eng.params ? JSON.stringify(eng.params, null, 2) : "–");
  plot();
}

function plot() {
  const c = document.getElementById("plot");
  const g = c.getContext("2d");
  g.clearRect(0, 0, c.width, c.height);
  let max = 10;
  for (const k in history) for (const v of history[k]) max = Math.max(max, v);
  g.font = "11px sans-serif";
  g.fillStyle = "#777";
  g.fillText(max.toFixed(0) + " fps", 4, 12);
  let i = 0;
  for (const k in history) {
    const h = history[k];
    g.strokeStyle = colors[i % colors.length];
    g.beginPath();
    h.forEach((v, j) => {
      const x = c.width - (h.length - 1 - j) * (c.width / maxPoints);
      const y = c.height - 4 - (v / max) * (c.height - 20);
      j ? g.lineTo(x, y) : g.moveTo(x, y);
    });
    g.stroke();
    g.fillStyle = g.strokeStyle;
    g.fillText(k, 60 + i * 90, 12);
    i++;
  }
}
