// Report page: what a lab checks before trusting results (the same plots as `madlc report`).
"use strict";
(() => {
  const $ = (id) => document.getElementById(id);
  async function build() {
    $("report-info").textContent = "building the plots…";
    document.body.dataset.report = "loading";
    try {
      const r = await madlc.api("/api/report");
      $("report").innerHTML = r.html;  // built by madlc from the project's files (text escaped there)
      $("report-info").textContent = `${r.n_plots} plots · ${r.sections.length} sections · ${madlc.now()}`;
    } catch (e) { $("report-info").textContent = ""; $("report").textContent = e.message; madlc.toast(e.message, "err"); }
    document.body.dataset.report = "done";
  }
  $("refresh").onclick = build;
  $("write").onclick = async () => {
    try { const r = await madlc.post("/api/report/write"); madlc.toast(`Wrote ${r.path}`); }
    catch (e) { madlc.toast(e.message, "err"); }
  };
  madlc.topbar("report").then((p) => {
    if (!p.open) { $("report").textContent = "No project is open. Open one on the Project page."; document.body.dataset.report = "done"; return; }
    build();
  });
})();
