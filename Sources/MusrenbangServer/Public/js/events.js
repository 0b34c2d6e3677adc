// The live stream of an assembly, one per page however many scripts follow it (the figures,
// the video, the floor). Read with fetch rather than EventSource so that a refusal (429, 503:
// the server is full) waits as long as its Retry-After says instead of giving up or hammering.
// The first connection starts at the newest event (the page was just drawn); every reconnect
// sends the last id seen, so nothing is missed across cuts, restarts and refusals.
const streams = new Map();

class LiveEvents {
  constructor(assembly) {
    Object.assign(this, { assembly, handlers: new Map(), openers: [], last: null, retry: 2000, delay: 1000, opened: false });
    this.run();
  }

  on(kinds, handler) {
    for (const kind of [].concat(kinds)) {
      if (!this.handlers.has(kind)) this.handlers.set(kind, []);
      this.handlers.get(kind).push(handler);
    }
    return this;
  }

  // Called once, when the stream first answers: whatever changed between drawing the page and
  // that moment is read then.
  onOpen(handler) {
    if (this.opened) handler(); else this.openers.push(handler);
    return this;
  }

  async run() {
    for (;;) {
      let wait;
      try {
        const from = this.last === null ? "start=now" : `lastEventId=${this.last}`;
        const response = await fetch(`/api/v1/assemblies/${this.assembly}/live?${from}`,
          { headers: { Accept: "text/event-stream" }, cache: "no-store" });
        if (response.ok) {
          await this.read(response.body);
          this.delay = 1000;
          wait = this.retry;
        } else {
          const after = Number(response.headers.get("Retry-After"));
          wait = after > 0 ? after * 1000 : this.backOff();
        }
      } catch {
        wait = this.backOff();
      }
      // A little randomness, so pages cut off together do not all come back in the same second.
      await new Promise((resolve) => setTimeout(resolve, wait + Math.random() * 1000));
    }
  }

  backOff() {
    const wait = this.delay;
    this.delay = Math.min(this.delay * 2, 30000);
    return wait;
  }

  async read(body) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = "";
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return;
      buffer += value.replace(/\r\n?/g, "\n");
      let end;
      while ((end = buffer.indexOf("\n\n")) >= 0) {
        this.message(buffer.slice(0, end));
        buffer = buffer.slice(end + 2);
      }
    }
  }

  message(block) {
    let kind = "message", data = [], id = null;
    for (const line of block.split("\n")) {
      if (line.startsWith(":")) continue;
      const colon = line.indexOf(":");
      const field = colon < 0 ? line : line.slice(0, colon);
      const value = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
      if (field === "id") id = value;
      else if (field === "event") kind = value;
      else if (field === "data") data.push(value);
      else if (field === "retry" && Number(value) > 0) this.retry = Number(value);
    }
    if (id !== null && /^\d+$/.test(id)) this.last = id;
    if (!this.opened) {
      this.opened = true;
      for (const handler of this.openers.splice(0)) handler();
    }
    if (data.length === 0) return;
    for (const handler of this.handlers.get(kind) ?? []) handler({ type: kind, data: data.join("\n"), lastEventId: this.last });
  }
}

export function liveEvents(assembly) {
  if (!streams.has(assembly)) streams.set(assembly, new LiveEvents(assembly));
  return streams.get(assembly);
}
