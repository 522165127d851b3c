// Small page behaviours that do not need a framework.
(function () {
  "use strict";
  // Ask before destructive actions: <form data-confirm="确定删除？">.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var question = form.getAttribute && form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
    }
  }, true);
  // Buttons that would otherwise need inline handlers (the Content-Security-Policy forbids them):
  // <button data-print> prints the page; <a data-back href="fallback"> goes back when there is a
  // page to go back to, else follows its href.
  document.addEventListener("click", function (event) {
    var target = event.target.closest ? event.target.closest("[data-print], [data-back]") : null;
    if (!target) {
      return;
    }
    if (target.hasAttribute("data-print")) {
      event.preventDefault();
      window.print();
    } else if (window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
  // When the session has expired an htmx request is redirected to the login page:
  // go there with the whole window instead of swapping a login form into a table.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.responseURL && xhr.responseURL.indexOf("/accounts/login/") !== -1) {
      event.preventDefault();
      window.location.href = xhr.responseURL;
    }
  });
})();
