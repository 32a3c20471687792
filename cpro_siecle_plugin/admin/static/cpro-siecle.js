/* « Importation SIECLE »: search, class filter, sort and pages for long lists.
 * Each [data-cpro-list] holds an optional search field ([data-cpro-search]), an optional class
 * filter ([data-cpro-class]), tables whose rows may carry data-class, and either
 * details[data-class] groups (one per class) or a single table paged 50 rows at a time.
 * No library, nothing fetched: the rows are all in the page, the script only hides some. */
(function () {
  "use strict";
  var PAGE = 50;
  var collator = new Intl.Collator("fr", {numeric: true, sensitivity: "base"});
  function fold(text) {
    return text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase()
      .replace(/œ/g, "oe").replace(/æ/g, "ae");
  }
  function number(n) { return n.toLocaleString("fr-FR"); }

  function List(box) {
    this.box = box;
    this.search = box.querySelector("[data-cpro-search]");
    this.select = box.querySelector("[data-cpro-class]");
    this.count = box.querySelector("[data-cpro-count]");
    this.groups = Array.prototype.slice.call(box.querySelectorAll("details[data-class]"));
    this.pager = box.querySelector("[data-cpro-pager]");
    this.page = 0;
    this.rows = Array.prototype.slice.call(box.querySelectorAll("tbody tr"));
    this.rows.forEach(function (row) { row.cproText = fold(row.textContent); });
    var self = this;
    if (this.search) { this.search.addEventListener("input", function () { self.page = 0; self.apply(); }); }
    if (this.select) { this.select.addEventListener("change", function () { self.page = 0; self.apply(); }); }
    if (this.pager) {
      this.pager.querySelector("[data-cpro-prev]").addEventListener("click", function () { self.page -= 1; self.apply(); });
      this.pager.querySelector("[data-cpro-next]").addEventListener("click", function () { self.page += 1; self.apply(); });
    }
    box.querySelectorAll("th[data-sortable]").forEach(function (th) {
      var button = document.createElement("button");
      button.type = "button"; button.className = "cpro-sort"; button.textContent = th.textContent;
      th.textContent = ""; th.appendChild(button); th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () { self.sort(th); });
    });
    this.apply();
    this.reveal(window.location.hash.slice(1));
  }

  List.prototype.reveal = function (id) {
    /* Back from a row's action (#row-…): its page shown or its class opened, the row in view. */
    var row = id ? document.getElementById(id) : null;
    var at = this.rows.indexOf(row);
    if (at === -1) { return; }
    if (!this.groups.length) {
      this.page = Math.floor(this.rows.filter(function (r) { return r.cproMatch; }).indexOf(row) / PAGE);
      this.apply();
    }
    for (var box = row.parentElement; box; box = box.parentElement) {
      if (box.tagName === "DETAILS") { box.open = true; }
    }
    row.classList.add("cpro-target");
    /* The action's message (a new password, shown once) stays in sight above the row. */
    document.querySelectorAll(".cpro-flash").forEach(function (flash) { flash.classList.add("cpro-stuck"); });
    row.scrollIntoView({block: "center"});
    /* The browser's own scroll to the #fragment (top of the window, under the stuck message)
     * may come after this script, at load: centre the row again then. */
    window.addEventListener("load", function () { row.scrollIntoView({block: "center"}); }, {once: true});
  };

  List.prototype.matches = function (row) {
    var query = this.search ? fold(this.search.value.trim()) : "";
    var division = this.select ? this.select.value : "";
    return (!query || row.cproText.indexOf(query) !== -1)
      && (!division || row.dataset.class === division);
  };

  List.prototype.apply = function () {
    var self = this, shown = [];
    this.rows.forEach(function (row) { row.cproMatch = self.matches(row); if (row.cproMatch) { shown.push(row); } });
    var filtering = (this.search && this.search.value.trim()) || (this.select && this.select.value);
    if (this.groups.length) {
      this.rows.forEach(function (row) { row.hidden = !row.cproMatch; });
      this.groups.forEach(function (group) {
        var visible = group.querySelectorAll("tbody tr:not([hidden])").length;
        group.hidden = visible === 0;
        if (filtering) { group.open = visible > 0 && shown.length <= 200; }
      });
    } else {
      var pages = Math.max(1, Math.ceil(shown.length / PAGE));
      this.page = Math.min(Math.max(this.page, 0), pages - 1);
      var first = this.page * PAGE, last = Math.min(first + PAGE, shown.length);
      this.rows.forEach(function (row) { row.hidden = true; });
      shown.slice(first, last).forEach(function (row) { row.hidden = false; });
      if (this.pager) {
        this.pager.hidden = shown.length <= PAGE;
        this.pager.querySelector("[data-cpro-page]").textContent =
          "Lignes " + number(shown.length ? first + 1 : 0) + " à " + number(last) + " sur " + number(shown.length);
        this.pager.querySelector("[data-cpro-prev]").disabled = this.page === 0;
        this.pager.querySelector("[data-cpro-next]").disabled = this.page >= pages - 1;
      }
    }
    if (this.count) {
      var total = this.rows.length;
      this.count.textContent = shown.length === total
        ? number(total) + (total > 1 ? " lignes" : " ligne")
        : number(shown.length) + " sur " + number(total) + (total > 1 ? " lignes" : " ligne");
    }
  };

  List.prototype.sort = function (th) {
    var table = th.closest("table"), index = th.cellIndex;
    var ascending = th.getAttribute("aria-sort") !== "ascending";
    table.querySelectorAll("th[data-sortable]").forEach(function (other) { other.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
    Array.prototype.forEach.call(table.tBodies, function (body) {
      var rows = Array.prototype.slice.call(body.rows);
      rows.sort(function (a, b) {
        var x = a.cells[index], y = b.cells[index];
        var kx = x.dataset.sort !== undefined ? Number(x.dataset.sort) : null;
        var ky = y.dataset.sort !== undefined ? Number(y.dataset.sort) : null;
        var order = kx !== null && ky !== null ? kx - ky : collator.compare(x.textContent.trim(), y.textContent.trim());
        return ascending ? order : -order;
      });
      rows.forEach(function (row) { body.appendChild(row); });
    });
    this.rows = Array.prototype.slice.call(this.box.querySelectorAll("tbody tr"));
    this.apply();
  };

  document.querySelectorAll("[data-cpro-list]").forEach(function (box) { box.cproList = new List(box); });
})();
