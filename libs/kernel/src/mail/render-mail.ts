import type { MailMessage } from './mailer';

export interface MailTemplate {
  subject: string;
  /** Paragraphs of plain text. */
  lines: string[];
  action?: { label: string; url: string };
  /** Stable kind (`account.verify-email`), sent as a header and kept by the dev mailbox. */
  kind: string;
}

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

/** A plain-text and an HTML body from the same paragraphs, so both say the same thing. */
export function renderMail(to: string, t: MailTemplate): MailMessage {
  const text = [...t.lines, ...(t.action ? [`${t.action.label}: ${t.action.url}`] : [])].join('\n\n');
  const html = `<!doctype html><html><body style="font-family:sans-serif;line-height:1.5">${t.lines
    .map((l) => `<p>${escapeHtml(l)}</p>`)
    .join('')}${
    t.action ? `<p><a href="${escapeHtml(t.action.url)}" style="font-weight:bold">${escapeHtml(t.action.label)}</a></p>` : ''
  }</body></html>`;
  return { to, subject: t.subject, text, html, kind: t.kind };
}
