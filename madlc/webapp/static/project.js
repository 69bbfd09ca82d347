// Project page: open/create a project, edit config.yaml (validated by madlc), run pipeline targets.
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  const el = madlc.el;
  let P = { open: false }, job = null, logLines = [];
  let formBase = null;  // config.yaml as the form was filled from: {stamp, fields}

  const list = (v) => (Array.isArray(v) ? v.join(", ") : v || "");
  const words = (s) => s.split(/[,;\n]+/).map((w) => w.trim()).filter(Boolean);
  function message(box, text, ok) { $(box).innerHTML = ""; if (text) $(box).appendChild(el("div", { class: ok ? "okmsg" : "error" }, text)); }

  function render() {
    $("project-summary").innerHTML = "";
    for (const id of ["config-card", "run-card", "steps-card"]) $(id).style.opacity = P.open ? 1 : 0.45;
    if (!P.open) { $("project-lead").textContent = "No project is open. Open a project's config.yaml, or create a new project from your videos."; return; }
    $("project-lead").textContent = P.config_path;
    $("create-box").open = false;
    const chips = (items) => el("div", { class: "chips" }, items.length ? items.map((t) => el("span", { class: "chip" }, t)) : el("span", { class: "muted small" }, "none"));
    $("project-summary").append(
      el("table", { class: "mini" },
        el("tr", {}, el("th", {}, "Task"), el("td", {}, `${P.task}`), el("th", {}, "Labeler"), el("td", {}, P.scorer)),
        el("tr", {}, el("th", {}, "Videos"), el("td", { colspan: 3 }, chips(P.videos))),
        el("tr", {}, el("th", {}, "Tracks"), el("td", { colspan: 3 }, chips(P.tracks.map((t) => t.split("/").pop()))))));
    const f = P.fields;
    formBase = { stamp: P.config_stamp, fields: JSON.parse(JSON.stringify(f)) };
    showConfigState();
    for (const [key, r] of Object.entries(P.ranges || {})) {
      const input = $("f-" + key); if (!input) continue;
      if (r.min !== null) input.min = r.integer && r.min_open ? r.min + 1 : r.min; else input.removeAttribute("min");
      if (r.max !== null) input.max = r.max; else input.removeAttribute("max");
      input.title = r.text;
    }
    for (const key of ["individuals", "multianimalbodyparts", "uniquebodyparts"]) $("f-" + key).value = list(f[key]);
    $("f-skeleton").value = (f.skeleton || []).map((p) => p.join(", ")).join("\n");
    $("f-skeleton").rows = Math.max(3, (f.skeleton || []).length + 1);
    $("f-identity").checked = !!f.identity;
    for (const key of ["numframes2pick", "pcutoff", "dotsize"]) $("f-" + key).value = f[key] ?? "";
    $("f-track_method").disabled = !f.track_method;  // single-animal projects have no tracker
    for (const key of ["track_method", "colormap"]) {
      const sel = $("f-" + key);
      if (f[key] && ![...sel.options].some((o) => o.value === f[key])) sel.appendChild(el("option", {}, f[key]));
      sel.value = f[key] || sel.options[0].value;
    }
    renderSteps();
  }

  function renderSteps() {
    const t = $("steps-table"); t.innerHTML = "";
    t.appendChild(el("tr", {}, el("th", {}, "Step"), el("th", {}, "Status"), el("th", {}, "")));
    const nFrames = P.labeled.reduce((n, f) => n + f.n_images, 0);
    t.appendChild(el("tr", {}, el("td", {}, "1. Extract frames"), el("td", {}, `${nFrames} frames in ${P.labeled.length} folder(s)`),
      el("td", {}, el("a", { href: "/extract" }, "Extract frames →"))));
    for (const f of P.labeled) {
      t.appendChild(el("tr", {}, el("td", {}, `2. Label ${f.name}`), el("td", {}, f.has_labels ? "labels saved" : (f.n_images ? "not labeled yet" : "no frames")),
        el("td", {}, f.n_images ? el("a", { href: `/label?folder=${encodeURIComponent(f.name)}` }, "Label →") : "")));
    }
    for (const tr of P.tracks) {
      const name = tr.split("/").pop();
      const video = P.videos.find((v) => name.startsWith(v.replace(/\.[^.]+$/, "")));
      const q = new URLSearchParams({ tracks: tr }); if (video) q.set("video", video);
      t.appendChild(el("tr", {}, el("td", {}, "3. Refine tracks"), el("td", { class: "small" }, name),
        el("td", {}, el("a", { href: `/refine?${q}` }, "Refine →"))));
    }
  }

  async function reload() { P = await madlc.api("/api/project"); render(); }

  // the file on disk may change while the page is open (an editor, madlc edit-config): say so
  function showConfigState(diskStamp) {
    const box = $("config-disk"); box.innerHTML = "";
    if (P.config_error) {
      box.appendChild(el("div", { class: "error" }, `config.yaml cannot be read now: ${P.config_error}\nThe form shows the last good values; saving is refused until the file is fixed.`));
    } else if (diskStamp && formBase && diskStamp !== formBase.stamp) {
      box.appendChild(el("div", { class: "warnmsg" }, "config.yaml changed on disk since this form was filled. ",
        el("button", { onclick: () => { reload(); message("config-msg", ""); } }, "Load the file's values"),
        " — or Save: only the fields you edit are written, the rest stays as in the file."));
    }
    if (P.missing_videos && P.missing_videos.length) {
      box.appendChild(el("div", { class: "error" }, `Videos listed in config.yaml but missing on disk:\n${P.missing_videos.join("\n")}\n` +
        "What to do: put them back, or remove them from video_sets in config.yaml; the pipeline cannot analyze them."));
    }
  }
  async function checkDisk() {
    if (!P.open) return;
    try {
      const now = await madlc.api("/api/project");
      P.config_error = now.config_error; P.missing_videos = now.missing_videos;
      showConfigState(now.config_stamp);
    } catch (e) { /* the next check will tell */ }
  }
  window.addEventListener("focus", checkDisk);
  document.addEventListener("visibilitychange", () => { if (!document.hidden) checkDisk(); });

  $("open-btn").onclick = async () => {
    try { P = await madlc.post("/api/project/open", { config: $("open-path").value.trim() }); render(); madlc.showProject(P); message("project-msg", "Project opened.", true); }
    catch (e) { message("project-msg", e.message); }
  };
  $("create-btn").onclick = async () => {
    try {
      P = await madlc.post("/api/project/create", {
        project: $("new-name").value.trim(), experimenter: $("new-experimenter").value.trim(),
        videos: $("new-videos").value.split("\n").map((s) => s.trim()).filter(Boolean),
        working_directory: $("new-dir").value.trim() || null, copy_videos: $("new-copy").checked });
      render(); madlc.showProject(P); message("project-msg", `Created ${P.root}. Now name your animals and body parts.`, true);
    } catch (e) { message("project-msg", e.message); }
  };

  $("save-config").onclick = async () => {
    const skeleton = $("f-skeleton").value.split("\n").map((l) => words(l)).filter((p) => p.length);
    const bad = skeleton.find((p) => p.length !== 2);
    if (bad) { message("config-msg", `Skeleton line "${bad.join(", ")}" must name exactly two body parts.`); return; }
    const num = (id) => ($(id).value === "" ? undefined : Number($(id).value));
    const form = {
      individuals: words($("f-individuals").value), multianimalbodyparts: words($("f-multianimalbodyparts").value),
      uniquebodyparts: words($("f-uniquebodyparts").value), skeleton, identity: $("f-identity").checked,
      track_method: $("f-track_method").disabled ? undefined : $("f-track_method").value, colormap: $("f-colormap").value,
      numframes2pick: num("f-numframes2pick"), pcutoff: num("f-pcutoff"), dotsize: num("f-dotsize"),
    };
    // ranges first (the server checks them again, from the same table)
    for (const [key, r] of Object.entries(P.ranges || {})) {
      const v = form[key];
      if (v === undefined) continue;
      const bad = Number.isNaN(v) || (r.integer && !Number.isInteger(v)) || (r.min !== null && (v < r.min || (r.min_open && v === r.min))) || (r.max !== null && v > r.max);
      if (bad) { message("config-msg", `${key} = ${v}: must be ${r.text}.`); return; }
    }
    // only what the user changed is sent: values edited elsewhere meanwhile are never written back
    const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    const edits = {};
    for (const [k, v] of Object.entries(form)) if (v !== undefined && !same(v, formBase.fields[k])) edits[k] = v;
    if (!Object.keys(edits).length) { message("config-msg", "Nothing changed in the form."); return; }
    try {
      P = await madlc.post("/api/project/config", { edits, base: formBase.stamp }); render();
      if (P.warning) $("config-disk").appendChild(el("div", { class: "warnmsg" }, P.warning));
      const where = edits.track_method === "auto" ? "config.yaml; the tracker to madlc.yaml" : "config.yaml";
      message("config-msg", `Saved ${Object.keys(edits).join(", ")} to ${where} (${madlc.now()}).`, true);
    }
    catch (e) { message("config-msg", e.message); }
  };
  $("reset-config").onclick = () => { reload(); message("config-msg", ""); };

  // ------------------------------------------------------------------ pipeline runs
  // long lines (settings dumps, Snakemake's full command) are folded; the full log is in .snakemake/log
  const fold = (line) => (line.length > 400 ? `${line.slice(0, 300)} … [${line.length - 300} more characters folded]` : line);
  function needsLabelsView(v) {  // a run that stopped at the labeling checkpoint: a next step, not a failure
    const box = $("run-next"); box.innerHTML = "";
    if (v.running || !v.needs_labels || !v.needs_labels.length) return false;
    const frames = (name) => ((P.labeled || []).find((f) => f.name === name) || {}).n_images;
    const links = v.needs_labels.map((name) => el("a", { href: `/label?folder=${encodeURIComponent(name)}` },
      `${frames(name) ?? "the"} frames of ${name} extracted — label them →`));
    box.appendChild(el("div", { class: "okmsg" }, el("b", {}, "Next: label the extracted frames. "),
      ...links.flatMap((a) => [a, " "]), el("div", { class: "small" }, "Then press Run again: the pipeline continues from here.")));
    return true;
  }
  async function poll() {
    if (!job) return;
    try {
      const v = await madlc.api(`/api/jobs/${job.id}?since=${job.next}`);
      logLines.splice(v.start); logLines.push(...v.lines); job.next = v.next;
      const log = $("run-log"), atEnd = log.scrollTop + log.clientHeight >= log.scrollHeight - 20;
      log.textContent = logLines.map(fold).join("\n");
      if (atEnd) log.scrollTop = log.scrollHeight;
      const frac = v.progress ?? v.step_progress;
      $("run-bar").style.width = `${Math.round(100 * (frac || 0))}%`;
      $("run-bar").style.background = v.running ? "" : (v.returncode === 0 ? "var(--ok)" : v.stopped ? "var(--warn)" : "var(--err)");
      const labeling = !v.running && !v.stopped && v.needs_labels && v.needs_labels.length;
      $("run-state").textContent = v.running ? (v.stopped ? `stopping ${v.target}…` : `running ${v.target}… ${frac != null ? Math.round(100 * frac) + "%" : ""}${v.training ? " · " + v.training.replace("train_network: ", "") : ""}`)
        : `${v.target}: ${v.returncode === 0 ? "finished" : v.stopped ? "stopped (Run again to resume)" : labeling ? "waiting for labels" : "failed (exit code " + v.returncode + ")"}`;
      if (labeling) { $("run-bar").style.background = "var(--warn)"; $("run-bar").style.width = "100%"; }
      $("stop-btn").disabled = !v.running; $("run-btn").disabled = v.running;
      document.body.dataset.job = v.running ? "running" : "done";
      if (v.running) setTimeout(poll, 500);
      else { await reload(); needsLabelsView(v); }
    } catch (e) { madlc.toast(e.message, "err"); }
  }
  $("run-btn").onclick = async () => {
    try {
      const args = $("run-args").value.trim() ? $("run-args").value.trim().split(/\s+/) : [];
      if ($("dry-run").checked) args.unshift("--dry-run");
      const v = await madlc.post("/api/jobs", { target: $("target").value, args });
      job = { id: v.id, next: 0 }; logLines = [];
      document.body.dataset.job = "running";
      poll();
    } catch (e) { madlc.toast(e.message, "err"); }
  };
  $("stop-btn").onclick = () => {
    if (!job) return;
    $("stop-btn").disabled = true; $("run-state").textContent = "stopping…";
    madlc.post(`/api/jobs/${job.id}/stop`).catch((e) => madlc.toast(e.message, "err"));
  };

  madlc.topbar("project").then(async (p) => {
    P = p; render();
    const { targets } = await madlc.api("/api/pipeline/targets");
    madlc.fillSelect($("target"), targets, targets[0]);
    const { jobs } = await madlc.api("/api/jobs");
    if (jobs.length) { const last = jobs[jobs.length - 1]; job = { id: last.id, next: 0 }; poll(); }
  });
})();
