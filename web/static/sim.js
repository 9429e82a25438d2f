// Browser chat simulator: speaks to /api/sim/* and shows what the bot says.
(function () {
  "use strict";
  const PRIVATE = "__private__";
  const groupSel = document.getElementById("group");
  const personaSel = document.getElementById("persona");
  const log = document.getElementById("log");
  const input = document.getElementById("text");
  const errorBox = document.getElementById("error");
  let setup = { groups: [] };
  let lastId = 0;

  function currentGroup() {
    return groupSel.value === PRIVATE ? null : groupSel.value;
  }
  function currentPersona() {
    const opt = personaSel.selectedOptions[0];
    return opt ? { id: opt.value, name: opt.dataset.name } : null;
  }
  function personasFor(groupId) {
    const g = setup.groups.find((x) => x.id === groupId) || setup.groups[0];
    return g ? g.personas : [];
  }
  function fillPersonas() {
    const keep = personaSel.value;
    personaSel.innerHTML = "";
    const gid = currentGroup() || (setup.groups[0] && setup.groups[0].id);
    for (const p of personasFor(gid)) {
      const o = document.createElement("option");
      o.value = p.id; o.dataset.name = p.name; o.textContent = p.name + "（" + p.role + "）";
      personaSel.appendChild(o);
    }
    if ([...personaSel.options].some((o) => o.value === keep)) personaSel.value = keep;
    resetLog();
  }
  function resetLog() { log.innerHTML = ""; lastId = 0; poll(); }
  function show(events) {
    for (const e of events) {
      if (e.id <= lastId) continue;
      lastId = e.id;
      const div = document.createElement("div");
      div.className = "msg " + e.direction + (e.group_id ? "" : " private");
      div.dataset.direction = e.direction;
      const who = document.createElement("span");
      who.className = "who";
      who.textContent = e.sender + (e.group_id ? "" : "（私聊）");
      div.appendChild(who);
      div.appendChild(document.createTextNode(e.text));
      log.appendChild(div);
    }
    log.scrollTop = log.scrollHeight;
  }
  async function poll() {
    const p = currentPersona();
    if (!p) return;
    const q = new URLSearchParams({ persona: p.id, after: String(lastId) });
    const g = currentGroup();
    if (g) q.set("group", g);
    const r = await fetch("/api/sim/feed?" + q);
    if (r.ok) show((await r.json()).events);
  }
  async function send(ev) {
    ev.preventDefault();
    errorBox.textContent = "";
    const p = currentPersona();
    const text = input.value.trim();
    if (!text) { errorBox.textContent = "请输入内容"; return; }
    const r = await fetch("/api/sim/send", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ group_id: currentGroup(), persona_id: p.id, persona_name: p.name, text, after: lastId }),
    });
    const data = await r.json();
    if (!r.ok) { errorBox.textContent = data.error || "发送失败"; return; }
    input.value = "";
    show(data.events);
  }
  async function join() {
    errorBox.textContent = "";
    const p = currentPersona();
    const r = await fetch("/api/sim/send", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ group_id: currentGroup(), persona_id: p.id, persona_name: p.name, join: true, after: lastId }),
    });
    const data = await r.json();
    if (!r.ok) { errorBox.textContent = data.error || "入群失败"; return; }
    show(data.events);
  }
  async function init() {
    const r = await fetch("/api/sim/setup");
    setup = await r.json();
    for (const g of setup.groups) {
      const o = document.createElement("option");
      o.value = g.id; o.textContent = g.id + "（" + g.village + "）";
      groupSel.appendChild(o);
    }
    const priv = document.createElement("option");
    priv.value = PRIVATE; priv.textContent = "私聊机器人";
    groupSel.appendChild(priv);
    if (!setup.groups.length) errorBox.textContent = "还没有绑定的村群：请先导入名册并绑定群。";
    groupSel.addEventListener("change", fillPersonas);
    personaSel.addEventListener("change", resetLog);
    document.getElementById("send").addEventListener("submit", send);
    document.getElementById("join").addEventListener("click", join);
    fillPersonas();
    setInterval(poll, 3000);
  }
  init();
})();
