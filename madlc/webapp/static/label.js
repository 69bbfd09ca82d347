// Labeling page: a click places the next unplaced part (never moves a placed one), drag to move,
// Del/Backspace/right-click to remove, Ctrl+Z to undo; every edit is saved at once.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const canvas = $("canvas"), ctx = canvas.getContext("2d"), stage = $("stage");
  const S = {
    folder: null, data: null, images: [], idx: 0, ind: null, bp: null, labels: {},
    img: null, imgName: null, view: { scale: 1, ox: 0, oy: 0 }, fitted: false,
    hover: null, drag: null, press: null, pending: 0, queue: Promise.resolve(), lastSaved: null,
    undo: [],  // edits of this session, newest last: {image, ind, bp, before, after}
  };
  // image coordinates follow DeepLabCut: the centre of the top-left pixel is (0, 0)
  const toImage = (sx, sy) => [(sx - S.view.ox) / S.view.scale - 0.5, (sy - S.view.oy) / S.view.scale - 0.5];
  const toScreen = (x, y) => [(x + 0.5) * S.view.scale + S.view.ox, (y + 0.5) * S.view.scale + S.view.oy];

  const individuals = () => S.data ? S.data.individuals.concat(S.data.unique_bodyparts.length ? ["single"] : []) : [];
  const partsOf = (ind) => !S.data ? [] : (ind === "single" ? S.data.unique_bodyparts : S.data.multi_bodyparts);
  const frameLabels = () => (S.labels[S.imgName] = S.labels[S.imgName] || {});
  const getPoint = (ind, bp) => (frameLabels()[ind] || {})[bp];
  const totalParts = () => S.data ? S.data.individuals.length * S.data.multi_bodyparts.length + S.data.unique_bodyparts.length : 0;
  const countLabeled = (name) => Object.values(S.labels[name] || {}).reduce((n, parts) => n + Object.keys(parts).length, 0);
  function colorOf(ind, bp) {
    if ($("color-by").value === "individual") return ind === "single" ? "#d0d4da" : S.data.individual_colors[ind];
    return S.data.colors[bp] || "#ffffff";
  }

  // ---------------------------------------------------------------- loading
  async function loadFolders() {
    const { folders } = await madlc.api("/api/label/folders");
    const sel = $("folder");
    madlc.fillSelect(sel, folders.map((f) => [f.name, `${f.name}  (${f.n_images} frames)`]));
    if (!folders.length) { $("empty").textContent = "No labeled-data folders yet. Extract frames first (Extract frames page)."; return; }
    const wanted = madlc.params.get("folder");
    const start = folders.find((f) => f.name === wanted) || folders.find((f) => f.n_images) || folders[0];
    sel.value = start.name;
    await loadFolder(start.name);
  }

  async function loadFolder(name) {
    S.folder = name;
    S.data = await madlc.api(`/api/label/${encodeURIComponent(name)}/data`);
    S.images = S.data.images; S.labels = S.data.labels || {};
    $("file").textContent = `labeled-data/${name}/${S.data.file}`;
    $("folder-info").textContent = `${S.images.length} frames · scorer ${S.data.scorer}` +
      (S.data.extra_columns.length ? ` · kept (not in config): ${S.data.extra_columns.join(", ")}` : "");
    S.ind = S.data.individuals[0]; S.bp = partsOf(S.ind)[0];
    S.labels[S.images[0]] = S.labels[S.images[0]] || {};
    const url = new URL(location.href); url.searchParams.set("folder", name); history.replaceState(null, "", url);
    if (!S.images.length) { $("empty").style.display = "flex"; $("empty").textContent = `labeled-data/${name} has no frames yet. Extract frames first.`; return; }
    $("empty").style.display = "none";
    S.fitted = false;
    buildFrameList();
    await showFrame(0);
  }

  function showFrame(i) {
    if (!S.images.length) return Promise.resolve();
    S.idx = Math.max(0, Math.min(S.images.length - 1, i));
    const name = S.images[S.idx];
    return new Promise((resolve) => {
      const img = new Image();
      img.onload = () => {
        const resized = !S.img || S.img.naturalWidth !== img.naturalWidth || S.img.naturalHeight !== img.naturalHeight;
        S.img = img; S.imgName = name;
        if (!S.fitted || resized) fit();
        if (!getPoint(S.ind, S.bp)) refreshLists(); else selectIndividual(S.ind);
        draw();
        resolve();
      };
      img.onerror = () => { madlc.toast(`cannot load ${name}`, "err"); resolve(); };
      img.src = `/api/label/${encodeURIComponent(S.folder)}/image/${encodeURIComponent(name)}`;
      $("frame-name").textContent = name;
      $("frame-count").textContent = `${S.idx + 1} / ${S.images.length}`;
    });
  }

  // ---------------------------------------------------------------- side lists
  function buildFrameList() {
    const ul = $("frames"); ul.innerHTML = "";
    S.images.forEach((name, i) => {
      const bar = madlc.el("div", { class: "progress" }, madlc.el("div"));
      const li = madlc.el("li", { "data-i": i, onclick: () => showFrame(i) },
        madlc.el("span", { class: "grow" }, name), madlc.el("span", { class: "badge" }), bar);
      ul.appendChild(li);
    });
    updateFrameList();
  }
  function updateFrameList() {
    const total = totalParts();
    $("frames").querySelectorAll("li").forEach((li) => {
      const name = S.images[+li.dataset.i], n = countLabeled(name);
      li.classList.toggle("active", +li.dataset.i === S.idx);
      li.querySelector(".badge").textContent = `${n}/${total}`;
      li.querySelector(".progress > div").style.width = `${total ? (100 * n) / total : 0}%`;
    });
    const active = $("frames").querySelector("li.active");
    if (active) active.scrollIntoView({ block: "nearest" });
  }
  function refreshLists() {
    const ul = $("individuals"); ul.innerHTML = "";
    individuals().forEach((ind, k) => {
      const n = Object.keys(frameLabels()[ind] || {}).length;
      const color = ind === "single" ? "#d0d4da" : S.data.individual_colors[ind];
      ul.appendChild(madlc.el("li", { class: ind === S.ind ? "active" : "", "data-ind": ind, onclick: () => selectIndividual(ind) },
        madlc.el("span", { class: "swatch", style: `background:${color}` }), madlc.el("span", { class: "grow" }, ind),
        madlc.el("span", { class: "badge" }, `${n}/${partsOf(ind).length}`), k < 9 ? madlc.el("span", { class: "kbd" }, k + 1) : null));
    });
    const bl = $("bodyparts"); bl.innerHTML = "";
    partsOf(S.ind).forEach((bp) => {
      const done = !!getPoint(S.ind, bp);
      bl.appendChild(madlc.el("li", { class: bp === S.bp ? "active" : "", "data-bp": bp, onclick: () => { S.bp = bp; refreshLists(); draw(); } },
        madlc.el("span", { class: "swatch", style: `background:${S.data.colors[bp]}` }), madlc.el("span", { class: "grow" }, bp),
        madlc.el("span", { class: "check" }, done ? "✓" : "")));
    });
    updateFrameList();
    const next = nextTarget();
    $("hint").textContent = !S.imgName ? "" : next ? `Click to place ${next.ind} · ${next.bp}`
      : "All parts placed on this frame: drag a point to move it, → for the next frame";
  }
  function selectIndividual(ind) {
    S.ind = ind;
    const parts = partsOf(ind);
    S.bp = parts.find((bp) => !getPoint(ind, bp)) || parts[0];
    refreshLists(); draw();
  }

  // ---------------------------------------------------------------- view
  function resizeCanvas() {
    const dpr = window.devicePixelRatio || 1;
    canvas.width = Math.round(stage.clientWidth * dpr); canvas.height = Math.round(stage.clientHeight * dpr);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  }
  function fit() {
    if (!S.img) return;
    const w = stage.clientWidth, h = stage.clientHeight, iw = S.img.naturalWidth, ih = S.img.naturalHeight;
    const scale = Math.min(w / iw, h / ih) * 0.96;
    S.view = { scale, ox: (w - iw * scale) / 2, oy: (h - ih * scale) / 2 };
    S.fitted = true;
  }
  function zoomAt(sx, sy, factor) {
    const scale = Math.max(0.05, Math.min(60, S.view.scale * factor)), k = scale / S.view.scale;
    S.view = { scale, ox: sx - (sx - S.view.ox) * k, oy: sy - (sy - S.view.oy) * k };
    draw();
  }

  function draw() {
    const w = stage.clientWidth, h = stage.clientHeight;
    ctx.clearRect(0, 0, w, h);
    if (!S.img || !S.data) return;
    $("zoom-level").textContent = `${Math.round(100 * S.view.scale)}%`;
    ctx.imageSmoothingEnabled = S.view.scale < 3;
    ctx.drawImage(S.img, S.view.ox, S.view.oy, S.img.naturalWidth * S.view.scale, S.img.naturalHeight * S.view.scale);
    const labels = frameLabels();
    const order = individuals().filter((i) => i !== S.ind).concat([S.ind]);  // selected individual on top
    for (const ind of order) {
      const pts = labels[ind] || {}, mine = ind === S.ind;
      ctx.globalAlpha = mine ? 1 : 0.38;
      if ($("show-skeleton").checked && ind !== "single") {
        ctx.lineWidth = mine ? 2 : 1.5;
        ctx.strokeStyle = $("color-by").value === "individual" ? S.data.individual_colors[ind] : "rgba(255,255,255,0.85)";
        for (const [a, b] of S.data.skeleton) {
          if (!pts[a] || !pts[b]) continue;
          const [x1, y1] = toScreen(...pts[a]), [x2, y2] = toScreen(...pts[b]);
          ctx.beginPath(); ctx.moveTo(x1, y1); ctx.lineTo(x2, y2); ctx.stroke();
        }
      }
      for (const [bp, xy] of Object.entries(pts)) {
        const [sx, sy] = toScreen(...xy), current = mine && bp === S.bp;
        const r = current ? 7 : mine ? 5.5 : 4.5;
        ctx.beginPath(); ctx.arc(sx, sy, r, 0, 2 * Math.PI);
        ctx.fillStyle = colorOf(ind, bp); ctx.fill();
        ctx.lineWidth = current ? 2.5 : 1.2; ctx.strokeStyle = mine ? "#ffffff" : "rgba(0,0,0,0.6)"; ctx.stroke();
        if (mine && $("show-names").checked) {
          ctx.font = "12px system-ui, sans-serif"; ctx.lineWidth = 3; ctx.strokeStyle = "rgba(0,0,0,0.7)";
          ctx.strokeText(bp, sx + 8, sy - 6); ctx.fillStyle = "#fff"; ctx.fillText(bp, sx + 8, sy - 6);
        }
      }
    }
    ctx.globalAlpha = 1;
    if (S.hover) {
      const xy = getPoint(S.hover.ind, S.hover.bp);
      if (xy) {
        const [sx, sy] = toScreen(...xy), text = `${S.hover.ind} · ${S.hover.bp}`;
        ctx.font = "12px system-ui, sans-serif";
        const tw = ctx.measureText(text).width;
        ctx.fillStyle = "rgba(20,24,31,0.85)"; ctx.fillRect(sx + 10, sy + 6, tw + 12, 20);
        ctx.fillStyle = "#fff"; ctx.fillText(text, sx + 16, sy + 20);
        ctx.beginPath(); ctx.arc(sx, sy, 10, 0, 2 * Math.PI); ctx.strokeStyle = "#ffd60a"; ctx.lineWidth = 2; ctx.stroke();
      }
    }
  }

  // ---------------------------------------------------------------- editing (each edit saved at once)
  function setSaveState() {
    const el = $("save-state");
    if (S.pending > 0) { el.className = "saving"; el.textContent = "saving…"; }
    else if (S.lastSaved) { el.className = "saved"; el.textContent = `✓ all edits saved (${S.lastSaved})`; }
    document.body.dataset.pending = String(S.pending);
  }
  function sendPoint(image, ind, bp, xy) {
    S.pending += 1; setSaveState();
    const body = { image, individual: ind, bodypart: bp, x: xy ? xy[0] : null, y: xy ? xy[1] : null };
    S.queue = S.queue.then(() => madlc.post(`/api/label/${encodeURIComponent(S.folder)}/point`, body))
      .then((r) => { S.lastSaved = r.saved_at; })
      .catch((e) => { madlc.toast(`Not saved: ${e.message}`, "err"); $("save-state").textContent = "NOT SAVED"; })
      .finally(() => { S.pending -= 1; setSaveState(); });
  }
  function setPoint(ind, bp, xy, before) {
    editPoint(S.imgName, ind, bp, xy, before === undefined ? getPoint(ind, bp) : before);
    refreshLists(); draw();
  }
  // the part a click places: the selected one if unplaced, else the next unplaced one of this
  // animal, then of the next animals; null when every part of the frame is placed
  function nextTarget() {
    if (!S.data || !S.imgName) return null;
    if (S.ind && S.bp && !getPoint(S.ind, S.bp)) return { ind: S.ind, bp: S.bp };
    const inds = individuals(), i0 = Math.max(0, inds.indexOf(S.ind));
    for (let k = 0; k <= inds.length; k++) {
      const ind = inds[(i0 + k) % inds.length], parts = partsOf(ind);
      const start = k === 0 ? parts.indexOf(S.bp) : -1;
      for (let j = 1; j <= parts.length; j++) {
        const bp = parts[(start + j + parts.length) % parts.length];
        if (!getPoint(ind, bp)) return { ind, bp };
      }
    }
    return null;
  }
  function advance() {
    const next = nextTarget();
    if (next) { S.ind = next.ind; S.bp = next.bp; }
  }
  const copyXY = (xy) => (xy ? [xy[0], xy[1]] : null);
  // every edit goes through here: local state, the undo list, and the server
  function editPoint(image, ind, bp, xy, before, record = true) {
    const labels = (S.labels[image] = S.labels[image] || {});
    if (xy) { (labels[ind] = labels[ind] || {})[bp] = [xy[0], xy[1]]; }
    else if (labels[ind]) { delete labels[ind][bp]; }
    if (record) { S.undo.push({ image, ind, bp, before: copyXY(before), after: copyXY(xy) }); }
    $("undo").disabled = !S.undo.length;
    sendPoint(image, ind, bp, xy);
  }
  async function undo() {
    const e = S.undo.pop();
    $("undo").disabled = !S.undo.length;
    if (!e) { madlc.toast("Nothing to undo on this page."); return; }
    if (e.image !== S.imgName) await showFrame(S.images.indexOf(e.image));
    editPoint(e.image, e.ind, e.bp, e.before, null, false);
    S.ind = e.ind; S.bp = e.bp;
    const what = !e.before ? "placing" : !e.after ? "deleting" : "moving";
    madlc.toast(`Undid ${what} ${e.ind} · ${e.bp}`);
    refreshLists(); draw();
  }
  function hit(sx, sy) {
    let best = null, bestD = 10;
    const labels = frameLabels();
    for (const ind of individuals()) {
      for (const [bp, xy] of Object.entries(labels[ind] || {})) {
        const [px, py] = toScreen(...xy), d = Math.hypot(px - sx, py - sy) - (ind === S.ind ? 2 : 0);
        if (d < bestD) { bestD = d; best = { ind, bp }; }
      }
    }
    return best;
  }
  const localXY = (e) => { const r = canvas.getBoundingClientRect(); return [e.clientX - r.left, e.clientY - r.top]; };
  const clampToImage = ([x, y]) => [Math.max(-0.5, Math.min(S.img.naturalWidth - 0.5, x)), Math.max(-0.5, Math.min(S.img.naturalHeight - 0.5, y))];

  canvas.addEventListener("mousedown", (e) => {
    if (!S.img) return;
    const [sx, sy] = localXY(e);
    if (e.button === 1) { S.press = { sx, sy, ox: S.view.ox, oy: S.view.oy, panning: true }; e.preventDefault(); return; }
    if (e.button !== 0) return;
    const h = hit(sx, sy);
    if (h) { S.ind = h.ind; S.bp = h.bp; S.drag = { ...h, moved: false, before: copyXY(getPoint(h.ind, h.bp)) }; refreshLists(); draw(); return; }
    S.press = { sx, sy, ox: S.view.ox, oy: S.view.oy, panning: false };
  });
  window.addEventListener("mousemove", (e) => {
    if (!S.img) return;
    const [sx, sy] = localXY(e);
    if (S.drag) {
      const xy = clampToImage(toImage(sx, sy));
      frameLabels()[S.drag.ind][S.drag.bp] = xy; S.drag.moved = true; draw();
    } else if (S.press) {
      if (Math.hypot(sx - S.press.sx, sy - S.press.sy) > 4) S.press.panning = true;
      if (S.press.panning) { S.view.ox = S.press.ox + sx - S.press.sx; S.view.oy = S.press.oy + sy - S.press.sy; draw(); }
    } else if (e.target === canvas) {
      const h = hit(sx, sy), changed = JSON.stringify(h) !== JSON.stringify(S.hover);
      S.hover = h; canvas.style.cursor = h ? "grab" : "crosshair";
      if (changed) draw();
    }
    if (e.target === canvas) { const [x, y] = toImage(sx, sy); $("cursor").textContent = `x ${x.toFixed(1)}  y ${y.toFixed(1)}`; }
  });
  window.addEventListener("mouseup", (e) => {
    if (S.drag) {
      const d = S.drag; S.drag = null;
      if (d.moved) setPoint(d.ind, d.bp, getPoint(d.ind, d.bp), d.before);
      return;
    }
    if (S.press) {
      const p = S.press; S.press = null;
      if (!p.panning && e.button === 0) {
        const xy = toImage(...localXY(e));
        if (xy[0] < -0.5 || xy[1] < -0.5 || xy[0] > S.img.naturalWidth - 0.5 || xy[1] > S.img.naturalHeight - 0.5) return;
        const target = nextTarget();  // a click never moves a placed point
        if (!target) { madlc.toast("Every part of this frame is placed. Drag a point to move it."); return; }
        S.ind = target.ind; S.bp = target.bp;
        setPoint(target.ind, target.bp, xy, null);
        advance(); refreshLists(); draw();
      }
    }
  });
  canvas.addEventListener("contextmenu", (e) => {
    e.preventDefault();
    const h = hit(...localXY(e));
    if (h) { S.hover = null; setPoint(h.ind, h.bp, null); }
  });
  canvas.addEventListener("wheel", (e) => { e.preventDefault(); zoomAt(...localXY(e), Math.exp(-e.deltaY * 0.0015)); }, { passive: false });

  document.addEventListener("keydown", (e) => {
    if (["INPUT", "SELECT", "TEXTAREA"].includes(e.target.tagName) && e.target.type !== "checkbox") return;
    const parts = partsOf(S.ind);
    if ((e.ctrlKey || e.metaKey) && (e.key === "z" || e.key === "Z") && !e.shiftKey) { undo(); }
    else if (e.key === "ArrowRight") { showFrame(S.idx + 1); }
    else if (e.key === "ArrowLeft") { showFrame(S.idx - 1); }
    else if (e.key === "ArrowDown") { S.bp = parts[(parts.indexOf(S.bp) + 1) % parts.length]; refreshLists(); draw(); }
    else if (e.key === "ArrowUp") { S.bp = parts[(parts.indexOf(S.bp) - 1 + parts.length) % parts.length]; refreshLists(); draw(); }
    else if (e.key === "Delete" || e.key === "Backspace") {
      const target = S.hover || (getPoint(S.ind, S.bp) ? { ind: S.ind, bp: S.bp } : null);
      if (target) { S.hover = null; setPoint(target.ind, target.bp, null); }
    }
    else if (/^[1-9]$/.test(e.key) && individuals()[+e.key - 1]) { selectIndividual(individuals()[+e.key - 1]); }
    else if (e.key === "f" || e.key === "F") { fit(); draw(); }
    else if (e.key === "+" || e.key === "=") { zoomAt(stage.clientWidth / 2, stage.clientHeight / 2, 1.25); }
    else if (e.key === "-") { zoomAt(stage.clientWidth / 2, stage.clientHeight / 2, 0.8); }
    else return;
    e.preventDefault();
  });

  $("save").onclick = () => {
    if (!S.folder) return;
    S.pending += 1; setSaveState();
    S.queue = S.queue.then(() => madlc.post(`/api/label/${encodeURIComponent(S.folder)}/save`))
      .then((r) => { S.lastSaved = r.saved_at; madlc.toast(`Saved labeled-data/${S.folder}/${r.file} (+ .csv)`); })
      .catch((e) => madlc.toast(`Not saved: ${e.message}`, "err"))
      .finally(() => { S.pending -= 1; setSaveState(); });
  };
  $("prev").onclick = () => showFrame(S.idx - 1);
  $("next").onclick = () => showFrame(S.idx + 1);
  $("zoom-fit").onclick = () => { fit(); draw(); };
  $("undo").onclick = () => undo();
  $("zoom-in").onclick = () => zoomAt(stage.clientWidth / 2, stage.clientHeight / 2, 1.25);
  $("zoom-out").onclick = () => zoomAt(stage.clientWidth / 2, stage.clientHeight / 2, 0.8);
  $("folder").onchange = (e) => loadFolder(e.target.value);
  for (const id of ["show-names", "show-skeleton", "color-by"]) $(id).onchange = draw;
  new ResizeObserver(() => { resizeCanvas(); if (!S.fitted) fit(); draw(); }).observe(stage);
  window.addEventListener("beforeunload", (e) => { if (S.pending > 0) { e.preventDefault(); e.returnValue = ""; } });

  // for scripted use (tests, automation): coordinates and state of the page
  window.madlcLabel = { state: S, toScreen, toImage, showFrame, loadFolder,
    select: (ind, bp) => { S.ind = ind; S.bp = bp; refreshLists(); draw(); },
    idle: () => S.queue.then(() => S.pending === 0) };

  madlc.topbar("label").then((p) => {
    resizeCanvas();
    if (!p.open) { $("empty").textContent = "No project is open. Open one on the Project page."; return; }
    loadFolders().catch((e) => {  // kept on the page: an empty-looking page must say why
      $("empty").style.display = "flex"; $("empty").textContent = `Cannot show the labels: ${e.message}`;
      madlc.toast(e.message, "err");
    });
  });
})();
