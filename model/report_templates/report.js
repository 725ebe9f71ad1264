/* treasury-leverage report: hover values on charts, sortable tables, the scenario explorer,
   scroll cues. Inline, no library, nothing fetched. */
(function () {
  "use strict";
  var MINUS = "\u2212";

  /* ---- hover values: every chart point with data-tip ---- */
  var tooltip = document.getElementById("tooltip");
  var active = null;
  Array.prototype.forEach.call(document.querySelectorAll("circle.tip"), function (c) {
    var t = c.querySelector("title");
    if (t) { c.removeChild(t); }  /* the page shows its own tooltip, not the browser's */
    c.setAttribute("aria-label", c.getAttribute("data-tip"));
  });
  function place(x, y) {
    var w = tooltip.offsetWidth, h = tooltip.offsetHeight;
    var left = Math.min(x + 14, window.innerWidth - w - 6), top = y + 16;
    if (top + h > window.innerHeight - 6) { top = y - h - 12; }
    tooltip.style.left = Math.max(left, 6) + "px";
    tooltip.style.top = Math.max(top, 6) + "px";
  }
  function show(target, x, y) {
    if (active && active !== target) { active.classList.remove("active"); }
    active = target;
    target.classList.add("active");
    tooltip.textContent = target.getAttribute("data-tip");
    tooltip.hidden = false;
    place(x, y);
  }
  function hide() {
    if (active) { active.classList.remove("active"); active = null; }
    tooltip.hidden = true;
  }
  document.addEventListener("pointerover", function (e) {
    var t = e.target.closest ? e.target.closest("[data-tip]") : null;
    if (t) { show(t, e.clientX, e.clientY); }
  });
  document.addEventListener("pointermove", function (e) {
    if (active) { place(e.clientX, e.clientY); }
  });
  document.addEventListener("pointerout", function (e) {
    var t = e.target.closest ? e.target.closest("[data-tip]") : null;
    if (t && t === active) { hide(); }
  });
  window.addEventListener("scroll", hide, { passive: true });

  /* ---- sortable tables ---- */
  function cellValue(cell) {
    var key = cell.getAttribute("data-sort");
    if (key !== null && key !== "") { return parseFloat(key); }
    var text = cell.textContent.trim().replace(new RegExp(MINUS, "g"), "-").replace(/[,$]/g, "");
    var m = text.match(/^[+-]?\d+(\.\d+)?/);
    return m ? parseFloat(m[0]) : text.toLowerCase();
  }
  function sortBy(table, column, th) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    rows.sort(function (a, b) {
      var x = cellValue(a.cells[column]), y = cellValue(b.cells[column]);
      var cmp;
      if (typeof x === "number" && typeof y === "number") { cmp = x - y; }
      else { cmp = String(x).localeCompare(String(y)); }
      return ascending ? cmp : -cmp;
    });
    rows.forEach(function (r) { body.appendChild(r); });
    Array.prototype.forEach.call(th.parentNode.cells, function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
  }
  Array.prototype.forEach.call(document.querySelectorAll("table.sortable"), function (table) {
    var head = table.tHead.rows[table.tHead.rows.length - 1];
    Array.prototype.forEach.call(head.cells, function (th, column) {
      th.classList.add("sortable-th");
      th.tabIndex = 0;
      th.setAttribute("aria-sort", "none");
      th.title = "Sort by this column";
      th.addEventListener("click", function () { sortBy(table, column, th); });
      th.addEventListener("keydown", function (e) {
        if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sortBy(table, column, th); }
      });
    });
  });

  /* ---- scroll cues: a wide table or chart says it scrolls ---- */
  function cues() {
    Array.prototype.forEach.call(document.querySelectorAll(".scroll"), function (d) {
      var over = d.scrollWidth > d.clientWidth + 2;
      d.classList.toggle("overflowing", over);
      d.classList.toggle("at-end", over && d.scrollLeft + d.clientWidth >= d.scrollWidth - 2);
    });
  }
  Array.prototype.forEach.call(document.querySelectorAll(".scroll"), function (d) {
    d.addEventListener("scroll", function () {
      d.classList.toggle("at-end", d.scrollLeft + d.clientWidth >= d.scrollWidth - 2);
    }, { passive: true });
  });
  window.addEventListener("resize", cues);
  cues();

  /* ---- the explorer ---- */
  var source = document.getElementById("explorer-data");
  if (!source) { return; }
  var data = JSON.parse(source.textContent);
  var cells = {};
  data.cells.forEach(function (c) { cells[c.holder + "|" + c.sale_bn + "|" + c.sale_months] = c; });
  var holder = document.getElementById("ex-holder");
  var size = document.getElementById("ex-size");
  var months = document.getElementById("ex-months");
  var message = document.getElementById("ex-message");
  function num(v, digits, sign) {
    if (v === null || v === undefined || !isFinite(v)) { return "n/a"; }
    var r = Math.abs(v) < 0.5 * Math.pow(10, -digits) ? 0 : v;
    var text = Math.abs(r).toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
    if (r < 0) { return MINUS + text; }
    return (sign && r > 0 ? "+" : "") + text;
  }
  function money(v) {
    var t = num(Math.abs(v), 0, false);
    if (t === "n/a") { return t; }
    var r = Math.abs(v) < 0.5 ? 0 : v;
    return (r < 0 ? MINUS : (r > 0 ? "+" : "")) + "$" + t + "bn";
  }
  function band(b, fmt, digits) {
    var mid = "median" in b ? b.median : b.central;
    var lo = "median" in b ? b.p05 : b.low;
    var hi = "median" in b ? b.p95 : b.high;
    return fmt(mid) + " (" + num(lo, digits, true) + " to " + num(hi, digits, true) + ")";
  }
  function bp(v) { return num(v, 1, true); }
  function set(id, text) { document.getElementById(id).textContent = text; }
  function fill(pattern, values) {
    return pattern.replace(/\{(\w+)\}/g, function (_, k) { return values[k]; });
  }
  function update() {
    var option = holder.options[holder.selectedIndex];
    var held = parseFloat(option.getAttribute("data-holdings"));
    Array.prototype.forEach.call(size.options, function (o) { o.disabled = parseFloat(o.value) > held; });
    var cell = cells[holder.value + "|" + parseFloat(size.value) + "|" + parseInt(months.value, 10)];
    var ids = ["ex-post-at_24", "ex-lit-at_24", "ex-post-lasting", "ex-lit-lasting", "ex-post-cost", "ex-lit-cost"];
    var name = "";
    data.holders.forEach(function (h) { if (h.holder === holder.value) { name = h.label; } });
    var sizeText = "$" + num(parseFloat(size.value), 0, false) + "bn";
    if (!cell) {
      ids.forEach(function (id) { set(id, "\u2013"); });
      message.textContent = fill(data.messages.too_big, { size: sizeText, holder: name,
        held: "$" + num(held, 0, false) + "bn" });
      return;
    }
    var n = cell.sale_months;
    message.textContent = fill(data.messages.plan, { holder: name, size: sizeText,
      months: n + " month" + (n === 1 ? "" : "s"), start: data.start_text });
    var p = cell.posterior, l = cell.literature;
    (p.warnings || []).forEach(function (w) {
      message.textContent += fill(data.messages.warning, { text: w.replace(/-(?=\d)/g, MINUS) });
    });
    set("ex-post-at_24", band(p.moves_bp["10y"].at_24_months, bp, 1));
    set("ex-lit-at_24", band(l.moves_bp["10y"].at_24_months, bp, 1));
    set("ex-post-lasting", band(p.moves_bp["10y"].lasting, bp, 1));
    set("ex-lit-lasting", band(l.moves_bp["10y"].lasting, bp, 1));
    set("ex-post-cost", band(p.interest_cost_bn["10yr"], money, 0));
    set("ex-lit-cost", band(l.interest_cost_bn["10yr"], money, 0));
    cues();
  }
  [holder, size, months].forEach(function (el) { el.addEventListener("change", update); });
  update();
})();
