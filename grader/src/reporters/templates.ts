// Handlebars templates live in grader/templates; each is compiled once, on its own Handlebars instance so
// our helpers never leak into anyone else's. Markdown turns HTML escaping off and escapes table cells itself.
import { readFileSync } from 'node:fs';
import Handlebars from 'handlebars';

const TEMPLATE_DIR = new URL('../../templates/', import.meta.url);

const hbs = Handlebars.create();
const escapeHtml = (value: unknown) =>
  String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
/** Text inside raw HTML in Markdown (e.g. a <summary>). */
hbs.registerHelper('html', escapeHtml);
/** A Markdown table cell: pipes and line breaks would end the cell, and raw HTML would render. */
hbs.registerHelper('cell', (value: unknown) => escapeHtml(value).replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>'));
/** Text inside an inline code span (`…`): a backtick would end it, a pipe the table cell it sits in. */
hbs.registerHelper('code', (value: unknown) =>
  String(value ?? '')
    .replace(/`/g, "'")
    .replace(/\|/g, '\\|'),
);
/** A line inside a fenced code block: a run of backticks would close the fence. */
hbs.registerHelper('fence', (value: unknown) => String(value ?? '').replace(/`{3,}/g, "'''"));
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
