/* Engage embed: turns every [data-engage-site][data-engage-article] (or [data-engage-url])
   element into a lazy-loaded iframe served by Engage, and sizes it from the iframe's
   postMessage reports.  No dependencies, no cookies, no third-party requests.
   Attributes: data-engage-site (required), data-engage-article (CMS id) or data-engage-url
   (the article's address), data-engage-mode ("rating" | "comments"; default both),
   data-engage-lang ("vi" | "en"), data-engage-title (the iframe's accessible name). */
(function () {
  "use strict";
  if (window.__engageEmbed) return;  /* the snippet pasted twice on one page */
  window.__engageEmbed = true;
  var script = document.currentScript;
  var origin = script ? new URL(script.src, location.href).origin : location.origin;
  var SELECTOR = "[data-engage-site][data-engage-article],[data-engage-site][data-engage-url]";
  var frames = [];

  function query(params) {
    var out = [];
    for (var k in params) if (params[k]) out.push(k + "=" + encodeURIComponent(params[k]));
    return out.length ? "?" + out.join("&") : "";
  }

  function mount(el) {
    if (el.getAttribute("data-engage-mounted")) return;
    var site = el.getAttribute("data-engage-site");
    var article = el.getAttribute("data-engage-article");
    var url = el.getAttribute("data-engage-url");
    if (!site || !(article || url)) return;
    el.setAttribute("data-engage-mounted", "1");
    var mode = el.getAttribute("data-engage-mode");
    var params = { lang: el.getAttribute("data-engage-lang"),
                   mode: mode === "rating" || mode === "comments" ? mode : "" };
    var path = "/widget/" + encodeURIComponent(site) + "/" + encodeURIComponent(article || "");
    if (!article) { path = "/widget-url/" + encodeURIComponent(site); params.url = new URL(url, location.href).href; }
    var frame = document.createElement("iframe");
    frame.src = origin + path + query(params);
    frame.title = el.getAttribute("data-engage-title") ||
      (params.lang === "en" ? "Ratings and comments" : "Đánh giá và bình luận");
    frame.loading = "lazy";
    frame.style.cssText = "width:100%;border:0;overflow:hidden;display:block;min-height:" +
      (params.mode === "rating" ? 200 : 320) + "px";
    frame.setAttribute("scrolling", "no");
    el.appendChild(frame);
    frames.push(frame);
  }

  function scan(root) {
    if (root.matches && root.matches(SELECTOR)) mount(root);
    var nodes = root.querySelectorAll ? root.querySelectorAll(SELECTOR) : [];
    for (var i = 0; i < nodes.length; i++) mount(nodes[i]);
  }

  /* Only messages from Engage's own origin, and only from one of our iframes, move a height. */
  window.addEventListener("message", function (event) {
    var data = event.data;
    if (event.origin !== origin || !data || data.type !== "engage:resize") return;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        var h = Math.max(0, Math.min(100000, Math.ceil(Number(data.height) || 0)));
        frames[i].style.height = h + "px";
        frames[i].style.minHeight = "0";
      }
    }
  });

  scan(document);
  /* Single-page news sites insert articles after load: mount the widgets they bring. */
  if (window.MutationObserver) {
    new MutationObserver(function (records) {
      for (var r = 0; r < records.length; r++) {
        var added = records[r].addedNodes;
        for (var i = 0; i < added.length; i++) if (added[i].nodeType === 1) scan(added[i]);
      }
    }).observe(document.documentElement, { childList: true, subtree: true });
  }
})();
