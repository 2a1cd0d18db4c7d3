/* Engage moderator workspace: keyboard shortcuts, selection and the reject-reason dialog.
 * A plain static file (the CSP forbids inline script).  Every action still works without it:
 * the forms post normally; this only drives them from the keyboard.
 *   j / k  next / previous comment      x  select / deselect the current comment
 *   a / r / s  approve / reject / spam (the selection when there is one, else the current)
 *   u  undo the latest decision         ?  show / hide the help dialog
 */
(function () {
  "use strict";
  var items = Array.prototype.slice.call(document.querySelectorAll(".queue-item"));
  var bulk = document.getElementById("bulk-form");
  var selectAll = document.getElementById("select-all");
  var help = document.getElementById("help-dialog");
  var rejectDialog = document.getElementById("reject-dialog");
  var current = 0;
  var rejectTarget = null;

  function boxes() {
    return items.map(function (li) { return li.querySelector(".pick-box"); });
  }

  function selected() {
    return boxes().filter(function (b) { return b && b.checked; });
  }

  function updateCount() {
    var out = document.querySelector(".selected-count");
    if (out) { out.textContent = selected().length ? selected().length + " ✓" : ""; }
  }

  function focusItem(index) {
    if (!items.length) { return; }
    current = Math.max(0, Math.min(items.length - 1, index));
    items.forEach(function (li, i) { li.classList.toggle("current", i === current); });
    items[current].focus({ preventScroll: true });
    items[current].scrollIntoView({ block: "nearest" });
  }

  function pressButton(form, action) {
    var button = form && form.querySelector('button[name="action"][value="' + action + '"]');
    if (button) { button.click(); }
  }

  function targetForm() {
    /* The bulk form when something is selected, else the current comment's own form. */
    if (selected().length && bulk) { return bulk; }
    return items.length ? items[current].querySelector("form.actions") : null;
  }

  function decide(action) {
    var form = targetForm();
    if (!form) { return; }
    if (action !== "reject") { pressButton(form, action); return; }
    rejectTarget = form;
    if (rejectDialog && rejectDialog.showModal) { rejectDialog.showModal(); }
  }

  function confirmReject() {
    var form = rejectTarget;
    var choice = rejectDialog.querySelector('input[name="dialog_reason"]:checked');
    if (!form || !choice) { return; }
    form.querySelector('select[name="reason_code"]').value = choice.value;
    var note = document.getElementById("reject-note");
    var noteField = form.querySelector('input[name="reason"]');
    if (note && noteField) { noteField.value = note.value; }
    rejectDialog.close();
    pressButton(form, "reject");
  }

  function toggleHelp() {
    if (!help) { return; }
    if (help.open) { help.close(); } else { help.showModal(); }
  }

  function onRejectDialogKey(event) {
    var radios = rejectDialog.querySelectorAll('input[name="dialog_reason"]');
    var n = parseInt(event.key, 10);
    if (n >= 1 && n <= radios.length) {
      radios[n - 1].checked = true;
      event.preventDefault();
    } else if (event.key === "Enter" && event.target.id !== "reject-cancel") {
      event.preventDefault();
      confirmReject();
    }
  }

  function onKey(event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (rejectDialog && rejectDialog.open) { onRejectDialogKey(event); return; }
    var tag = (event.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select") { return; }
    if (help && help.open && event.key !== "?") { return; }
    var handled = true;
    switch (event.key) {
      case "j": focusItem(current + 1); break;
      case "k": focusItem(current - 1); break;
      case "x":
        var box = items.length && items[current].querySelector(".pick-box");
        if (box) { box.checked = !box.checked; updateCount(); }
        break;
      case "a": decide("approve"); break;
      case "r": decide("reject"); break;
      case "s": decide("spam"); break;
      case "u":
        var undo = document.querySelector('form.undo button[data-key="u"]');
        if (undo) { undo.click(); }
        break;
      case "?": toggleHelp(); break;
      default: handled = false;
    }
    if (handled) { event.preventDefault(); }
  }

  document.addEventListener("keydown", onKey);
  if (selectAll) {
    selectAll.addEventListener("change", function () {
      boxes().forEach(function (b) { if (b) { b.checked = selectAll.checked; } });
      updateCount();
    });
  }
  boxes().forEach(function (b) { if (b) { b.addEventListener("change", updateCount); } });
  items.forEach(function (li, i) { li.addEventListener("click", function () { current = i; }); });
  var confirm = document.getElementById("reject-confirm");
  if (confirm) { confirm.addEventListener("click", confirmReject); }
  var cancel = document.getElementById("reject-cancel");
  if (cancel) { cancel.addEventListener("click", function () { rejectDialog.close(); }); }
  var close = document.getElementById("help-close");
  if (close) { close.addEventListener("click", function () { help.close(); }); }
  if (bulk) {
    bulk.addEventListener("submit", function () {
      /* "select all" ticks every box; the server then takes page_ids. */
      if (selectAll && !selectAll.checked && selected().length === boxes().length && boxes().length) {
        selectAll.checked = true;
      }
    });
  }
  focusItem(0);
}());
