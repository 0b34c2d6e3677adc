// Interface text for scripts, in the page's language: the server renders it into the page
// (a JSON block, never executed) from the same string table as the templates.
const table = JSON.parse(document.getElementById("strings")?.textContent ?? "{}");

// t("key", a, b) fills {0}, {1}… in order; a missing key shows itself, as on the server.
export function t(key, ...args) {
  const text = table[key] ?? `⟦js.${key}⟧`;
  return text.replace(/\{(\d+)\}/g, (_, index) => String(args[Number(index)] ?? ""));
}

export const locale = document.documentElement.lang === "en" ? "en-GB" : "id-ID";
