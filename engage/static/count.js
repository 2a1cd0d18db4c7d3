/* Engage count badges for listing pages: fills every [data-engage-count] element with the
   article's published comment count and/or its rating, with one request per 100 articles of a
   site (the counts API's limit), however many badges there are; long article keys split a
   batch further so that no request target passes MAX_TARGET characters.  No dependencies, no
   cookies.
   Attributes: data-engage-count = "comments" (default) | "rating" | "both",
   data-engage-article (the article key), data-engage-site (or on the <script> tag),
   data-engage-lang ("vi" | "en"; default the page's <html lang>). */
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = script ? new URL(script.src, location.href).origin : location.origin;
  var defaultSite = script && script.getAttribute("data-engage-site");
  var BATCH = 100;
  /* Path + query of one counts request, at most: gunicorn refuses a request line over 4,094
     bytes ("414 URI Too Long", its limit_request_line default) and 100 keys of up to 200
     characters would be 20,000. */
  var MAX_TARGET = 3800;
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
      batches(site, group.keys).forEach(function (keys) { request(site, keys, group.els); });
    });
  }

  function target(site) {
    return "/api/v1/sites/" + encodeURIComponent(site) + "/counts?articles=";
  }

  /* The keys in order, in groups of at most BATCH whose request target fits MAX_TARGET (a
     group always takes its first key: one key of 200 characters is far below the limit). */
  function batches(site, keys) {
    var out = [], group = [], size = target(site).length;
    keys.forEach(function (key) {
      var len = encodeURIComponent(key).length + 1;  /* and its comma */
      if (group.length && (group.length === BATCH || size + len > MAX_TARGET + 1)) {
        out.push(group);
        group = [];
        size = target(site).length;
      }
      group.push(key);
      size += len;
    });
    if (group.length) out.push(group);
    return out;
  }

  function request(site, keys, els) {
    var url = origin + target(site) + keys.map(encodeURIComponent).join(",");
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
