/* Engage embed: turns every [data-engage-site][data-engage-article] into a lazy iframe.
   No dependencies, no third-party requests. */
(function () {
  "use strict";
  var script = document.currentScript;
  var origin = script ? new URL(script.src, location.href).origin : location.origin;
  var frames = [];

  function mount(el) {
    if (el.getAttribute("data-engage-mounted")) return;
    var site = el.getAttribute("data-engage-site");
    var article = el.getAttribute("data-engage-article");
    if (!site || !article) return;
    el.setAttribute("data-engage-mounted", "1");
    var frame = document.createElement("iframe");
    var lang = el.getAttribute("data-engage-lang");
    frame.src = origin + "/widget/" + encodeURIComponent(site) + "/" +
      encodeURIComponent(article) + (lang ? "?lang=" + encodeURIComponent(lang) : "");
    frame.title = el.getAttribute("data-engage-title") || "Đánh giá và bình luận";
    frame.loading = "lazy";
    frame.style.cssText = "width:100%;border:0;overflow:hidden;min-height:320px;display:block";
    frame.setAttribute("scrolling", "no");
    el.appendChild(frame);
    frames.push(frame);
  }

  function scan(root) {
    var nodes = (root || document).querySelectorAll("[data-engage-site][data-engage-article]");
    for (var i = 0; i < nodes.length; i++) mount(nodes[i]);
  }

  window.addEventListener("message", function (event) {
    if (event.origin !== origin || !event.data || event.data.type !== "engage:resize") return;
    for (var i = 0; i < frames.length; i++) {
      if (frames[i].contentWindow === event.source) {
        var h = Math.max(0, Math.min(1000000, Math.ceil(Number(event.data.height) || 0)));
        frames[i].style.height = h + "px";
        frames[i].style.minHeight = "0";
      }
    }
  });

  scan(document);
  if (window.MutationObserver) {
    new MutationObserver(function () { scan(document); })
      .observe(document.documentElement, { childList: true, subtree: true });
  }
})();
