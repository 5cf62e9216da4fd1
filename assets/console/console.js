// domain-scheduler console, loaded as a file (the console's Content-Security-Policy allows no
// inline script).

// Asks before an action that changes many domains.
document.addEventListener("submit", function (event) {
  var form = event.target;
  var question = form.getAttribute && form.getAttribute("data-confirm");
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

// Live lists: every element with an id and data-live="SECONDS" is read again from the page's
// own URL every SECONDS and replaced by the same element of the answer, so the list stays
// current without a reload. Polling stops while the tab is hidden and starts again, with a
// refresh at once, when it is shown. An answer that is not the page (signed out: a redirect)
// changes nothing.
(function () {
  var first = document.querySelector("[data-live][id]");
  if (!first || !window.fetch || !window.DOMParser) {
    return;
  }
  var seconds = Math.max(2, parseInt(first.getAttribute("data-live"), 10) || 15);
  var timer = null;
  var busy = false;

  function refresh() {
    if (document.hidden || busy) {
      return;
    }
    busy = true;
    fetch(window.location.href, { credentials: "same-origin", redirect: "error", cache: "no-store" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("status " + response.status);
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        document.querySelectorAll("[data-live][id]").forEach(function (old) {
          var replacement = fresh.getElementById(old.id);
          if (replacement) {
            old.replaceWith(document.importNode(replacement, true));
          }
        });
        var count = parseInt(document.body.getAttribute("data-refreshes") || "0", 10) + 1;
        document.body.setAttribute("data-refreshes", String(count));
      })
      .catch(function () {})
      .then(function () {
        busy = false;
      });
  }

  function start() {
    if (timer === null) {
      timer = window.setInterval(refresh, seconds * 1000);
    }
  }

  function stop() {
    if (timer !== null) {
      window.clearInterval(timer);
      timer = null;
    }
  }

  document.addEventListener("visibilitychange", function () {
    if (document.hidden) {
      stop();
    } else {
      refresh();
      start();
    }
  });
  if (!document.hidden) {
    start();
  }
})();
