/** Text made safe to put between HTML tags or inside a quoted attribute. */
export function escapeHtml(text: string | number): string {
  return String(text)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/**
 * JSON that can sit inside a <script> element: every "<" is written as the JSON escape \u003c, so
 * neither "</script>" nor "<!--" in the data can end or confuse the element, and JSON.parse gives
 * the same value back.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c');
}
