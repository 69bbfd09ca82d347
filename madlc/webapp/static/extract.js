// Manual frame extraction: scrub a video, grab one frame or a range into labeled-data/<video>/.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const canvas = $("canvas"), ctx = canvas.getContext("2d"), stage = $("stage");
  const S = { videos: [], video: null, frame: 0, img: null, loading: false, want: null, playing: false };

  const pad = (i) => { const w = S.video.nframes > 1 ? Math.ceil(Math.log10(S.video.nframes)) : 0; return "img" + String(i).padStart(w, "0") + ".png"; };

  async function loadVideos() {
    const { videos } = await madlc.api("/api/videos");
    S.videos = videos;
    const ul = $("videos"); ul.innerHTML = "";
    for (const v of videos) {
      ul.appendChild(madlc.el("li", { "data-name": v.name, onclick: () => selectVideo(v.name) },
        madlc.el("span", { class: "grow" }, v.name), madlc.el("span", { class: "badge" }, v.error ? "unreadable" : `${v.extracted.length} grabbed`)));
    }
    if (!videos.length) { $("empty").textContent = "This project has no videos. Add videos to the project first."; return; }
    const wanted = madlc.params.get("video");
    selectVideo((videos.find((v) => v.name === wanted) || videos[0]).name);
  }

  function selectVideo(name) {
    S.video = S.videos.find((v) => v.name === name);
    $("videos").querySelectorAll("li").forEach((li) => li.classList.toggle("active", li.dataset.name === name));
    if (S.video.error) { $("empty").style.display = "flex"; $("empty").textContent = S.video.error; return; }
    $("empty").style.display = "none";
    $("video-name").textContent = name;
    $("video-info").textContent = `${S.video.width}×${S.video.height} px · ${S.video.nframes} frames · ${S.video.fps.toFixed(1)} fps · ${(S.video.nframes / S.video.fps).toFixed(1)} s`;
    $("scrub").max = S.video.nframes - 1;
    $("range-stop").value = S.video.nframes - 1; $("range-start").value = 0;
    $("label-link").href = `/label?folder=${encodeURIComponent(S.video.folder)}`;
    updateRange(); renderExtracted();
    seek(0);
  }

  function seek(i) {
    if (!S.video) return;
    S.frame = Math.max(0, Math.min(S.video.nframes - 1, Math.round(i)));
    $("scrub").value = S.frame;
    $("frameno").textContent = `frame ${S.frame} / ${S.video.nframes - 1} · ${(S.frame / S.video.fps).toFixed(2)} s`;
    $("target-name").textContent = pad(S.frame);
    const have = S.video.extracted.includes(S.frame);
    $("grab-one").disabled = have;
    $("grab-one").firstChild.textContent = have ? "Already grabbed " : "Grab this frame ";
    $("extracted").querySelectorAll("li").forEach((li) => li.classList.toggle("active", +li.dataset.frame === S.frame));
    request(S.frame);
    drawTicks();
  }
  function request(i) {  // one frame request in flight; the latest wish wins
    S.want = i;
    if (S.loading) return;
    S.loading = true;
    const img = new Image(), asked = i;
    img.onload = () => { S.img = img; S.loading = false; draw(); if (S.want !== asked) request(S.want); else if (S.playing) setTimeout(() => S.playing && seek(S.frame + 1 < S.video.nframes ? S.frame + 1 : (S.playing = false, togglePlayLabel(), S.frame)), 0); };
    img.onerror = () => { S.loading = false; madlc.toast(`frame ${asked} cannot be decoded`, "err"); };
    img.src = `/api/video/${encodeURIComponent(S.video.name)}/frame/${asked}`;
  }
  function togglePlayLabel() { $("play").textContent = S.playing ? "❚❚ Pause" : "▶ Play"; }

  function resize() {
    const dpr = window.devicePixelRatio || 1;
    canvas.width = stage.clientWidth * dpr; canvas.height = stage.clientHeight * dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const t = $("ticks"); t.width = t.clientWidth * dpr; t.height = 16 * dpr; t.getContext("2d").setTransform(dpr, 0, 0, dpr, 0, 0);
    draw(); drawTicks();
  }
  function draw() {
    const w = stage.clientWidth, h = stage.clientHeight;
    ctx.clearRect(0, 0, w, h);
    if (!S.img) return;
    const s = Math.min(w / S.img.naturalWidth, h / S.img.naturalHeight) * 0.97;
    const iw = S.img.naturalWidth * s, ih = S.img.naturalHeight * s;
    ctx.imageSmoothingEnabled = s < 3;
    ctx.drawImage(S.img, (w - iw) / 2, (h - ih) / 2, iw, ih);
    if (S.video && S.video.extracted.includes(S.frame)) {
      const text = `✓ ${pad(S.frame)} is in labeled-data`;
      ctx.font = "13px system-ui, sans-serif";
      ctx.fillStyle = "rgba(26,127,55,0.92)"; ctx.fillRect((w - iw) / 2 + 10, (h - ih) / 2 + 10, ctx.measureText(text).width + 16, 24);
      ctx.fillStyle = "#fff"; ctx.fillText(text, (w - iw) / 2 + 18, (h - ih) / 2 + 27);
    }
  }
  function drawTicks() {
    const t = $("ticks"), c = t.getContext("2d"), w = t.clientWidth;
    c.clearRect(0, 0, w, 16);
    if (!S.video) return;
    const n = Math.max(1, S.video.nframes - 1), x = (i) => 8 + (w - 16) * (i / n);
    c.fillStyle = "#e6e9ee"; c.fillRect(8, 6, w - 16, 4);
    const a = +$("range-start").value, b = +$("range-stop").value;
    c.fillStyle = "rgba(31,111,235,0.25)"; c.fillRect(x(a), 3, Math.max(2, x(b) - x(a)), 10);
    c.fillStyle = "#1a7f37";
    for (const i of S.video.extracted) c.fillRect(x(i) - 1, 1, 2, 14);
    c.fillStyle = "#1f6feb"; c.beginPath(); c.moveTo(x(S.frame) - 5, 0); c.lineTo(x(S.frame) + 5, 0); c.lineTo(x(S.frame), 7); c.fill();
  }
  function renderExtracted() {
    const ul = $("extracted"); ul.innerHTML = "";
    $("extracted-count").textContent = `${S.video.extracted.length} frame(s) in labeled-data/${S.video.folder}`;
    for (const i of S.video.extracted) {
      const del = madlc.el("button", { class: "icon", title: "remove this frame (only if it has no labels)",
        onclick: (e) => { e.stopPropagation(); removeFrame(i); } }, "×");
      ul.appendChild(madlc.el("li", { "data-frame": i, onclick: () => seek(i) }, madlc.el("span", { class: "grow" }, pad(i)),
        madlc.el("span", { class: "badge" }, `frame ${i}`), del));
    }
    document.querySelector(`#videos li[data-name="${CSS.escape(S.video.name)}"] .badge`).textContent = `${S.video.extracted.length} grabbed`;
  }
  async function removeFrame(i) {
    try {
      const r = await madlc.post("/api/extract/remove", { video: S.video.name, index: i });
      S.video.extracted = r.extracted; renderExtracted(); seek(S.frame);
      madlc.toast(`${r.removed} removed from labeled-data/${r.folder}`);
    } catch (e) { madlc.toast(e.message, "err"); }
  }
  function updateRange() {
    // the range stays inside the video: -5…9999 becomes 0…last frame
    const last = S.video ? S.video.nframes - 1 : 0, clamp = (v) => Math.max(0, Math.min(last, Math.round(+v || 0)));
    for (const id of ["range-start", "range-stop"]) { const v = clamp($(id).value); if (String(v) !== $(id).value) $(id).value = v; }
    $("range-start").max = $("range-stop").max = last;
    if (+$("range-step").value < 1) $("range-step").value = 1;
    const a = +$("range-start").value, b = +$("range-stop").value, step = Math.max(1, +$("range-step").value || 1);
    $("range-count").textContent = b >= a ? Math.floor((b - a) / step) + 1 : 0;
    drawTicks();
  }
  async function grab(start, stop, step) {
    try {
      const r = await madlc.post("/api/extract/grab", { video: S.video.name, start, stop, step });
      S.video.extracted = r.extracted; renderExtracted(); seek(S.frame);
      madlc.toast(`${r.written.length} frame(s) saved to labeled-data/${r.folder}` + (r.skipped.length ? ` (${r.skipped.length} already there)` : ""));
    } catch (e) { madlc.toast(e.message, "err"); }
  }

  $("scrub").oninput = (e) => seek(+e.target.value);
  $("back1").onclick = () => seek(S.frame - 1); $("fwd1").onclick = () => seek(S.frame + 1);
  $("back10").onclick = () => seek(S.frame - 10); $("fwd10").onclick = () => seek(S.frame + 10);
  $("play").onclick = () => { S.playing = !S.playing; togglePlayLabel(); if (S.playing) seek(S.frame + 1); };
  $("grab-one").onclick = () => grab(S.frame, null, 1);
  $("grab-range").onclick = () => grab(+$("range-start").value, +$("range-stop").value, Math.max(1, +$("range-step").value || 1));
  $("mark-start").onclick = () => { $("range-start").value = S.frame; updateRange(); };
  $("mark-stop").onclick = () => { $("range-stop").value = S.frame; updateRange(); };
  for (const id of ["range-start", "range-stop", "range-step"]) $(id).onchange = updateRange;
  document.addEventListener("keydown", (e) => {
    if (["INPUT", "SELECT", "TEXTAREA"].includes(e.target.tagName) && e.target.type !== "range") return;
    if (e.key === "ArrowRight") seek(S.frame + (e.shiftKey ? 10 : 1));
    else if (e.key === "ArrowLeft") seek(S.frame - (e.shiftKey ? 10 : 1));
    else if (e.key === "g" || e.key === "G") grab(S.frame, null, 1);
    else if (e.key === " ") $("play").click();
    else return;
    e.preventDefault();
  });
  new ResizeObserver(resize).observe(stage);
  madlc.topbar("extract").then((p) => {
    if (!p.open) { $("empty").textContent = "No project is open. Open one on the Project page."; return; }
    loadVideos().catch((e) => madlc.toast(e.message, "err"));
  });
})();
