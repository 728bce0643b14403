// Markdown escaping shared by the report (markdown.ts) and the upgrade sections (upgrade/markdown.ts).

/**
 * `text` as a Markdown code span, shown exactly: the fence is one backtick longer than
 * the longest run of backticks inside, and a space pads text that starts or ends with a
 * backtick or a space (GitHub strips one such space on each side).
 */
export function codeSpan(text: string): string {
  const longest = Math.max(0, ...(text.match(/`+/g) ?? []).map(run => run.length));
  const fence = '`'.repeat(longest + 1);
  const pad = /^[` ]|[` ]$/.test(text) ? ' ' : '';
  // A code span is one line; our lines have none, but a stray one must not end the list item.
  return `${fence}${pad}${text.replace(/\r?\n/g, ' ')}${pad}${fence}`;
}

/**
 * A table cell: a `|` would end the cell, even inside a code span, unless escaped; GitHub
 * removes the backslash before it renders the span.
 */
export function cell(markdown: string): string {
  return markdown.replace(/\|/g, '\\|');
}
