/* Engage widget: the reader's own data (Decree 13/2023/ND-CP, GDPR): download everything tied to
   this browser's reader token as JSON, or erase it and forget the token.  Uses window.Engage
   from widget.js. */
(function () {
  "use strict";
  var E = window.Engage;
  var box = E && E.$("my-data");
  if (!box) return;
  var M = E.M;
  var status = E.$("data-status");
  function show() { box.hidden = !E.hasToken(); }
  show();
  document.addEventListener("click", show);  /* a first vote or comment creates the token */
  /* Not E.api: that replaces a refused token and retries, which must not happen here. */
  function call(method, url) {
    return fetch(url, { method: method, headers: { "X-Engage-Reader": E.token(), "Accept": "application/json" } })
      .then(function (r) {
        return r.json().catch(function () { return {}; }).then(function (data) {
          if (!r.ok) { var err = new Error("api"); err.body = data; throw err; }
          return data;
        });
      });
  }
  E.$("data-download").addEventListener("click", function () {
    call("GET", E.cfg.readerDataUrl).then(function (data) {
      var link = document.createElement("a");
      link.href = URL.createObjectURL(new Blob([JSON.stringify(data, null, 1)], { type: "application/json" }));
      link.download = "engage-my-data.json";
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(function () { URL.revokeObjectURL(link.href); }, 1000);
    }, function (err) { status.textContent = E.errorText(err); });
  });
  E.$("data-erase").addEventListener("click", function () {
    if (!window.confirm(M.eraseConfirm)) return;
    call("DELETE", E.cfg.readerUrl).then(function () {
      E.forgetToken();
      document.removeEventListener("click", show);
      box.hidden = false;
      E.$("data-download").disabled = E.$("data-erase").disabled = true;
      status.textContent = M.erased;
      E.reloadThread();
    }, function (err) { status.textContent = E.errorText(err); });
  });
})();
