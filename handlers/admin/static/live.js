// The nav's live counts: every few seconds ask /admin/counts what is waiting and update the badges, so a
// new live chat or request shows without a reload. A page that lists what changed offers a refresh link.
// On a wide screen the nav's menu starts open.
(function () {
  "use strict";
  var EVERY = 5000;
  function update(counts) {
    document.querySelectorAll("[data-count]").forEach(function (badge) {
      var value = counts[badge.getAttribute("data-count")];
      if (value === undefined || value === null) return;
      badge.textContent = String(value);
      badge.hidden = value === 0;
    });
    document.querySelectorAll("[data-refresh-on]").forEach(function (notice) {
      var value = counts[notice.getAttribute("data-refresh-on")];
      if (value !== undefined && value !== null && String(value) !== notice.getAttribute("data-seen")) {
        notice.hidden = false;  // this list changed: offer to show it again
      }
    });
  }
  function poll() {
    fetch("/admin/counts", { credentials: "same-origin", cache: "no-store" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (counts) { if (counts) update(counts); })
      .catch(function () { /* offline for a moment: the next poll tries again */ })
      .then(function () { setTimeout(poll, EVERY); });
  }
  setTimeout(poll, EVERY);
  var menu = document.querySelector("details.menu");
  if (menu && window.matchMedia("(min-width: 900px)").matches) menu.open = true;  // no ::details-content
})();
