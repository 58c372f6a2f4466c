// The website chat: sends each input to the engine over HTTP and shows the replies. Every text is
// inserted with textContent (never as HTML), so nothing a beneficiary or staff types can run as code.
"use strict";
(function () {
  const body = document.body;
  const log = document.getElementById("log");
  const form = document.getElementById("composer");
  const input = document.getElementById("input");
  const status = document.getElementById("status");
  const shown = new Set();  // bot message ids already on screen (a poll and a send may both bring one)
  let last = 0;
  let busy = false;

  function newId() {
    const bytes = new Uint8Array(16);
    crypto.getRandomValues(bytes);
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }

  function show(message) {
    if (message.id !== null && message.id !== undefined) {
      if (shown.has(message.id)) return;
      shown.add(message.id);
    }
    const item = document.createElement("li");
    item.className = "msg " + (message.from === "me" ? "me" : "bot");
    const text = document.createElement("div");
    text.className = "text";
    text.textContent = message.text;
    item.appendChild(text);
    if (message.choices && message.choices.length) {
      const row = document.createElement("div");
      row.className = "choices";
      for (const [key, label] of message.choices) {
        const button = document.createElement("button");
        button.type = "button";
        button.textContent = label;
        button.dataset.choice = key;
        button.addEventListener("click", () => send({ choice: key, text: label }));
        row.appendChild(button);
      }
      item.appendChild(row);
    }
    log.appendChild(item);
    log.scrollTop = log.scrollHeight;
  }

  function setError(text) {
    status.textContent = text || "";
    status.hidden = !text;
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
    for (const message of data.messages) show(message);
    last = Math.max(last, data.last);
    return data;
  }

  async function send(payload, echo = true) {
    if (busy) return;
    busy = true;
    setError("");
    if (echo && payload.text) show({ from: "me", text: payload.text });
    try {
      await post(payload);
    } catch (error) {
      setError(error.message || body.dataset.error);
      if (!payload.choice && payload.text) input.value = payload.text;  // keep what was typed
    } finally {
      busy = false;
    }
  }

  async function poll() {
    if (busy) return;
    try {
      const response = await fetch("/api/chat/messages?after=" + last, { credentials: "same-origin" });
      if (!response.ok) return;
      const data = await response.json();
      for (const message of data.messages) show(message);
      last = Math.max(last, data.last);
    } catch (_) { /* offline for a moment; the next poll tries again */ }
  }

  async function start() {
    const response = await fetch("/api/chat/messages?after=0", { credentials: "same-origin" });
    const data = await response.json();
    for (const message of data.messages) show(message);
    last = data.last;
    if (!data.messages.length) await send({ start: true }, false);
    setInterval(poll, 4000);
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    send({ text: text });
  });
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey) { event.preventDefault(); form.requestSubmit(); }
  });
  document.getElementById("switch").addEventListener("click", async () => {
    const lang = body.dataset.otherLang;
    await send({ choice: "lang:" + lang }, false);
    window.location.reload();
  });
  start().catch(() => setError(body.dataset.error));
})();
