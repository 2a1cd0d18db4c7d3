/* Engage widget, live threads (issue #11): while the page is open, ask for the article's counts
   (a cacheable GET with If-None-Match, so an unchanged thread costs a 304) every cfg.live.pollS
   seconds; twice as long after each poll while the tab is hidden or after an error, up to
   cfg.live.maxS; at once when the tab shows again; never sooner than a Retry-After.  When the
   published count grows, a button in a polite live region offers "N bình luận mới"; pressing it
   fetches only the comments published since the page's cursor (…/comments?since=) and inserts
   them where the thread's sort order puts them, without duplicates, replies under their parent.
   Nothing is held open on the server.  Uses window.Engage from widget.js. */
(function () {
  "use strict";
  var E = window.Engage;
  if (!E || !E.cfg.live || !E.$("thread")) return;
  var L = E.cfg.live, M = E.M;
  var button = E.$("new-comments"), countEl = E.$("comment-count");
  var MAX_FAILURES = 6;
  var base = L.pollS * 1000, cap = Math.max(L.maxS * 1000, base);
  var since = L.since, etag = null, baseline = countEl ? Number(countEl.textContent) || 0 : 0;
  var latest = baseline, failures = 0, timer = null, inFlight = false, fetching = null;
  /* Bumped whenever the thread is brought up to date: a poll sent before that carries an older
     count, which must not lower the baseline (and offer the reader's own comment as new). */
  var generation = 0;
  /* Read by tests and handy in devtools: the wait before the next poll, polls and 304s. */
  var state = E.live = { delay: base, polls: 0, unchanged: 0, stopped: base <= 0 };

  function schedule(ms) {
    clearTimeout(timer);
    state.delay = ms;
    timer = setTimeout(check, ms);
  }
  function retryAfterMs(r) {
    var value = r.headers.get("Retry-After");
    if (!value) return 0;
    var seconds = Number(value);
    if (!isNaN(seconds)) return Math.max(0, seconds * 1000);
    var when = Date.parse(value);
    return isNaN(when) ? 0 : Math.max(0, when - Date.now());
  }
  function showNotice() {
    var n = latest - baseline;
    button.hidden = n <= 0;
    if (n > 0) button.textContent = E.fill(n === 1 ? M.newOne : M.newMany, "n", n);
  }
  function counted(count) {
    latest = count;
    if (latest < baseline) baseline = latest;  /* removals: new comments after them still count */
    showNotice();
  }
  function check() {
    if (inFlight || state.stopped) return;
    inFlight = true;
    state.polls++;
    /* Our own validator (the browser cache stays out of it: no-store); and an answer as old as
       the public max-age is fine, so a CDN in front may answer (else the browser would send
       Cache-Control: no-cache, and every poll would reach Engage). */
    var headers = { "Accept": "application/json", "Cache-Control": "max-age=" + L.cacheS };
    if (etag) headers["If-None-Match"] = etag;
    var wait = 0, sent = generation;
    fetch(L.countsUrl, { headers: headers, cache: "no-store" }).then(function (r) {
      if (r.status === 304) { failures = 0; state.unchanged++; return; }
      if (!r.ok) {
        if (r.status === 429 || r.status === 503) wait = retryAfterMs(r);
        throw new Error("poll " + r.status);
      }
      return r.json().then(function (data) {
        failures = 0;
        if (sent !== generation) return;  /* overtaken by a sync: ask again next time */
        etag = r.headers.get("ETag");
        var mine = data.articles[E.cfg.article];
        if (!mine) return;
        counted(mine.comments);
        if (E.showSummary) E.showSummary(mine.rating);
      });
    }).catch(function () { failures++; }).then(function () {
      inFlight = false;
      if (failures >= MAX_FAILURES) { state.stopped = true; return; }  /* until the tab shows again */
      var next = failures ? Math.min(cap, base * Math.pow(2, failures))
        : document.hidden ? Math.min(cap, Math.max(base, state.delay) * 2) : base;
      schedule(Math.max(next, wait));
    });
  }
  document.addEventListener("visibilitychange", function () {
    if (document.hidden || base <= 0) return;
    failures = 0; state.stopped = false;
    clearTimeout(timer);
    state.delay = base;
    check();
  });

  /* ---- inserting: where the sort puts a comment among those shown ---- */
  function keyOf(c) { return { likes: c.like_count || 0, t: Date.parse(c.created_at), id: c.id }; }
  function keyOfNode(li) {
    var likes = li.querySelector(":scope > .engage-comment-body [data-role=\"like-count\"]");
    return { likes: likes ? Number(likes.textContent) || 0 : 0,
             t: Date.parse(li.getAttribute("data-created")), id: Number(li.getAttribute("data-id")) };
  }
  function newer(a, b) { return a.t !== b.t ? a.t > b.t : a.id > b.id; }
  function comesBefore(a, b, sort) {
    if (sort === "oldest") return newer(b, a);
    if (sort === "most_liked" && a.likes !== b.likes) return a.likes > b.likes;
    return newer(a, b);
  }
  function place(list, node, key, sort, open) {
    for (var i = 0; i < list.children.length; i++) {
      if (comesBefore(key, keyOfNode(list.children[i]), sort)) { list.insertBefore(node, list.children[i]); return node; }
    }
    if (!open) return null;  /* past the last shown: "load more" will bring it */
    list.appendChild(node);
    return node;
  }
  function insert(c) {
    if (document.querySelector('.engage-comment[data-id="' + c.id + '"]')) return null;
    var thread = E.$("thread");
    if (!c.parent_id) {
      var more = E.$("more");
      return place(thread, E.commentNode(c), keyOf(c), E.cfg.sort, !more || more.hidden);
    }
    var parent = thread.querySelector(':scope > .engage-comment[data-id="' + c.parent_id + '"]');
    if (!parent) return null;  /* its parent is not shown: it comes with it */
    var list = parent.querySelector(":scope > .engage-replies");
    var unloaded = parent.querySelector(':scope > [data-role="more-replies"]');
    return place(list, E.commentNode(c), keyOf(c), "oldest", !unloaded);
  }
  function fetchSince(cursor, got, rounds) {
    var url = E.cfg.apiBase + "/comments?since=" + encodeURIComponent(cursor) + "&limit=" + L.limit;
    return fetch(url, { headers: { "Accept": "application/json" }, cache: "no-store" }).then(function (r) {
      if (!r.ok) throw new Error("since " + r.status);
      return r.json();
    }).then(function (data) {
      got = got.concat(data.comments);
      if (data.comments.length >= L.limit && rounds < 10) return fetchSince(data.next_cursor, got, rounds + 1);
      return { comments: got, cursor: data.next_cursor, count: data.comment_count };
    });
  }
  /* Insert what was published since the cursor; also after the reader's own comment is
     published, so it is shown once and never offered again as "new". */
  function catchUp() {
    if (fetching) return fetching;
    fetching = fetchSince(since, [], 0).then(function (page) {
      since = page.cursor;
      var inserted = [];
      page.comments.filter(function (c) { return !c.parent_id; })
        .concat(page.comments.filter(function (c) { return c.parent_id; }))
        .forEach(function (c) { var node = insert(c); if (node) inserted.push(node); });
      baseline = latest = page.count; generation++;
      if (countEl) countEl.textContent = String(page.count);
      var empty = E.$("empty"); if (empty && E.$("thread").children.length) empty.hidden = true;
      showNotice();
      return inserted;
    }, function () { E.$("thread-status").textContent = M.network; return []; })
      .then(function (inserted) { fetching = null; return inserted; });
    return fetching;
  }
  button.addEventListener("click", function () {
    catchUp().then(function (inserted) {
      if (!inserted.length) return;
      /* The new comments appear right under the button the reader pressed (the thread opts out of
         scroll anchoring, which would push them out of view); focus moves to the first one. */
      var body = inserted[0].querySelector(".engage-comment-body");
      body.tabIndex = -1;
      body.focus({ preventScroll: true });
      E.$("thread-status").textContent = M.newShown;
    });
  });
  E.live.catchUp = catchUp;
  /* A thread reloaded in full (sort changed, own comment deleted…) shows the count it was read with. */
  E.live.synced = function (count) { baseline = latest = count; generation++; showNotice(); };

  if (base > 0) schedule(base);
})();
