/* The door page: scan badges with the camera (BarcodeDetector, or the vendored jsQR where it is missing),
   or check a typed serial, and show the answer without reloading. Without JavaScript the typed form still
   works as a plain POST. */
(function () {
  "use strict";

  var main = document.getElementById("main");
  var form = document.getElementById("typed");
  if (!main || !form) { return; }
  var scanUrl = main.dataset.scanUrl;
  // Words shown by the script come from the page, in its language (data-text-* on <main>, marked for translation
  // in templates/checkin/door.html).
  var text = {
    expired: main.dataset.textExpired,
    offline: main.dataset.textOffline,
    noCamera: main.dataset.textNoCamera,
    cameraStart: main.dataset.textCameraStart,
    cameraStop: main.dataset.textCameraStop,
    ready: main.dataset.textReady
  };
  var csrf = form.querySelector("input[name=csrf_token]").value;
  var input = document.getElementById("code");
  var answer = document.getElementById("answer");
  var verdict = document.getElementById("verdict");
  var photo = document.getElementById("answer-photo");
  var nameEl = document.getElementById("answer-name");
  var entityEl = document.getElementById("answer-entity");
  // A typed serial is admitted only when the officer confirms, after comparing the person with the photo.
  var confirmForm = document.getElementById("confirm");
  var confirmCode = document.getElementById("confirm-code");
  var confirmPass = document.getElementById("confirm-pass");

  // Which device scanned, kept on the phone: door staff may name it once (?device=north-1).
  var device = new URLSearchParams(location.search).get("device") || localStorage.getItem("plenary-device") || "";
  if (device) { localStorage.setItem("plenary-device", device); }
  document.getElementById("device").value = device;

  var busy = false;

  function show(data) {
    answer.className = "answer tone-" + (data.tone || "stop");
    verdict.textContent = data.message || data.result;
    nameEl.textContent = data.name || "";
    entityEl.textContent = data.entity || "";
    if (data.photo_url) { photo.src = data.photo_url; photo.hidden = false; }
    else { photo.hidden = true; photo.removeAttribute("src"); }
    confirmForm.hidden = !data.confirm;
    confirmCode.value = data.confirm ? data.code : "";
    confirmPass.value = data.confirm || "";
    if (data.confirm) { document.getElementById("confirm-admit").focus(); }
    if (navigator.vibrate && data.tone !== "idle") { navigator.vibrate(data.tone === "go" ? 80 : [200, 100, 200]); }
  }

  function check(value, confirmation) {
    if (busy || !value) { return Promise.resolve(); }
    busy = true;
    var body = new FormData();
    body.append("code", value);
    body.append("device", device);
    if (confirmation) { body.append("confirm", confirmation); }
    return fetch(scanUrl, {method: "POST", body: body, credentials: "same-origin",
                           headers: {"X-CSRFToken": csrf, "Accept": "application/json"}})
      .then(function (r) {
        if (r.status === 400 || r.status === 401 || r.status === 403) {
          return {tone: "stop", message: text.expired};
        }
        return r.json();
      })
      .then(show)
      .catch(function () { show({tone: "stop", message: text.offline}); })
      .finally(function () { busy = false; });
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    var value = input.value.trim();
    check(value).then(function () { input.value = ""; if (confirmForm.hidden) { input.focus(); } });
  });

  confirmForm.addEventListener("submit", function (event) {
    event.preventDefault();
    check(confirmCode.value, confirmPass.value).then(function () { input.focus(); });
  });

  document.getElementById("confirm-refuse").addEventListener("click", function (event) {
    event.preventDefault();
    show({tone: "idle", message: text.ready});
    answer.className = "answer idle";
    input.focus();
  });

  // ---- the camera ----
  var camera = document.getElementById("camera");
  var video = document.getElementById("video");
  var toggle = document.getElementById("camera-toggle");
  if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) { return; }
  camera.hidden = false;

  var stream = null, detector = null, canvas = null, last = "", lastAt = 0;

  function loadDecoder() {
    if ("BarcodeDetector" in window) {
      detector = new window.BarcodeDetector({formats: ["qr_code"]});
      return Promise.resolve();
    }
    if (window.jsQR) { return Promise.resolve(); }
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = main.dataset.decoderUrl;
      script.onload = resolve;
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function read() {
    if (detector) {
      return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
    }
    canvas = canvas || document.createElement("canvas");
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    if (!canvas.width) { return Promise.resolve(null); }
    var ctx = canvas.getContext("2d", {willReadFrequently: true});
    ctx.drawImage(video, 0, 0);
    var image = ctx.getImageData(0, 0, canvas.width, canvas.height);
    var code = window.jsQR(image.data, image.width, image.height, {inversionAttempts: "dontInvert"});
    return Promise.resolve(code ? code.data : null);
  }

  function loop() {
    if (!stream) { return; }
    read().then(function (value) {
      var now = Date.now();
      // The same badge held in front of the camera is sent once every few seconds, not thirty times a second.
      if (value && (value !== last || now - lastAt > 4000)) {
        last = value; lastAt = now;
        return check(value);
      }
    }).catch(function () {}).finally(function () { setTimeout(loop, 200); });
  }

  function stop() {
    if (stream) { stream.getTracks().forEach(function (t) { t.stop(); }); }
    stream = null;
    video.classList.remove("on");
    toggle.textContent = text.cameraStart;
  }

  toggle.addEventListener("click", function () {
    if (stream) { stop(); return; }
    loadDecoder()
      .then(function () { return navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}}); })
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.classList.add("on");
        toggle.textContent = text.cameraStop;
        return video.play();
      })
      .then(loop)
      .catch(function () { stop(); show({tone: "stop", message: text.noCamera}); });
  });
})();
