// madlc GUI helpers shared by all pages: API calls, the top bar, toasts.
"use strict";
const madlc = (() => {
  const params = new URLSearchParams(location.search);

  async function api(path, options = {}) {
    const opts = Object.assign({ headers: {} }, options);
    if (opts.json !== undefined) {
      opts.method = opts.method || "POST";
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(opts.json);
      delete opts.json;
    }
    const resp = await fetch(path, opts);
    if (!resp.ok) {
      let detail = resp.statusText;
      try { const j = await resp.json(); detail = typeof j.detail === "string" ? j.detail : JSON.stringify(j.detail); } catch (e) { /* not JSON */ }
      const err = new Error(detail); err.status = resp.status; throw err;
    }
    const type = resp.headers.get("content-type") || "";
    if (type.includes("application/json")) return resp.json();
    if (type.includes("octet-stream")) return resp.arrayBuffer();
    return resp.text();
  }
  const post = (path, body) => api(path, { json: body || {} });

  function toast(message, kind) {
    let box = document.getElementById("toast");
    if (!box) { box = document.createElement("div"); box.id = "toast"; document.body.appendChild(box); }
    const el = document.createElement("div");
    if (kind === "err") el.className = "err";
    el.textContent = message;
    box.appendChild(el);
    setTimeout(() => el.remove(), kind === "err" ? 9000 : 3500);
  }

  const PAGES = [["project", "Project"], ["extract", "Extract frames"], ["label", "Label frames"], ["refine", "Refine tracklets"], ["report", "Report"]];
  async function topbar(active) {
    const header = document.createElement("header");
    header.className = "top";
    header.innerHTML = `<div class="brand"><span class="dot"></span>madlc</div><nav></nav><div class="project"></div>`;
    const nav = header.querySelector("nav");
    for (const [page, title] of PAGES) {
      const a = document.createElement("a");
      a.href = "/" + page; a.textContent = title;
      if (page === active) a.className = "active";
      nav.appendChild(a);
    }
    document.body.prepend(header);
    panelToggles();
    try {
      const p = await api("/api/project");
      showProject(p);
      if (p.config_error) {  // stays on the page until the file is fixed (not a toast that fades)
        const banner = document.createElement("div");
        banner.className = "banner-error"; banner.id = "config-error-banner";
        banner.textContent = `config.yaml cannot be used: ${p.config_error} — the pages use its last good values until it is fixed.`;
        header.after(banner);
      }
      return p;
    } catch (e) { return { open: false }; }
  }
  // buttons that hide/show the side panels (kept per page), put at the start and end of the first toolbar
  function panelToggles() {
    const bar = document.querySelector(".stage-wrap .toolbar");
    if (!bar) return;
    const key = `madlc-panels-${location.pathname}`, saved = JSON.parse(localStorage.getItem(key) || "{}");
    const narrow = window.innerWidth < 1100;
    for (const side of ["left", "right"]) {
      if (!document.querySelector(`aside.${side}`)) continue;
      const hidden = saved[side] ?? false;
      document.body.classList.toggle(`hide-${side}`, hidden);
      const b = document.createElement("button");
      b.className = "panel-toggle"; b.id = `toggle-${side}`;
      b.title = `show / hide the ${side} panel`; b.textContent = side === "left" ? "◧" : "◨";
      b.onclick = () => {
        saved[side] = document.body.classList.toggle(`hide-${side}`);
        localStorage.setItem(key, JSON.stringify(saved));
        window.dispatchEvent(new Event("resize"));
      };
      if (side === "left") bar.prepend(b); else bar.appendChild(b);
    }
    // on a small laptop screen, the long help texts start folded
    if (narrow) document.querySelectorAll("details.help-box").forEach((d) => { d.open = false; });
  }
  function showProject(p) {  // the project named in the top bar
    const box = document.querySelector("header.top .project");
    if (!box) return;
    if (p.open) { box.innerHTML = `<b></b><span></span>`; box.querySelector("b").textContent = `${p.task} (${p.scorer}, ${p.date})`; box.querySelector("span").textContent = ` · ${p.root}`; }
    else box.textContent = "no project open";
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else if (v !== undefined && v !== null && v !== false) node.setAttribute(k, v === true ? "" : v);
    }
    for (const c of children.flat()) if (c !== null && c !== undefined) node.append(c.nodeType ? c : String(c));
    return node;
  }

  function fillSelect(select, values, current) {
    select.innerHTML = "";
    for (const v of values) {
      const [value, text] = Array.isArray(v) ? v : [v, v];
      const o = el("option", { value }, text);
      if (value === current) o.selected = true;
      select.appendChild(o);
    }
  }

  function now() { return new Date().toLocaleTimeString(); }

  return { api, post, toast, topbar, showProject, el, fillSelect, params, now };
})();
