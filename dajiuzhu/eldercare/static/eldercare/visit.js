// The carer's check-in and check-out: the position is asked once, when the button is pressed, and sent
// with the form. Nothing tracks the carer in between. If the phone gives no position in 8 seconds (or
// the carer refuses), the form is sent without it: the visit then shows "未能获取位置" for a supervisor,
// it is never blocked.
(function () {
  "use strict";
  function send(form) { form.dataset.sending = "1"; form.submit(); }
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-locate]") || form.dataset.sending) { return; }
    event.preventDefault();
    var status = form.querySelector(".locating");
    if (status) { status.hidden = false; }
    if (!("geolocation" in navigator)) { send(form); return; }
    var done = false;
    var timer = setTimeout(function () { if (!done) { done = true; send(form); } }, 8000);
    navigator.geolocation.getCurrentPosition(function (pos) {
      if (done) { return; }
      done = true; clearTimeout(timer);
      form.querySelector("input[name=lat]").value = pos.coords.latitude.toFixed(6);
      form.querySelector("input[name=lng]").value = pos.coords.longitude.toFixed(6);
      send(form);
    }, function () {
      if (done) { return; }
      done = true; clearTimeout(timer); send(form);
    }, { enableHighAccuracy: true, timeout: 7000, maximumAge: 0 });
  });
})();
