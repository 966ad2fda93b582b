// A student's written answer, as the review page shows it: the section of answers.md headed
// "Exercise N", rendered from Markdown and sanitised. markdown-it already escapes raw HTML (html: false)
// and refuses javascript: links; sanitize-html then keeps only an allow-list of tags and attributes, so a
// student's <script>, onerror= or style never reaches the grader's browser (the page's CSP is the third wall).
import { lstatSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { inertLines } from '../reporters/inert.ts';

type Token = ReturnType<InstanceType<typeof MarkdownIt>['parse']>[number];

const md = new MarkdownIt({ html: false, linkify: true, typographer: false });

const SANITIZE: sanitizeHtml.IOptions = {
  allowedTags: [
    ...['p', 'br', 'hr', 'blockquote', 'pre', 'code', 'em', 'strong', 's', 'a', 'img', 'ul', 'ol', 'li'],
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'table', 'thead', 'tbody', 'tr', 'th', 'td'],
  ],
  allowedAttributes: { a: ['href', 'title', 'rel'], img: ['src', 'alt', 'title'], th: ['style'], td: ['style'] },
  allowedStyles: { '*': { 'text-align': [/^(left|right|center)$/] } },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesByTag: { img: ['data'] },
  transformTags: { a: sanitizeHtml.simpleTransform('a', { rel: 'noopener noreferrer nofollow' }) },
};

/**
 * Markdown to HTML that is safe to put in a page. Control and bidirectional characters are shown escaped
 * first (reporters/inert.ts), so an answer cannot reorder or hide what the grader reads.
 */
export function renderMarkdown(markdown: string): string {
  return sanitizeHtml(md.render(inertLines(markdown)), SANITIZE);
}

const isExerciseHeading = (tokens: Token[], i: number, exercise: number) =>
  tokens[i]?.type === 'heading_open' &&
  new RegExp(`\\bexercise\\s+${exercise}\\b`, 'i').test(tokens[i + 1]?.content ?? '');

/** The tokens of the section headed "Exercise N" (heading included), or undefined when there is none. */
function sectionTokens(tokens: Token[], exercise: number): Token[] | undefined {
  const start = tokens.findIndex((_, i) => isExerciseHeading(tokens, i, exercise));
  if (start < 0) return undefined;
  const level = Number(tokens[start]?.tag.slice(1));
  let end = start + 1;
  while (end < tokens.length && !(tokens[end]?.type === 'heading_open' && Number(tokens[end]?.tag.slice(1)) <= level))
    end += 1;
  return tokens.slice(start, end);
}

/** The section's text without markup, for comparing an answer with the stub. */
const plain = (tokens: Token[]) =>
  tokens
    .filter((t) => t.type === 'inline')
    .map((t) => t.content)
    .join(' ')
    .replace(/\s+/g, ' ')
    .trim();

export interface Answer {
  /** Sanitised HTML of the answer, or of the whole file when it has no "Exercise N" heading. */
  html: string;
  /** What the grader should know: file missing, no heading for this exercise, unchanged from the stub. */
  notes: string[];
}

const MAX_BYTES = 512 * 1024;

function readText(file: string): string | undefined {
  try {
    const s = lstatSync(file); // a link could point outside the submission
    if (!s.isFile()) return undefined;
    if (s.size > MAX_BYTES) return `${readFileSync(file, 'utf8').slice(0, MAX_BYTES)}\n\n(cut at 512 KB)`;
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The answer to `exercise` in `folder/answersFile`; `stub` is the handed-out answers file, if known. */
export function readAnswer(folder: string | undefined, answersFile: string, exercise: number, stub?: string): Answer {
  const text = folder === undefined ? undefined : readText(join(folder, answersFile));
  if (text === undefined) return { html: '', notes: [`no ${answersFile} in the submission`] };
  const tokens = md.parse(text, {});
  const section = sectionTokens(tokens, exercise);
  if (!section) {
    return {
      html: renderMarkdown(text),
      notes: [`no "Exercise ${exercise}" heading in ${answersFile}: the whole file`],
    };
  }
  const notes: string[] = [];
  const stubSection = stub === undefined ? undefined : sectionTokens(md.parse(stub, {}), exercise);
  if (stubSection && plain(stubSection) === plain(section)) notes.push('unchanged from the handed-out file');
  return { html: sanitizeHtml(md.renderer.render(section, md.options, {}), SANITIZE), notes };
}
