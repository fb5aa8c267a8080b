// The playground page: acts for the four people and redraws what changed.
// The server renders every piece; this only posts actions and swaps fragments.
(() => {
  "use strict";
  const body = document.body;
  const generation = body.dataset.generation;
  const known = {};
  const lang = body.dataset.lang;

  async function post(url, data) {
    const response = await fetch(url, {
      method: "POST",
      headers: { "X-Playground": "1" },
      body: new URLSearchParams(data || {}),
    });
    return response.ok ? response.json() : {};
  }

  function phoneOf(element) {
    return element.closest("[data-phone]");
  }

  async function refreshPhone(key) {
    const response = await fetch(`/phone/${key}`, { cache: "no-store" });
    if (!response.ok) return;
    const data = await response.json();
    // Answers can overtake each other: never draw an older version over a newer one.
    if (known[key] !== undefined && data.version < known[key]) return;
    const phone = document.querySelector(`section.phone[data-phone="${key}"]`);
    phone.dir = data.dir;
    phone.lang = data.lang;
    phone.querySelector("select.language").value = data.lang;
    const holder = phone.querySelector(".phone-body");
    holder.innerHTML = data.html;
    const chat = holder.querySelector(".chat");
    chat.scrollTop = chat.scrollHeight;
    known[key] = data.version;
    phone.dataset.shown = data.version;
  }

  let panelTimer = null;
  async function refreshPanel() {
    panelTimer = null;
    const response = await fetch(`/panel?lang=${lang}`, { cache: "no-store" });
    if (!response.ok) return;
    const data = await response.json();
    const panel = document.getElementById("panel");
    const note = panel.querySelector(".clock-note");
    const kept = note ? note.textContent : "";
    panel.innerHTML = data.html;
    panel.querySelector(".clock-note").textContent = kept;
    // The phone where the next step happens stands out.
    const next = panel.querySelector("li.next");
    document.querySelectorAll("section.phone").forEach((phone) => {
      phone.classList.toggle("attention", !!next && phone.dataset.phone === next.dataset.phone);
    });
  }
  function schedulePanel() {
    if (panelTimer === null) panelTimer = setTimeout(refreshPanel, 150);
  }

  function showToast(phone, text) {
    const toast = phone.querySelector(".toast");
    toast.textContent = text;
    toast.hidden = false;
    clearTimeout(toast.timer);
    toast.timer = setTimeout(() => { toast.hidden = true; }, 3500);
  }

  function say(phone, text) {
    return post(`/phone/${phone.dataset.phone}/send`, { text });
  }

  document.addEventListener("click", async (event) => {
    const target = event.target.closest("button");
    if (!target) return;
    const phone = phoneOf(target);
    if (target.classList.contains("inline") && phone) {
      target.classList.add("pressed");
      const answer = await post(`/phone/${phone.dataset.phone}/press`, {
        message: target.dataset.message,
        data: target.dataset.data,
      });
      target.classList.remove("pressed");
      if (answer.toast) showToast(phone, answer.toast);
      if (answer.version !== undefined && known[phone.dataset.phone] !== answer.version) {
        await refreshPhone(phone.dataset.phone);
      }
      phone.dataset.presses = String(Number(phone.dataset.presses || 0) + 1);
    } else if ((target.classList.contains("command") || target.classList.contains("open-link")) && phone) {
      await say(phone, target.dataset.text);
    } else if (target.classList.contains("move")) {
      document.body.classList.add("moving");
      const answer = await post("/clock", { move: target.dataset.move });
      document.body.classList.remove("moving");
      const note = document.querySelector(".clock-note");
      if (note) note.textContent = answer.note || "";
      schedulePanel();
    } else if (target.classList.contains("reset")) {
      if (!window.confirm(body.dataset.resetConfirm)) return;
      document.body.classList.add("moving");
      const note = document.querySelector(".clock-note");
      if (note) note.textContent = body.dataset.starting;
      await post("/reset");
      window.location.reload();
    }
  });

  document.addEventListener("submit", async (event) => {
    const form = event.target;
    const phone = phoneOf(form);
    if (!phone) return;
    event.preventDefault();
    const input = form.querySelector("input[name=text]");
    const text = input.value.trim();
    if (!text) return;
    input.value = "";
    await say(phone, text);
  });

  document.addEventListener("change", async (event) => {
    const select = event.target;
    if (!select.matches("select.language")) return;
    await post(`/phone/${phoneOf(select).dataset.phone}/language`, { language: select.value });
  });

  function onVersions(data) {
    if (String(data.generation) !== generation) {
      window.location.reload();
      return;
    }
    for (const [key, version] of Object.entries(data.versions)) {
      if (key === "panel") continue;
      const phone = document.querySelector(`section.phone[data-phone="${key}"]`);
      if (phone) phone.dataset.latest = version;
      if (known[key] !== version) refreshPhone(key);
    }
    schedulePanel();
  }

  const events = new EventSource("/events");
  events.onmessage = (message) => onVersions(JSON.parse(message.data));
  setInterval(schedulePanel, 20000); // the bot's time runs on
  document.querySelectorAll("section.phone").forEach((phone) => {
    const chat = phone.querySelector(".chat");
    if (chat) chat.scrollTop = chat.scrollHeight;
  });
  refreshPanel();
})();
