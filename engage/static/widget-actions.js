/* Engage widget, reader actions on comments: like (aria-pressed toggle), report with a reason,
   edit and delete one's own comments while the server's window is open.  Every text comes from
   the page's JSON config (cfg.messages); every control is a native button, radio or textarea,
   so it works from the keyboard; Escape closes an open form and gives focus back. */
(function () {
  "use strict";
  var E = window.Engage;
  if (!E || !E.api) return;
  var M = E.M;
  var liked = {};   /* comment id → true */
  var own = {};     /* comment id → end of its edit window (ms since epoch) */
  /* comment id → true: reported by this reader, in this page view or (where GET /me lists them
     as `reported`) before; never reset, so a report just sent stays marked. */
  var reported = {};
  /* comment id → true: written by this reader (from GET /me's `own`); stays after the edit
     window, since the server refuses a report of one's own comment at any time. */
  var authored = {};
  var timers = {};

  function say(text) { E.$("thread-status").textContent = text; }
  function body(li) { return li.querySelector(".engage-comment-body"); }
  function idOf(el) { return el.getAttribute("data-id"); }
  function el(tag, cls, text) {
    var node = document.createElement(tag);
    if (cls) node.className = cls;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  function button(label, cls, type) {
    var b = el("button", cls || "engage-link", label);
    b.type = type || "button";
    return b;
  }
  /* A busy button keeps its focus (a disabled one would drop it) but ignores repeat presses. */
  function busy(b, on) { if (on) b.setAttribute("aria-disabled", "true"); else b.removeAttribute("aria-disabled"); }
  function isBusy(b) { return b.getAttribute("aria-disabled") === "true"; }

  /* ---- the reader's state, applied to every comment node (also those rendered later) ---- */
  function applyState(li) {
    var art = body(li), id = idOf(li);
    if (!art) return;
    var like = art.querySelector('[data-role="like"]');
    if (like) like.setAttribute("aria-pressed", liked[id] ? "true" : "false");
    var report = art.querySelector('[data-role="report"]');
    if (report && reported[id]) markReported(report);
    if (report) report.hidden = Boolean(authored[id]);  /* one's own comment: nothing to report */
    var actions = art.querySelector('[data-role="actions"]');
    var mine = actions && actions.querySelector('[data-role="edit"]');
    var open = own[id] && own[id] > Date.now();
    if (open && !mine) {
      var edit = button(M.edit); edit.setAttribute("data-role", "edit"); edit.setAttribute("data-id", id);
      var del = button(M["delete"]); del.setAttribute("data-role", "delete"); del.setAttribute("data-id", id);
      actions.appendChild(edit); actions.appendChild(del);
      clearTimeout(timers[id]);
      timers[id] = setTimeout(function () { delete own[id]; refresh(); }, own[id] - Date.now());
    } else if (!open && mine) {
      mine.remove();
      var d = actions.querySelector('[data-role="delete"]'); if (d) d.remove();
    }
  }
  function refresh() {
    var nodes = document.querySelectorAll(".engage-comment");
    for (var i = 0; i < nodes.length; i++) applyState(nodes[i]);
  }
  E.onComment.push(applyState);

  function loadState() {
    return E.api("GET", "/me").then(function (data) {
      E.markMine(data.rating);
      liked = {}; (data.liked || []).forEach(function (id) { liked[id] = true; });
      (data.reported || []).forEach(function (id) { reported[id] = true; });
      own = {};
      Object.keys(data.editable_until || {}).forEach(function (id) { own[id] = Date.parse(data.editable_until[id]); authored[id] = true; });
      refresh();
    }, function () {});
  }
  E.loadState = loadState;
  if (E.hasToken()) loadState();  /* a first-time reader has no state to show */

  /* ---- like ---- */
  function toggleLike(b) {
    if (isBusy(b)) return;
    var id = idOf(b), on = b.getAttribute("aria-pressed") !== "true";
    busy(b, true);
    E.api(on ? "PUT" : "DELETE", "/comments/" + id + "/like").then(function (data) {
      if (data.liked) liked[id] = true; else delete liked[id];
      b.setAttribute("aria-pressed", data.liked ? "true" : "false");
      E.$("like-count", b).textContent = String(data.like_count);
    }, function (err) { say(E.errorText(err)); }).then(function () { busy(b, false); });
  }

  /* ---- report: a small reason picker under the comment ---- */
  /* Once sent, the button says so and opens no form again; it keeps its focus (aria-disabled). */
  function markReported(b) {
    b.textContent = M.reportDone;
    b.setAttribute("aria-disabled", "true"); b.setAttribute("data-reported", "");
    b.removeAttribute("aria-expanded");
  }
  function closeForm(form, opener) {
    form.remove();
    if (opener) { opener.setAttribute("aria-expanded", "false"); opener.focus(); }
  }
  function openReport(b) {
    var art = b.closest(".engage-comment-body"), id = idOf(b);
    if (reported[id]) return;
    var existing = art.querySelector(".engage-report");
    if (existing) { closeForm(existing, b); return; }
    var form = el("form", "engage-report"), fieldset = el("fieldset");
    fieldset.appendChild(el("legend", "", M.reportTitle));
    M.reportReasons.forEach(function (pair) {
      var label = el("label"), radio = el("input");
      radio.type = "radio"; radio.name = "reason-" + id; radio.value = pair[0];
      label.appendChild(radio); label.appendChild(document.createTextNode(" " + pair[1]));
      fieldset.appendChild(label);
    });
    var noteId = "engage-report-note-" + id;
    var noteLabel = el("label", "", M.reportNote); noteLabel.htmlFor = noteId;
    var note = el("textarea"); note.id = noteId; note.rows = 2; note.maxLength = 500;
    fieldset.appendChild(noteLabel); fieldset.appendChild(note);
    var send = button(M.reportSend, "engage-button", "submit"), cancel = button(M.cancel);
    var status = el("p", "engage-status"); status.setAttribute("role", "status");
    fieldset.appendChild(send); fieldset.appendChild(cancel);
    form.appendChild(fieldset); form.appendChild(status);
    cancel.addEventListener("click", function () { closeForm(form, b); });
    form.addEventListener("keydown", function (event) { if (event.key === "Escape") closeForm(form, b); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var chosen = form.querySelector("input:checked");
      if (!chosen) { status.textContent = M.reportChoose; return; }
      if (isBusy(send)) return;
      busy(send, true);
      E.api("POST", "/comments/" + id + "/reports", { reason: chosen.value, note: note.value }).then(function () {
        reported[id] = true; closeForm(form, b); markReported(b); say(M.reported);
      }, function (err) { status.textContent = E.errorText(err); busy(send, false); });
    });
    b.setAttribute("aria-expanded", "true");
    art.appendChild(form);
    form.querySelector("input").focus();
  }

  /* ---- edit one's own comment: the text becomes a textarea until saved or cancelled ---- */
  function openEdit(b) {
    var art = b.closest(".engage-comment-body"), id = idOf(b);
    if (art.querySelector(".engage-edit")) { art.querySelector(".engage-edit textarea").focus(); return; }
    var text = art.querySelector(".engage-text");
    var form = el("form", "engage-edit"), areaId = "engage-edit-" + id;
    var label = el("label", "engage-sr", M.editLabel); label.htmlFor = areaId;
    var area = el("textarea"); area.id = areaId; area.rows = 4; area.value = text.innerText.trim();
    var save = button(M.save, "engage-button", "submit"), cancel = button(M.cancel);
    form.appendChild(label); form.appendChild(area); form.appendChild(save); form.appendChild(cancel);
    function close() { form.remove(); text.hidden = false; b.focus(); }
    cancel.addEventListener("click", close);
    form.addEventListener("keydown", function (event) { if (event.key === "Escape") close(); });
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      if (isBusy(save)) return;
      busy(save, true);
      E.api("PATCH", "/comments/" + id, { text: area.value }).then(function (data) {
        if (data.status === "approved") {
          text.innerHTML = data.html;  /* sanitized by the server */
          var header = art.querySelector("header");
          if (header && !header.querySelector(".engage-edited")) {
            header.appendChild(document.createTextNode(" "));
            header.appendChild(el("span", "engage-edited", M.edited));
          }
          close(); say(M.editSaved);
        } else {
          say(M.editPending); E.reloadThread();  /* back in the moderation queue */
        }
      }, function (err) { say(E.errorText(err)); busy(save, false); });
    });
    text.hidden = true;
    text.parentNode.insertBefore(form, text.nextSibling);
    area.focus();
  }

  /* ---- delete one's own comment, after an inline confirmation ---- */
  function askDelete(b) {
    var actions = b.parentNode, id = idOf(b);
    if (actions.querySelector(".engage-confirm")) return;
    var box = el("span", "engage-confirm"), yes = button(M["delete"], "engage-link engage-danger"), no = button(M.cancel);
    box.appendChild(document.createTextNode(M.deleteConfirm + " "));
    box.appendChild(yes); box.appendChild(document.createTextNode(" ")); box.appendChild(no);
    no.addEventListener("click", function () { box.remove(); b.focus(); });
    yes.addEventListener("click", function () {
      if (isBusy(yes)) return;
      busy(yes, true);
      E.api("DELETE", "/comments/" + id).then(function () {
        delete own[id]; say(M.deletedDone); E.reloadThread();
      }, function (err) { say(E.errorText(err)); box.remove(); b.focus(); });
    });
    actions.appendChild(box);
    no.focus();
  }

  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest(
      '[data-role="like"], [data-role="report"], [data-role="edit"], [data-role="delete"]') : null;
    if (!target) return;
    var role = target.getAttribute("data-role");
    if (role === "like") toggleLike(target);
    else if (role === "report") openReport(target);
    else if (role === "edit") openEdit(target);
    else if (role === "delete") askDelete(target);
  });
})();
