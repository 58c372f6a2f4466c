// The website chat: sends each input to the engine over HTTP and shows the replies. Every text is
// inserted with textContent (never as HTML), so nothing a beneficiary or staff types can run as code.
"use strict";
(function () {
  const body = document.body;
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const status = document.getElementById("status");
  const attach = document.getElementById("attach");
  const file = document.getElementById("file");
  const uploading = document.getElementById("uploading");
  const progress = document.getElementById("progress");
  const ACCEPT = { files: "image/jpeg,image/png,application/pdf,audio/*", audio: "audio/*" };
  const shown = new Set();  // bot message ids already on screen (a poll and a send may both bring one)
  let last = 0;
  let queue = Promise.resolve();  // inputs go one after another, in the order they were typed

  function newId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function retireOldChoices() {
    // Only the latest question's options stay clickable.
    for (const button of log.querySelectorAll(".choices button")) button.disabled = true;
  }

  function fileView(file) {
    // A file staff sent: a photo shown, a recording to play, and always a link to open or save it.
    const box = document.createElement("div");
    box.className = "file";
    if (file.type.startsWith("image/")) {
      const image = document.createElement("img");
      image.src = file.url;
      image.alt = file.name;
      box.appendChild(image);
    } else if (file.type.startsWith("audio/")) {
      const audio = document.createElement("audio");
      audio.controls = true;
      audio.preload = "metadata";
      audio.src = file.url;
      box.appendChild(audio);
    }
    const link = document.createElement("a");
    link.href = file.url;
    link.target = "_blank";
    link.rel = "noopener";
    link.textContent = "📎 " + (file.name || file.url.split("/").pop().split("?")[0]);
    box.appendChild(link);
    return box;
  }

  function show(message) {
    if (message.id !== null && message.id !== undefined) {
      if (shown.has(message.id)) return null;
      shown.add(message.id);
    }
    const item = document.createElement("li");
    item.className = "msg " + (message.from === "me" ? "me" : "bot");
    item.dir = "auto";
    const text = document.createElement("div");
    text.className = "text";
    text.textContent = message.text;
    item.appendChild(text);
    if (message.file) item.appendChild(fileView(message.file));
    if (message.choices && message.choices.length) {
      retireOldChoices();
      const row = document.createElement("div");
      row.className = "choices";
      for (const [key, label] of message.choices) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = label;
        button.dataset.choice = key;
        button.addEventListener("click", () => { enqueue({ choice: key, text: label }); input.focus(); });
        row.appendChild(button);
      }
      item.appendChild(row);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
    return item;
  }

  function setError(text) {
    status.textContent = text || "";
    status.hidden = !text;
  }

  function received(data) {
    for (const message of data.messages) show(message);
    last = Math.max(last, data.last);
    if ("attach" in data) {  // the attach button only where the step takes files
      attach.hidden = !data.attach;
      file.accept = ACCEPT[data.attach] || "";
    }
    if (data.lang && data.lang !== body.dataset.lang) window.location.reload();  // page follows the chat
  }

  async function post(payload) {
    const response = await fetch("/api/chat/send", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(Object.assign({ id: newId(), after: last }, payload)),
    });
    const data = await response.json().catch(() => ({}));
    if (!response.ok) throw new Error(data.error || body.dataset.error);
    received(data);
  }

  async function send(payload, echo) {
    setError("");
    const bubble = echo && payload.text ? show({ from: "me", text: payload.text }) : null;
    try {
      await post(payload);
    } catch (error) {
      setError(error.message || body.dataset.error);
      if (bubble) bubble.remove();  // not accepted: it is not part of the conversation
      if (!payload.choice && payload.text && !input.value) input.value = payload.text;  // keep what was typed
    }
  }

  function enqueue(payload, echo = true) {
    queue = queue.then(() => send(payload, echo));
    return queue;
  }

  async function poll() {
    try {
      const response = await fetch("/api/chat/messages?after=" + last, { credentials: "same-origin" });
      if (response.ok) received(await response.json());
    } catch (_) { /* offline for a moment; the next poll tries again */ }
  }

  async function start() {
    const response = await fetch("/api/chat/messages?after=0", { credentials: "same-origin" });
    const data = await response.json();
    received(data);
    if (!data.messages.length) await enqueue({ start: true }, false);
    setInterval(() => { queue = queue.then(poll); }, 4000);
  }

  function upload(chosen) {
    // Multipart to /api/chat/upload, with the progress of the upload shown; the server checks the file.
    return new Promise((resolve) => {
      const data = new FormData();
      data.append("id", newId());
      data.append("after", String(last));
      data.append("file", chosen);
      const request = new XMLHttpRequest();
      request.open("POST", "/api/chat/upload");
      request.withCredentials = true;
      request.upload.onprogress = (event) => {
        if (event.lengthComputable) progress.value = Math.round((100 * event.loaded) / event.total);
      };
      const done = (error) => {
        uploading.hidden = true;
        if (error) setError(error);
        resolve();
      };
      request.onload = () => {
        let answer = {};
        try { answer = JSON.parse(request.responseText); } catch (_) { /* shown as the general error */ }
        if (request.status !== 200) return done(answer.error || body.dataset.error);
        show({ from: "me", text: body.dataset.fileSent.replace("{name}", chosen.name) });
        received(answer);
        done("");
      };
      request.onerror = () => done(body.dataset.error);
      setError("");
      progress.value = 0;
      uploading.hidden = false;
      request.send(data);
    });
  }

  attach.addEventListener("click", () => file.click());
  file.addEventListener("change", () => {
    const chosen = file.files[0];
    file.value = "";
    if (chosen) queue = queue.then(() => upload(chosen));
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    enqueue({ text: text });
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  document.getElementById("switch").addEventListener("click", () => {
    enqueue({ choice: body.dataset.switch }, false);
  });
  input.focus();
  start().catch(() => setError(body.dataset.error));
})();
