/* Engage count badges for listing pages: fills every [data-engage-count] element with the
   article's published comment count and/or its rating, with one request per 100 articles of a
   site (the counts API's limit), however many badges there are.  No dependencies, no cookies.
   Attributes: data-engage-count = "comments" (default) | "rating" | "both",
   data-engage-article (the article key), data-engage-site (or on the <script> tag),
   data-engage-lang ("vi" | "en"; default the page's <html lang>). */
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = script ? new URL(script.src, location.href).origin : location.origin;
  var defaultSite = script && script.getAttribute("data-engage-site");
  var BATCH = 100;
  var WORDS = {
    vi: { one: "bình luận", many: "bình luận", vote: "lượt đánh giá", votes: "lượt đánh giá", dec: "," },
    en: { one: "comment", many: "comments", vote: "vote", votes: "votes", dec: "." }
  };

  function lang(el) {
    var l = (el.getAttribute("data-engage-lang") || document.documentElement.lang || "vi").slice(0, 2);
    return WORDS[l] ? l : "vi";
  }

  function fill(el, counts) {
    var w = WORDS[lang(el)];
    var kind = el.getAttribute("data-engage-count") || "comments";
    var n = counts.comments, r = counts.rating, parts = [];
    if (kind !== "rating") parts.push(n + " " + (n === 1 ? w.one : w.many));
    if (kind !== "comments" && r.count > 0) {
      parts.push(Number(r.average).toFixed(1).replace(".", w.dec) + "★ (" + r.count + " " +
                 (r.count === 1 ? w.vote : w.votes) + ")");
    }
    el.textContent = parts.join(" · ");
    el.setAttribute("data-engage-filled", "1");
  }

  function run() {
    var nodes = document.querySelectorAll("[data-engage-count][data-engage-article]");
    var bySite = {};
    for (var i = 0; i < nodes.length; i++) {
      var el = nodes[i];
      var site = el.getAttribute("data-engage-site") || defaultSite;
      if (!site || el.getAttribute("data-engage-filled")) continue;
      var key = el.getAttribute("data-engage-article");
      var group = bySite[site] || (bySite[site] = { keys: [], els: {} });
      if (!group.els[key]) { group.els[key] = []; group.keys.push(key); }
      group.els[key].push(el);
    }
    Object.keys(bySite).forEach(function (site) {
      var group = bySite[site];
      for (var start = 0; start < group.keys.length; start += BATCH) {
        request(site, group.keys.slice(start, start + BATCH), group.els);
      }
    });
  }

  function request(site, keys, els) {
    var url = origin + "/api/v1/sites/" + encodeURIComponent(site) + "/counts?articles=" +
      keys.map(encodeURIComponent).join(",");
    fetch(url, { credentials: "omit", headers: { Accept: "application/json" } })
      .then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); })
      .then(function (data) {
        keys.forEach(function (key) {
          var counts = data.articles[key];
          if (counts) els[key].forEach(function (el) { fill(el, counts); });
        });
      })["catch"](function () { /* badges keep their fallback text */ });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", run);
  else run();
  window.EngageCount = { refresh: run };  /* for pages that add articles later */
})();
