// Handlebars templates live in grader/templates; each is compiled once, on its own Handlebars instance so
// our helpers never leak into anyone else's. Markdown turns HTML escaping off and escapes its text itself
// (the `cell` helper); HTML keeps Handlebars' escaping. Both get inert strings (inert.ts).
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';
import { inert } from './inert.ts';

const TEMPLATE_DIR = new URL('../../templates/', import.meta.url);

const hbs = Handlebars.create();
/** Control characters shown escaped and the length bounded (inert.ts), then HTML's own characters escaped. */
const escapeHtml = (value: unknown) =>
  inert(String(value ?? ''))
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
/** Text inside raw HTML in Markdown (e.g. a <summary>). */
hbs.registerHelper('html', escapeHtml);
/**
 * Text in Markdown (a table cell, a list item): markup is text. Emphasis and code are backslash-escaped,
 * a link or image loses its `(`, a pipe would end the cell, raw HTML is escaped, and a bare URL is kept
 * from turning into a link (GitHub links `https://…` and `www.…` on its own).
 */
hbs.registerHelper('cell', (value: unknown) =>
  escapeHtml(value)
    .replace(/[\\`*_~|]/g, '\\$&')
    // `[text](url)` and `![alt](url)`: no link or image without its `(` (no reference definitions here).
    .replace(/\]\(/g, ']\\(')
    .replace(/:\/\//g, '&#58;//')
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}&#46;`),
);
/** Text inside an inline code span (`…`): a backtick would end it, a pipe the table cell it sits in. */
hbs.registerHelper('code', (value: unknown) =>
  inert(String(value ?? ''))
    .replace(/`/g, "'")
    .replace(/\|/g, '\\|'),
);
/** A line inside a fenced code block: a run of backticks would close the fence. */
hbs.registerHelper('fence', (value: unknown) => inert(String(value ?? '')).replace(/`{3,}/g, "'''"));
hbs.registerHelper('join', (list: unknown, sep: unknown) => (Array.isArray(list) ? list.join(String(sep)) : ''));
hbs.registerHelper('eq', (a: unknown, b: unknown) => a === b);
hbs.registerHelper('fixed', (n: unknown, digits: unknown) => (typeof n === 'number' ? n.toFixed(Number(digits)) : ''));

const cache = new Map<string, Handlebars.TemplateDelegate>();

export function renderTemplate(name: string, view: unknown): string {
  let template = cache.get(name);
  if (!template) {
    const source = readFileSync(new URL(name, TEMPLATE_DIR), 'utf8');
    template = hbs.compile(source, { noEscape: name.endsWith('.md.hbs'), strict: false });
    cache.set(name, template);
  }
  return template(view);
}
