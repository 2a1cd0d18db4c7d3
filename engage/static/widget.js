/* Engage widget: enhances the server-rendered iframe page (rating, posting, replies, sorting, load
   more).  Reader actions on comments (like, report, edit, delete) live in widget-actions.js, which
   uses what this file shares on window.Engage. */
(function () {
  "use strict";
  var cfg = JSON.parse(document.getElementById("engage-config").textContent);
  var M = cfg.messages;
  var TOKEN_KEY = "engage:reader";
  var loadedAt = performance.now();  /* form age, for the moderation pipeline's bot check */
  var memoryToken = null;
  var Engage = window.Engage = { onComment: [] };  /* hooks run on every comment node rendered */

  function $(role, root) { return (root || document).querySelector('[data-role="' + role + '"]'); }
  function fill(template, key, value) { return template.replace("{" + key + "}", value); }
  function formatAverage(value) {
    var text = Number(value).toFixed(1);
    return cfg.locale.indexOf("vi") === 0 ? text.replace(".", ",") : text;
  }

  function storedToken() {
    try { return window.localStorage.getItem(TOKEN_KEY); } catch (e) { return memoryToken; }
  }
  function storeToken(token) {
    memoryToken = token;
    try { if (token) window.localStorage.setItem(TOKEN_KEY, token); else window.localStorage.removeItem(TOKEN_KEY); } catch (e) { /* storage blocked: keep in memory */ }
  }
  function readerToken() {
    var token = storedToken();
    if (token) return Promise.resolve(token);
    return fetch(cfg.readersUrl, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" })
      .then(function (r) {
        return r.json().then(function (body) {
          if (!r.ok) { var err = new Error("api"); err.body = body; err.status = r.status; throw err; }
          return body;
        });
      })
      .then(function (body) { storeToken(body.token); return body.token; });
  }

  /* Call the API with the reader token (and any extra headers); a refused token is replaced once. */
  function api(method, path, body, extra, retried) {
    return readerToken().then(function (token) {
      var init = { method: method, headers: { "X-Engage-Reader": token, "Accept": "application/json" } };
      Object.keys(extra || {}).forEach(function (k) { init.headers[k] = extra[k]; });
      if (body !== undefined) { init.headers["Content-Type"] = "application/json"; init.body = JSON.stringify(body); }
      /* ?lang: error messages in the widget's language (the API defaults to Vietnamese) */
      var url = cfg.apiBase + path + (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + encodeURIComponent(cfg.locale);
      return fetch(url, init).then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (r.status === 401 && !retried) { storeToken(null); return api(method, path, body, extra, true); }
          if (!r.ok) { var err = new Error("api"); err.body = data; err.status = r.status; throw err; }
          if (method !== "GET") noteWrite();
          return data;
        });
      });
    });
  }
  /* This page is cached publicly (max-age + stale-while-revalidate), the same for every reader:
     after their own write, a reload would show it from before (their vote missing from the
     totals beside "you rated n/5"; new-user review).  So each write is noted, per article, and a
     load within that cache time reads the article again past the cache (reloadThread). */
  var WROTE_KEY = "engage:wrote", ARTICLE_ID = cfg.site + "/" + cfg.article;
  function writes() {
    try { return JSON.parse(window.localStorage.getItem(WROTE_KEY)) || {}; } catch (e) { return {}; }
  }
  function noteWrite() {
    var now = Date.now(), all = writes(), kept = {};
    Object.keys(all).forEach(function (k) { if (now - all[k] < cfg.live.staleS * 1000) kept[k] = all[k]; });
    kept[ARTICLE_ID] = now;
    try { window.localStorage.setItem(WROTE_KEY, JSON.stringify(kept)); } catch (e) { /* storage blocked */ }
  }
  function wroteRecently() {
    var at = writes()[ARTICLE_ID];
    return typeof at === "number" && Date.now() - at < cfg.live.staleS * 1000;
  }
  function errorText(err) {
    return (err && err.body && err.body.error && err.body.error.message) || M.network;
  }

  /* ---- rating (absent in the comments-only mode) ---- */
  function showSummary(rating) {
    if (!$("summary-empty")) return;
    $("summary-empty").hidden = rating.count > 0;
    $("summary-filled").hidden = rating.count === 0;
    if (rating.count > 0) {
      $("average").textContent = formatAverage(rating.average);
      $("count").textContent = String(rating.count);
      $("count-unit").textContent = rating.count === 1 ? M.votesOne : M.votesMany;  /* vi: one form */
    }
    var bars = document.querySelectorAll('[data-role="bar"]');
    for (var i = 0; i < bars.length; i++) {
      var n = rating.distribution[bars[i].getAttribute("data-stars")];
      bars[i].max = rating.count || 1; bars[i].value = n;
      $("bin", bars[i].parentNode).textContent = String(n);
    }
  }
  function markMine(stars) {
    if (!stars || !$("rating-status")) return;
    var input = document.getElementById("engage-star-" + stars);
    if (input) input.checked = true;
    $("rating-status").textContent = fill(M.yourVote, "n", stars);
  }
  var rateForm = $("rate-form");
  if (rateForm) rateForm.addEventListener("submit", function (event) {
    event.preventDefault();
    var chosen = rateForm.querySelector('input[name="stars"]:checked');
    if (!chosen) { $("rating-status").textContent = M.chooseStars; return; }
    api("PUT", "/rating", { stars: Number(chosen.value) }).then(function (data) {
      showSummary(data.rating);
      $("rating-status").textContent = fill(M.ratingSaved, "n", data.mine);
    }, function (err) { $("rating-status").textContent = errorText(err); });
  });
  /* The reader's own vote comes with their likes and editable comments (widget-actions.js: GET /me). */

  /* ---- comments ---- */
  var form = $("comment-form");
  var parentId = null;
  /* The last body sent and its Idempotency-Key: sending the same comment again (after a lost
     answer) reuses both, so the server answers with the first comment instead of a second. */
  var lastSent = null;
  function newKey() {
    if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
    return String(Date.now()) + "-" + String(Math.random()).slice(2);
  }
  /* The text as the server counts it (engage/domain/text/normalize.py): newlines unified, TAB
     as a space, controls, bidi controls and zero-width characters removed, NFC, lines
     right-trimmed, outer blank lines dropped, blank runs collapsed; then code points. */
  var INVISIBLE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c\u200b\u200c\u2060\ufeff\u180e\u00ad]/g;
  function serverLength(text) {
    var t = text.replace(/\r\n|[\r\u000b\u000c\u0085\u2028\u2029]/g, "\n").replace(/\t/g, " ")
      .replace(INVISIBLE, "").normalize("NFC");
    t = t.split("\n").map(function (line) { return line.replace(/\s+$/, ""); }).join("\n")
      .replace(/^\n+|\n+$/g, "").replace(/\n{3,}/g, "\n\n");
    return Array.from(t).length;
  }
  function counter() {
    var textarea = document.getElementById("engage-text");
    var used = serverLength(textarea.value);
    var left = cfg.maxChars - used;
    $("counter").textContent = left >= 0 ? fill(M.charsLeft, "n", left) : fill(M.charsOver, "n", -left);
    $("counter").classList.toggle("engage-over", left < 0);
  }
  if (form) {
    var textarea = document.getElementById("engage-text");
    textarea.addEventListener("input", counter);
    counter();
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var status = $("comment-status");
      var email = form.elements.email ? form.elements.email.value.trim() : "";
      var draft = [form.elements.author_name.value, textarea.value, form.elements.website.value, parentId, email];
      if (!lastSent || JSON.stringify(lastSent.draft) !== JSON.stringify(draft)) {
        var body = { author_name: draft[0], text: draft[1], website: draft[2],
                     elapsed_ms: Math.round(performance.now() - loadedAt) };
        if (parentId) body.parent_id = parentId;
        if (email) body.email = email;  /* reply notices: confirmed by mail first, never shown */
        lastSent = { draft: draft, body: body, key: newKey() };
      }
      var button = form.querySelector('button[type="submit"]');
      button.disabled = true;
      api("POST", "/comments", lastSent.body, { "Idempotency-Key": lastSent.key }).then(function (data) {
        lastSent = null;
        textarea.value = ""; counter(); setReply(null);
        status.textContent = data.status === "approved" ? M.published : M.pending;
        if (Engage.loadState) Engage.loadState();
        /* published at once: shown through the live thread, so it is never offered as "new" */
        if (data.status === "approved") { if (Engage.live && Engage.live.catchUp) Engage.live.catchUp(); else reloadThread(); }
      }, function (err) {
        status.textContent = errorText(err);  /* the typed text stays in the form */
      }).then(function () { button.disabled = false; });
    });
    $("cancel-reply").addEventListener("click", function () { setReply(null); });
  }
  function setReply(button) {
    parentId = button ? Number(button.getAttribute("data-id")) : null;
    $("replying").hidden = !button;
    if (button) {
      $("replying-text").textContent = fill(M.replyingTo, "name", button.getAttribute("data-name"));
      document.getElementById("engage-text").focus();
    }
  }
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest('[data-role="reply"]') : null;
    if (target && form) setReply(target);
    var more = event.target.closest ? event.target.closest('[data-role="more-replies"]') : null;
    if (more) loadMoreReplies(more);
  });

  function linkButton(role, id, label) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "engage-link"; b.textContent = label;
    b.setAttribute("data-role", role); b.setAttribute("data-id", id);
    return b;
  }
  function commentBody(c) {
    var art = document.createElement("article"); art.className = "engage-comment-body";
    if (c.placeholder || c.deleted) {  /* kept as a placeholder above its published replies */
      var gone = document.createElement("p"); gone.className = "engage-deleted";
      gone.textContent = {pending: M.placeholderPending, hidden: M.placeholderHidden}[c.placeholder]
        || M.deleted;
      art.appendChild(gone);
      return art;
    }
    var header = document.createElement("header");
    var author = document.createElement("bdi"); author.className = "engage-author"; author.textContent = c.author_name;
    var time = document.createElement("time"); time.dateTime = c.created_at; time.textContent = formatTime(c.created_at);
    header.appendChild(author); header.appendChild(document.createTextNode(" ")); header.appendChild(time);
    if (c.edited) {
      var edited = document.createElement("span"); edited.className = "engage-edited"; edited.textContent = M.edited;
      header.appendChild(document.createTextNode(" ")); header.appendChild(edited);
    }
    var text = document.createElement("div"); text.className = "engage-text";
    text.innerHTML = c.html;  /* sanitized by the server (allowlist p, br, a) */
    var actions = document.createElement("div"); actions.className = "engage-actions"; actions.setAttribute("data-role", "actions");
    var like = linkButton("like", c.id, M.like + " ");
    like.classList.add("engage-like"); like.setAttribute("aria-pressed", "false");
    var count = document.createElement("span"); count.className = "engage-like-count";
    count.setAttribute("data-role", "like-count"); count.textContent = String(c.like_count || 0);
    like.appendChild(count); actions.appendChild(like);
    if (!c.parent_id) {
      var reply = linkButton("reply", c.id, M.reply); reply.setAttribute("data-name", c.author_name);
      actions.appendChild(reply);
    }
    var report = linkButton("report", c.id, M.report); report.setAttribute("aria-expanded", "false");
    actions.appendChild(report);
    art.appendChild(header); art.appendChild(text); art.appendChild(actions);
    return art;
  }
  function commentNode(c) {
    var li = document.createElement("li");
    li.className = "engage-comment" + (c.parent_id ? " engage-reply" : "");
    li.setAttribute("data-id", c.id); li.setAttribute("data-created", c.created_at);
    li.appendChild(commentBody(c));
    Engage.onComment.forEach(function (hook) { hook(li); });
    if (!c.parent_id) {
      var ol = document.createElement("ol"); ol.className = "engage-replies";
      (c.replies || []).forEach(function (r) { ol.appendChild(commentNode(r)); });
      li.appendChild(ol);
      if (c.replies_cursor) {
        li.appendChild(moreRepliesButton(c.id, c.replies_cursor, c.reply_count - c.replies.length));
      }
    }
    return li;
  }
  function moreRepliesButton(parent, cursor, left) {
    var b = document.createElement("button");
    b.type = "button"; b.className = "engage-link engage-more-replies";
    b.setAttribute("data-role", "more-replies"); b.setAttribute("data-parent", parent);
    b.setAttribute("data-cursor", cursor); b.textContent = fill(M.moreReplies, "n", left);
    return b;
  }
  function loadMoreReplies(button) {
    var parent = button.getAttribute("data-parent");
    var url = cfg.apiBase + "/comments?parent=" + encodeURIComponent(parent) +
      "&cursor=" + encodeURIComponent(button.getAttribute("data-cursor"));
    button.disabled = true;
    fetch(url, { headers: { "Accept": "application/json" } }).then(function (r) { return r.json(); })
      .then(function (data) {
        var list = button.parentNode.querySelector(".engage-replies");
        data.comments.forEach(function (r) { if (!shown(r.id)) list.appendChild(commentNode(r)); });
        if (data.next_cursor) { button.setAttribute("data-cursor", data.next_cursor); button.disabled = false; }
        else { button.remove(); }
      }, function () { button.disabled = false; });
  }
  function shown(id) { return Boolean(document.querySelector('.engage-comment[data-id="' + id + '"]')); }
  function formatTime(iso) {
    var d = new Date(iso);
    var parts = new Intl.DateTimeFormat("en-GB", { timeZone: cfg.timezone, day: "2-digit", month: "2-digit",
      year: "numeric", hour: "2-digit", minute: "2-digit", hour12: false }).formatToParts(d);
    var p = {}; parts.forEach(function (x) { p[x.type] = x.value; });
    return p.day + "/" + p.month + "/" + p.year + " " + p.hour + ":" + p.minute;
  }
  function render(comments, cursor, append) {
    var thread = $("thread");
    if (!append) thread.textContent = "";
    /* a comment the live thread inserted may come again with a later page */
    comments.forEach(function (c) { if (!append || !shown(c.id)) thread.appendChild(commentNode(c)); });
    var empty = $("empty"); if (empty) empty.hidden = thread.children.length > 0;
    var more = $("more");
    if (cursor) {
      if (!more) {
        more = document.createElement("button"); more.type = "button"; more.className = "engage-button engage-more";
        more.setAttribute("data-role", "more"); more.textContent = M.loadMore;
        thread.parentNode.appendChild(more);
        more.addEventListener("click", loadMore);
      }
      more.setAttribute("data-cursor", cursor); more.hidden = false;
    } else if (more) { more.hidden = true; }
  }
  function reloadThread() {
    fetch(cfg.apiBase + "?sort=" + encodeURIComponent(cfg.sort), { headers: { "Accept": "application/json" }, cache: "no-cache" })
      .then(function (r) { return r.json(); })
      .then(function (data) {
        if ($("thread")) render(data.comments, data.next_cursor, false);
        if ($("comment-count")) $("comment-count").textContent = String(data.comment_count);
        if (Engage.live && Engage.live.synced) Engage.live.synced(data.comment_count);
        showSummary(data.rating);
      });
  }
  function loadMore() {
    var more = $("more");
    fetch(cfg.apiBase + "/comments?sort=" + encodeURIComponent(cfg.sort) + "&cursor=" + encodeURIComponent(more.getAttribute("data-cursor")),
      { headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (data) { render(data.comments, data.next_cursor, true); });
  }
  var moreButton = $("more");
  if (moreButton) moreButton.addEventListener("click", loadMore);

  /* ---- sorting: the form works without JavaScript (GET ?sort=); with it, the thread reloads in place ---- */
  var sortForm = $("sort-form");
  if (sortForm) {
    $("sort-submit").hidden = true;
    $("sort").addEventListener("change", function () { cfg.sort = $("sort").value; reloadThread(); });
    sortForm.addEventListener("submit", function (event) { event.preventDefault(); cfg.sort = $("sort").value; reloadThread(); });
  }

  /* ---- shared with widget-actions.js ---- */
  if (wroteRecently()) reloadThread();

  Engage.cfg = cfg; Engage.M = M; Engage.api = api; Engage.$ = $; Engage.fill = fill;
  Engage.errorText = errorText; Engage.markMine = markMine; Engage.reloadThread = reloadThread;
  Engage.commentNode = commentNode; Engage.showSummary = showSummary;
  Engage.hasToken = function () { return Boolean(storedToken()); };
  Engage.token = storedToken; Engage.forgetToken = function () { storeToken(null); };

  /* ---- size: tell the embedding page our height ---- */
  /* The body's own height, not the document's scrollHeight: that is never less than the iframe's
     viewport, so once grown the iframe never shrank when the content got shorter. */
  function postHeight() {
    if (window.parent === window) return;
    var height = Math.ceil(document.body.getBoundingClientRect().height);
    window.parent.postMessage({ type: "engage:resize", height: height }, "*");
  }
  if (window.ResizeObserver) new ResizeObserver(postHeight).observe(document.body);
  window.addEventListener("load", postHeight);
  postHeight();
})();
