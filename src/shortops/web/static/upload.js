// Resumable uploads for the media library: drag and drop or pick files; each goes up in chunks.
// Protocol (see shortops/media/upload.py): POST opens an upload, each PUT carries
// "Content-Range: bytes a-b/size"; a 409 names the offset to continue from, and after a network
// error the script asks the server (GET) how far it got and resumes there.
(function () {
  "use strict";

  var zone = document.getElementById("upload-zone");
  if (!zone) return;
  var input = document.getElementById("upload-input");
  var list = document.getElementById("upload-list");
  var url = zone.dataset.uploadUrl;
  var csrf = zone.dataset.csrf;
  var maxBytes = Number(zone.dataset.maxBytes || 0);
  var MAX_RETRIES = 8;
  var queue = [];
  var busy = false;
  var failures = 0;
  var successes = 0;

  function msg(name) {
    return zone.dataset["msg" + name.charAt(0).toUpperCase() + name.slice(1)] || name;
  }

  function sleep(ms) {
    return new Promise(function (resolve) { setTimeout(resolve, ms); });
  }

  function row(file) {
    var item = document.createElement("li");
    var name = document.createElement("span");
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 1;
    bar.value = 0;
    var status = document.createElement("span");
    status.textContent = msg("waiting");
    item.append(name, bar, status);
    list.append(item);
    return { item: item, bar: bar, status: status };
  }

  function request(method, target, body, headers) {
    var all = { "X-CSRF-Token": csrf, "Accept": "application/json" };
    Object.keys(headers || {}).forEach(function (key) { all[key] = headers[key]; });
    return fetch(target, { method: method, body: body, headers: all, credentials: "same-origin" });
  }

  // The JSON answer, or an Error carrying the server's message (never a raw HTML page).
  async function answer(response) {
    var type = response.headers.get("content-type") || "";
    if (response.redirected || type.indexOf("application/json") === -1) {
      throw new Error(response.status === 200 ? msg("signedOut") : response.status + " " + response.statusText);
    }
    var data = await response.json();
    var resumable = response.status === 409 && data.error && data.error.code === "upload_offset_mismatch";
    if (!response.ok && !resumable) {
      throw new Error((data.error && data.error.message) || response.statusText);
    }
    return data;
  }

  async function serverOffset(id) {
    var data = await answer(await request("GET", url + "/" + encodeURIComponent(id)));
    return data;
  }

  async function upload(file, ui) {
    if (maxBytes && file.size > maxBytes) throw new Error(msg("tooLarge"));
    ui.status.textContent = msg("uploading");
    var created = await answer(await request(
      "POST", url, JSON.stringify({ filename: file.name, size: file.size }),
      { "Content-Type": "application/json" }
    ));
    var id = created.id;
    var offset = created.offset;
    var chunk = created.chunk_size;
    var target = url + "/" + encodeURIComponent(id);
    var retries = 0;
    var state = created;
    while (state.status !== "completed") {
      var end = Math.min(offset + chunk, file.size);
      var range = offset < file.size
        ? "bytes " + offset + "-" + (end - 1) + "/" + file.size
        : "bytes */" + file.size;  // every byte is in: ask the server to finish
      if (offset >= file.size) ui.status.textContent = msg("checking");
      var response;
      try {
        response = await request("PUT", target, offset < file.size ? file.slice(offset, end) : null, {
          "Content-Type": "application/octet-stream",
          "Content-Range": range
        });
      } catch (networkError) {
        // The connection broke: wait, ask the server how far it got, and go on from there.
        retries += 1;
        if (retries > MAX_RETRIES) throw networkError;
        ui.status.textContent = msg("retrying");
        await sleep(Math.min(30000, 1000 * Math.pow(2, retries - 1)));
        try {
          state = await serverOffset(id);
          offset = state.offset;
        } catch (ignored) { /* still offline: the next attempt asks again */ }
        continue;
      }
      state = await answer(response);
      if (response.status === 409) {
        offset = state.error.offset;  // the server says where to continue
        state = { status: "open" };
        continue;
      }
      retries = 0;
      offset = state.offset;
      ui.bar.value = file.size ? offset / file.size : 1;
      if (offset < file.size) ui.status.textContent = msg("uploading");
    }
    return state;
  }

  function done(ui, state) {
    ui.bar.value = 1;
    ui.status.textContent = "";
    var link = document.createElement("a");
    link.href = "/produce/assets/" + state.asset.id;
    link.textContent = state.duplicate ? msg("duplicate") : msg("done");
    ui.status.append(link);
  }

  async function drain() {
    if (busy) return;
    busy = true;
    while (queue.length) {
      var job = queue.shift();
      try {
        done(job.ui, await upload(job.file, job.ui));
        successes += 1;
      } catch (error) {
        failures += 1;
        job.ui.item.classList.add("failed");
        job.ui.status.textContent = msg("failed") + ": " + error.message;
      }
    }
    busy = false;
    // Show the new files in the list below, unless an error is still worth reading.
    if (successes && !failures) window.location.reload();
  }

  function add(files) {
    Array.prototype.forEach.call(files, function (file) {
      queue.push({ file: file, ui: row(file) });
    });
    drain();
  }

  input.addEventListener("change", function () {
    add(input.files);
    input.value = "";
  });
  ["dragenter", "dragover"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.add("over");
    });
  });
  ["dragleave", "drop"].forEach(function (name) {
    zone.addEventListener(name, function (event) {
      event.preventDefault();
      zone.classList.remove("over");
    });
  });
  zone.addEventListener("drop", function (event) {
    if (event.dataTransfer && event.dataTransfer.files.length) add(event.dataTransfer.files);
  });
})();
