// Tracklet refinement: tracks over the video, a coverage timeline per animal, swaps and edits saved at once.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const canvas = $("canvas"), ctx = canvas.getContext("2d"), stage = $("stage"), tl = $("timeline");
  const S = {
    tracks: null, video: null, info: null, arr: null, nR: 0, nI: 0, nB: 0, rowOf: new Map(),
    frame: 0, img: null, imgFrame: -1, loading: false, want: null, playing: false,
    sel: { ind: 0, bp: null }, drag: null, hover: null, cov: null, filled: null, busy: 0, view: null,
  };
  const LABEL_W = 86, ROW_H = 18;

  // ------------------------------------------------------------------ data
  const at = (r, i, b, c) => S.arr[((r * S.nI + i) * S.nB + b) * 3 + c];
  const rowFor = (frame) => (S.rowOf.has(frame) ? S.rowOf.get(frame) : -1);
  const frameMax = () => (S.info ? S.info.frames[S.info.frames.length - 1] : 0);
  const color = (i) => S.info.individual_colors[S.info.individuals[i]] || "#ccc";

  async function loadFiles() {
    const { tracks, videos } = await madlc.api("/api/refine/files");
    const want = madlc.params.get("tracks"), wantVideo = madlc.params.get("video");
    const tOpts = tracks.slice(); if (want && !tOpts.includes(want)) tOpts.unshift(want);
    madlc.fillSelect($("tracks"), tOpts.map((t) => [t, t.split("/").pop()]), want || tOpts[0]);
    madlc.fillSelect($("video"), [["", "(no video)"]].concat(videos.map((v) => [v, v])), wantVideo || "");
    if (!wantVideo && tOpts.length) guessVideo();
    for (const [param, id] of [["max_gap", "max-gap"], ["min_swap_len", "min-swap"], ["trail_len", "trail"], ["min_tracklet_len", "min-len"]])
      if (madlc.params.get(param) !== null) $(id).value = madlc.params.get(param);
    if (!tOpts.length) { $("empty").textContent = "No tracks in videos/ yet. Run the pipeline up to 'track' first."; return; }
    if (want) await open();
  }
  function guessVideo() {
    const name = ($("tracks").value || "").split("/").pop();
    const match = [...$("video").options].find((o) => o.value && name.startsWith(o.value.replace(/\.[^.]+$/, "")));
    if (match) $("video").value = match.value;
  }

  async function open() {
    S.tracks = $("tracks").value; S.video = $("video").value || null;
    const q = new URLSearchParams({ tracks: S.tracks, min_swap_len: $("min-swap").value }); if (S.video) q.set("video", S.video);
    try {
      S.info = await madlc.api(`/api/refine/data?${q}`);
    } catch (e) { madlc.toast(e.message, "err"); $("empty").textContent = e.message; return; }
    const url = new URL(location.href); url.searchParams.set("tracks", S.tracks);
    if (S.video) url.searchParams.set("video", S.video); else url.searchParams.delete("video");
    history.replaceState(null, "", url);
    S.nI = S.info.individuals.length; S.nB = S.info.bodyparts.length; S.nR = S.info.n_rows;
    if (!S.nR) {  // a tracks file with no frames: say so instead of showing "0 % tracked"
      $("empty").style.display = "flex";
      $("empty").textContent = `${S.tracks.split("/").pop()} holds no frames (0 rows): the tracker kept nothing. ` +
        "Check pcutoff and the detections (Report page), or run tracking again.";
      $("tracks-info").textContent = "0 frames";
      return;
    }
    S.rowOf = new Map(S.info.frames.map((f, r) => [f, r]));
    $("title").textContent = S.info.output;
    $("tracks-info").textContent = `${S.nR} frames · ${S.nI} tracks`;
    $("scrub").max = frameMax(); $("empty").style.display = "none";
    const animals = S.info.individuals.map((n, i) => [String(i), n]);
    madlc.fillSelect($("swap-a"), animals, "0"); madlc.fillSelect($("swap-b"), animals, S.nI > 1 ? "1" : "0");
    madlc.fillSelect($("del-ind"), animals, "0"); madlc.fillSelect($("reassign-ind"), animals, "0");
    madlc.fillSelect($("del-bp"), [["", "all parts"]].concat(S.info.bodyparts.map((b) => [b, b])), "");
    await fetchArray();
    applyState(S.info);
    if (S.info.message && S.info.message.startsWith("note:")) madlc.toast(S.info.message.slice(6), "err");
    S.view = null; seek(S.info.frames[0] || 0);
  }
  async function fetchArray() {
    const q = new URLSearchParams({ tracks: S.tracks });
    S.arr = new Float32Array(await madlc.api(`/api/refine/array?${q}`));
    computeCoverage();
  }
  function computeCoverage() {
    S.cov = []; S.filled = [];
    for (let i = 0; i < S.nI; i++) {
      const cov = new Float32Array(S.nR), filled = new Uint8Array(S.nR);
      for (let r = 0; r < S.nR; r++) {
        let n = 0, f = 0;
        for (let b = 0; b < S.nB; b++) { if (!Number.isNaN(at(r, i, b, 0))) { n++; if (Math.abs(at(r, i, b, 2) - 0.01) < 1e-6) f++; } }
        cov[r] = n / Math.max(1, S.info.individuals[i] === "single" ? S.info.unique_bodyparts.length : S.nB - S.info.unique_bodyparts.length);
        filled[r] = f > 0 ? 1 : 0;
      }
      S.cov.push(cov); S.filled.push(filled);
    }
  }
  function applyState(st) {
    Object.assign(S.info, { swaps: st.swaps, summary: st.summary, undo: st.undo, saved_at: st.saved_at, message: st.message });
    $("undo").disabled = !st.undo;
    if (st.saved_at) { $("save-state").className = "saved"; $("save-state").textContent = `✓ all changes saved (${st.saved_at})`; $("save-state").title = st.output; }
    $("last-op").textContent = st.message || "";
    const ul = $("individuals"); ul.innerHTML = "";
    S.info.individuals.forEach((name, i) => {
      const vis = st.summary.visible[name] || 0;
      ul.appendChild(madlc.el("li", { class: i === S.sel.ind ? "active" : "", onclick: () => select(i, null) },
        madlc.el("span", { class: "swatch", style: `background:${color(i)}` }), madlc.el("span", { class: "grow" }, name),
        madlc.el("span", { class: "badge" }, `${Math.round(100 * vis)}% tracked`)));
    });
    const sl = $("swaps"); sl.innerHTML = "";
    if (!st.swaps.length) sl.appendChild(madlc.el("li", { class: "muted small" }, "none found"));
    for (const s of st.swaps) {
      const go = madlc.el("button", { onclick: (e) => { e.stopPropagation(); seek(s.start); } }, "Go");
      const fix = madlc.el("button", { onclick: (e) => { e.stopPropagation(); op("swap", { a: s.a, b: s.b, start: s.start, stop: s.stop }); } }, "Swap");
      sl.appendChild(madlc.el("li", { class: "swap-item", onclick: () => seek(s.start) }, madlc.el("span", { class: "swap-text" }, `${s.a} ↔ ${s.b}`, madlc.el("br"),
        madlc.el("span", { class: "muted" }, `frames ${s.start}–${s.stop - 1}`)), go, fix));
    }
    drawTimeline();
  }

  async function op(name, params) {
    S.busy += 1; document.body.dataset.busy = String(S.busy);
    $("save-state").className = "saving"; $("save-state").textContent = "saving…";
    try {
      const st = await madlc.post("/api/refine/op", { tracks: S.tracks, op: name, params, min_swap_len: +$("min-swap").value || 2 });
      await fetchArray();
      applyState(st); draw();
    } catch (e) { madlc.toast(e.message, "err"); $("save-state").className = ""; $("save-state").textContent = "last change failed"; }
    finally { S.busy -= 1; document.body.dataset.busy = String(S.busy); }
  }

  // ------------------------------------------------------------------ frames and drawing
  function seek(f) {
    if (!S.info) return;
    S.frame = Math.max(0, Math.min(frameMax(), Math.round(f)));
    $("scrub").value = S.frame;
    $("frameno").textContent = `frame ${S.frame} / ${frameMax()}`;
    $("swap-from-label").textContent = $("swap-start").value = S.frame;
    if (S.video) request(S.frame); else draw();
    drawTimeline();
    clearTimeout(S.trackletTimer); S.trackletTimer = setTimeout(showTracklet, 150);
  }
  function request(f) {
    S.want = f;
    if (S.loading) return;
    S.loading = true;
    const img = new Image();
    img.onload = () => {
      S.img = img; S.imgFrame = f; S.loading = false; draw();
      if (S.want !== f) request(S.want);
      else if (S.playing) setTimeout(() => { if (!S.playing) return; if (S.frame >= frameMax()) { S.playing = false; $("play").textContent = "▶"; } else seek(S.frame + 1); }, 0);
    };
    img.onerror = () => { S.loading = false; madlc.toast(`frame ${f} cannot be decoded`, "err"); };
    img.src = `/api/video/${encodeURIComponent(S.video)}/frame/${f}`;
  }
  function resize() {
    const dpr = window.devicePixelRatio || 1;
    canvas.width = stage.clientWidth * dpr; canvas.height = stage.clientHeight * dpr; ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const h = (S.nI || 3) * ROW_H + 22;
    tl.style.height = h + "px"; tl.width = tl.clientWidth * dpr; tl.height = h * dpr; tl.getContext("2d").setTransform(dpr, 0, 0, dpr, 0, 0);
    S.view = null; draw(); drawTimeline();
  }
  function view() {  // image -> screen transform (fit)
    if (S.view) return S.view;
    let iw = S.img ? S.img.naturalWidth : 0, ih = S.img ? S.img.naturalHeight : 0;
    if (!iw) {  // no video: frame the tracked points
      for (let k = 0; k < S.arr.length; k += 3) { if (!Number.isNaN(S.arr[k])) { iw = Math.max(iw, S.arr[k] * 1.1); ih = Math.max(ih, S.arr[k + 1] * 1.1); } }
      iw = iw || 640; ih = ih || 480;
    }
    const w = stage.clientWidth, h = stage.clientHeight, s = Math.min(w / iw, h / ih) * 0.97;
    S.view = { s, ox: (w - iw * s) / 2, oy: (h - ih * s) / 2, iw, ih };
    return S.view;
  }
  const toScreen = (x, y) => { const v = view(); return [(x + 0.5) * v.s + v.ox, (y + 0.5) * v.s + v.oy]; };
  const toImage = (sx, sy) => { const v = view(); return [(sx - v.ox) / v.s - 0.5, (sy - v.oy) / v.s - 0.5]; };

  function draw() {
    const w = stage.clientWidth, h = stage.clientHeight;
    ctx.clearRect(0, 0, w, h);
    if (!S.info || !S.arr) return;
    const v = view();
    if (S.img && S.video) { ctx.imageSmoothingEnabled = v.s < 3; ctx.drawImage(S.img, v.ox, v.oy, v.iw * v.s, v.ih * v.s); }
    else { ctx.fillStyle = "#2b3039"; ctx.fillRect(v.ox, v.oy, v.iw * v.s, v.ih * v.s); }
    const r = rowFor(S.frame);
    if (r < 0) return;
    const trail = Math.max(0, +$("trail").value || 0), pcut = $("hide-low").checked ? S.info.pcutoff : -1;
    const bpIndex = Object.fromEntries(S.info.bodyparts.map((b, k) => [b, k]));
    for (let i = 0; i < S.nI; i++) {
      const col = color(i), selected = i === S.sel.ind;
      // trail: where the animal (centre of its points) was over the last `trail` frames, fading out
      if (trail > 0) {
        let prev = null;
        ctx.lineWidth = selected ? 2.5 : 1.8; ctx.strokeStyle = col;
        for (let rr = Math.max(0, r - trail); rr <= r; rr++) {
          let sx = 0, sy = 0, n = 0;
          for (let b = 0; b < S.nB; b++) { const x = at(rr, i, b, 0); if (!Number.isNaN(x)) { sx += x; sy += at(rr, i, b, 1); n++; } }
          if (!n) { prev = null; continue; }
          const p = toScreen(sx / n, sy / n);
          if (prev) {
            ctx.globalAlpha = 0.15 + 0.75 * (1 - (r - rr) / trail);
            ctx.beginPath(); ctx.moveTo(prev[0], prev[1]); ctx.lineTo(p[0], p[1]); ctx.stroke();
          }
          prev = p;
        }
        ctx.globalAlpha = 1;
      }
      ctx.strokeStyle = col; ctx.lineWidth = selected ? 3 : 2;
      for (const [a, b] of S.info.skeleton) {
        const ka = bpIndex[a], kb = bpIndex[b];
        if (ka === undefined || kb === undefined) continue;
        const xa = at(r, i, ka, 0), xb = at(r, i, kb, 0);
        if (Number.isNaN(xa) || Number.isNaN(xb)) continue;
        const [x1, y1] = toScreen(xa, at(r, i, ka, 1)), [x2, y2] = toScreen(xb, at(r, i, kb, 1));
        ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(x2, y2); ctx.stroke();
      }
      let labelAt = null;
      for (let b = 0; b < S.nB; b++) {
        const x = at(r, i, b, 0), lik = at(r, i, b, 2);
        if (Number.isNaN(x) || lik < pcut) continue;
        const [sx, sy] = toScreen(x, at(r, i, b, 1));
        labelAt = labelAt || [sx, sy];
        const isSel = selected && S.sel.bp === b, filled = Math.abs(lik - 0.01) < 1e-6;
        ctx.beginPath(); ctx.arc(sx, sy, isSel ? 7 : 5, 0, 2 * Math.PI);
        ctx.fillStyle = filled ? "rgba(0,0,0,0.35)" : col; ctx.fill();
        ctx.setLineDash(filled ? [3, 2] : []);
        ctx.lineWidth = isSel ? 2.5 : 1.3; ctx.strokeStyle = filled ? col : (selected ? "#fff" : "rgba(0,0,0,0.7)"); ctx.stroke();
        ctx.setLineDash([]);
      }
      if (labelAt && $("show-names").checked) {
        const text = S.info.individuals[i];
        ctx.font = `${selected ? "bold " : ""}13px system-ui, sans-serif`;
        ctx.lineWidth = 3; ctx.strokeStyle = "rgba(0,0,0,0.75)"; ctx.strokeText(text, labelAt[0] + 9, labelAt[1] - 9);
        ctx.fillStyle = col; ctx.fillText(text, labelAt[0] + 9, labelAt[1] - 9);
      }
    }
    if (S.hover) {
      const x = at(r, S.hover.i, S.hover.b, 0);
      if (!Number.isNaN(x)) {
        const [sx, sy] = toScreen(x, at(r, S.hover.i, S.hover.b, 1)), lik = at(r, S.hover.i, S.hover.b, 2);
        const text = `${S.info.individuals[S.hover.i]} · ${S.info.bodyparts[S.hover.b]} · p=${lik.toFixed(2)}`;
        ctx.font = "12px system-ui, sans-serif"; const tw = ctx.measureText(text).width;
        ctx.fillStyle = "rgba(20,24,31,0.85)"; ctx.fillRect(sx + 10, sy + 6, tw + 12, 20); ctx.fillStyle = "#fff"; ctx.fillText(text, sx + 16, sy + 20);
      }
    }
  }

  function swapPattern(c) {  // dark diagonal stripes: visible over any animal colour
    const tile = document.createElement("canvas"); tile.width = tile.height = 6;
    const t = tile.getContext("2d"); t.strokeStyle = "rgba(20,24,31,0.75)"; t.lineWidth = 1.5;
    t.beginPath(); t.moveTo(0, 6); t.lineTo(6, 0); t.moveTo(-1, 1); t.lineTo(1, -1); t.moveTo(5, 7); t.lineTo(7, 5); t.stroke();
    return c.createPattern(tile, "repeat");
  }

  function drawTimeline() {
    const c = tl.getContext("2d"), w = tl.clientWidth, h = tl.clientHeight;
    c.clearRect(0, 0, w, h);
    if (!S.info || !S.cov) return;
    const n = frameMax() + 1, x0 = LABEL_W, span = w - LABEL_W - 6, xOf = (f) => x0 + (span * f) / n;
    c.font = "12px system-ui, sans-serif"; c.textBaseline = "middle";
    for (let i = 0; i < S.nI; i++) {
      const y = 4 + i * ROW_H, col = color(i);
      c.fillStyle = i === S.sel.ind ? "#1d2330" : "#667085"; c.fillText(S.info.individuals[i], 4, y + ROW_H / 2 - 1);
      c.fillStyle = "#eef0f3"; c.fillRect(x0, y, span, ROW_H - 4);
      const bins = Math.max(1, Math.floor(span));
      for (let px = 0; px < bins; px++) {
        const f0 = Math.floor((px * n) / bins), f1 = Math.max(f0 + 1, Math.floor(((px + 1) * n) / bins));
        let cov = 0, filled = 0;
        for (let f = f0; f < f1; f++) { const r = rowFor(f); if (r >= 0) { cov = Math.max(cov, S.cov[i][r]); filled |= S.filled[i][r]; } }
        if (cov > 0) {
          c.globalAlpha = 0.3 + 0.7 * cov; c.fillStyle = col; c.fillRect(x0 + px, y, 1.2, ROW_H - 4);
          if (filled) { c.globalAlpha = 0.9; c.fillStyle = "#ffffff"; if (px % 3 === 0) c.fillRect(x0 + px, y, 1, ROW_H - 4); }
        }
      }
      c.globalAlpha = 1;
    }
    const names = S.info.individuals;
    const stripes = swapPattern(c);
    for (const s of S.info.swaps) {
      const xa = xOf(s.start), wd = Math.max(2, xOf(s.stop) - xOf(s.start));
      for (const who of [s.a, s.b]) {
        const y = 4 + names.indexOf(who) * ROW_H;
        c.fillStyle = stripes; c.fillRect(xa, y, wd, ROW_H - 4);
      }
      const ys = [s.a, s.b].map((who) => 4 + names.indexOf(who) * ROW_H);
      c.strokeStyle = "#14181f"; c.lineWidth = 2;
      c.beginPath(); c.moveTo(xa, Math.min(...ys)); c.lineTo(xa, Math.max(...ys) + ROW_H - 4); c.stroke();
    }
    const yAxis = 4 + S.nI * ROW_H + 8;
    c.fillStyle = "#667085"; c.font = "11px system-ui, sans-serif";
    const step = Math.pow(10, Math.floor(Math.log10(Math.max(10, n / 5))));
    for (let f = 0; f < n; f += step) { c.fillRect(xOf(f), yAxis - 8, 1, 5); c.fillText(String(f), xOf(f) + 3, yAxis); }
    c.fillStyle = "#1f6feb"; c.fillRect(xOf(S.frame) - 1, 0, 2, 4 + S.nI * ROW_H);
  }

  // ------------------------------------------------------------------ interaction
  function select(i, b) {
    S.sel = { ind: i, bp: b };
    $("swap-a").value = String(i); $("del-ind").value = String(i);
    if (String(i) === $("swap-b").value) $("swap-b").value = String((i + 1) % S.nI);
    $("del-bp").value = b === null ? "" : S.info.bodyparts[b];
    document.querySelectorAll("#individuals li").forEach((li, k) => li.classList.toggle("active", k === i));
    draw(); drawTimeline(); showTracklet();
  }
  async function showTracklet() {  // tracklet pickles: which tracklet the selected animal shows here
    if (!S.info || !S.info.has_tracklets) return;
    const q = new URLSearchParams({ tracks: S.tracks, frame: S.frame, individual: S.info.individuals[S.sel.ind] });
    const t = await madlc.api(`/api/refine/tracklet?${q}`).catch(() => ({ tracklet: null }));
    $("reassign-row").style.display = t.tracklet === null ? "none" : "flex";
    if (t.tracklet !== null) { $("tracklet-id").textContent = `${t.tracklet} (${t.frames} frames)`; S.tracklet = t.tracklet; }
  }
  function hit(sx, sy) {
    const r = rowFor(S.frame); if (r < 0) return null;
    let best = null, bestD = 10;
    for (let i = 0; i < S.nI; i++) for (let b = 0; b < S.nB; b++) {
      const x = at(r, i, b, 0); if (Number.isNaN(x)) continue;
      const [px, py] = toScreen(x, at(r, i, b, 1)), d = Math.hypot(px - sx, py - sy);
      if (d < bestD) { bestD = d; best = { i, b }; }
    }
    return best;
  }
  const localXY = (e, node) => { const rc = (node || canvas).getBoundingClientRect(); return [e.clientX - rc.left, e.clientY - rc.top]; };
  canvas.addEventListener("mousedown", (e) => {
    if (!S.info || e.button !== 0) return;
    const h = hit(...localXY(e));
    if (h) { select(h.i, h.b); S.drag = { ...h, moved: false, xy: null }; }
  });
  window.addEventListener("mousemove", (e) => {
    if (!S.info) return;
    if (S.drag) {
      const xy = toImage(...localXY(e)), r = rowFor(S.frame), k = ((r * S.nI + S.drag.i) * S.nB + S.drag.b) * 3;
      S.arr[k] = xy[0]; S.arr[k + 1] = xy[1]; S.drag.moved = true; S.drag.xy = xy; draw();
    } else if (e.target === canvas) {
      const h = hit(...localXY(e)), changed = JSON.stringify(h) !== JSON.stringify(S.hover);
      S.hover = h; canvas.style.cursor = h ? "grab" : "default"; if (changed) draw();
      const [x, y] = toImage(...localXY(e)); $("cursor").textContent = `x ${x.toFixed(1)}  y ${y.toFixed(1)}`;
    }
  });
  window.addEventListener("mouseup", () => {
    if (!S.drag) return;
    const d = S.drag; S.drag = null;
    if (d.moved) op("move", { frame: S.frame, individual: S.info.individuals[d.i], bodypart: S.info.bodyparts[d.b], x: d.xy[0], y: d.xy[1] });
  });
  let scrubbing = false;
  const tlSeek = (e) => { const [x] = localXY(e, tl), n = frameMax() + 1; seek(((x - LABEL_W) / (tl.clientWidth - LABEL_W - 6)) * n); };
  tl.addEventListener("mousedown", (e) => {
    const [x, y] = localXY(e, tl), i = Math.floor((y - 4) / ROW_H);
    if (x < LABEL_W && i >= 0 && i < S.nI) { select(i, null); return; }
    scrubbing = true; tlSeek(e);
  });
  window.addEventListener("mousemove", (e) => { if (scrubbing) tlSeek(e); });
  window.addEventListener("mouseup", () => { scrubbing = false; });

  const names = () => S.info.individuals;
  function swapNow() {
    const a = +$("swap-a").value, b = +$("swap-b").value;
    if (a === b) { madlc.toast("Choose two different animals to swap.", "err"); return; }
    const stop = $("swap-stop").value === "" ? null : +$("swap-stop").value;
    op("swap", { a: names()[a], b: names()[b], start: +$("swap-start").value, stop });
  }
  $("swap").onclick = swapNow;
  $("swap-here").onclick = () => { $("swap-start").value = S.frame; $("swap-from-label").textContent = S.frame; };
  $("swap-start").oninput = () => { $("swap-from-label").textContent = $("swap-start").value; };
  $("del-here").onclick = () => { $("del-start").value = S.frame; $("del-stop").value = S.frame + 1; };
  $("delete").onclick = () => op("delete", { individual: names()[+$("del-ind").value], start: +$("del-start").value,
    stop: +$("del-stop").value, bodyparts: $("del-bp").value ? [$("del-bp").value] : null });
  $("fill").onclick = () => op("fill_gaps", { max_gap: +$("max-gap").value || 0 });
  $("drop").onclick = () => op("drop_short", { min_tracklet_len: +$("min-len").value || 1 });
  $("undo").onclick = () => op("undo", {});
  $("save").onclick = async () => {
    if (!S.info) return;
    try { applyState(await madlc.post("/api/refine/save", { tracks: S.tracks })); madlc.toast(`Saved ${S.info.output}`, "ok"); }
    catch (e) { madlc.toast(`Not saved: ${e.message}`, "err"); }
  };
  $("reassign").onclick = () => op("reassign", { tracklet: S.tracklet, individual: names()[+$("reassign-ind").value] }).then(showTracklet);
  $("load").onclick = open;
  $("tracks").onchange = guessVideo;
  $("min-swap").onchange = async () => { if (!S.info) return; const q = new URLSearchParams({ tracks: S.tracks, min_swap_len: $("min-swap").value }); applyState(await madlc.api(`/api/refine/data?${q}`)); };
  $("scrub").oninput = (e) => seek(+e.target.value);
  $("back").onclick = () => seek(S.frame - 1); $("fwd").onclick = () => seek(S.frame + 1);
  $("play").onclick = () => { S.playing = !S.playing; $("play").textContent = S.playing ? "❚❚" : "▶"; if (S.playing) seek(S.frame + 1); };
  for (const id of ["trail", "show-names", "hide-low"]) $(id).oninput = draw;
  document.addEventListener("keydown", (e) => {
    if (["INPUT", "SELECT", "TEXTAREA"].includes(e.target.tagName) && !["range", "checkbox"].includes(e.target.type)) return;
    if (!S.info) return;
    if (e.key === "ArrowRight") seek(S.frame + (e.shiftKey ? 10 : 1));
    else if (e.key === "ArrowLeft") seek(S.frame - (e.shiftKey ? 10 : 1));
    else if (e.key === " ") $("play").click();
    else if ((e.key === "z" || e.key === "Z") && (e.ctrlKey || e.metaKey)) op("undo", {});
    else if (e.key === "s" || e.key === "S") { $("swap-start").value = S.frame; swapNow(); }
    else if (e.key === "Delete" || e.key === "Backspace") {
      const ind = names()[S.sel.ind];
      if (e.shiftKey || S.sel.bp === null) op("delete", { individual: ind, start: S.frame, stop: S.frame + 1 });
      else op("delete", { individual: ind, start: S.frame, stop: S.frame + 1, bodyparts: [S.info.bodyparts[S.sel.bp]] });
    } else return;
    e.preventDefault();
  });
  new ResizeObserver(resize).observe(stage);
  window.madlcRefine = { state: S, seek, op, open, toScreen, idle: () => S.busy === 0 };

  madlc.topbar("refine").then((p) => {
    if (!p.open) { $("empty").textContent = "No project is open. Open one on the Project page."; return; }
    loadFiles().catch((e) => madlc.toast(e.message, "err"));
  });
})();
