/**
 * How a CRD property name is spelled in CEL (apiserver/pkg/cel/escaping.go): a reserved
 * word becomes `__word__` (`namespace` → `__namespace__`, which Gateway API's rules use),
 * `__`, `.`, `-` and `/` are spelled out, and a name with any other character, or one that
 * starts with a digit, cannot be reached from a rule at all.
 */
const RESERVED = new Set([
  'true', 'false', 'null', 'in', 'as', 'break', 'const', 'continue', 'else', 'for', 'function',
  'if', 'import', 'let', 'loop', 'package', 'namespace', 'return', 'var', 'void', 'while',
]);

const SPELLED_OUT: { readonly [s: string]: string } = { '__': '__underscores__', '.': '__dot__', '-': '__dash__', '/': '__slash__' };

/** The property's name in CEL, or undefined when a rule cannot name it. */
export function escapePropertyName(name: string): string | undefined {
  if (name.length === 0 || /^[0-9]/.test(name)) return undefined;
  if (RESERVED.has(name)) return `__${name}__`;
  let ok = true;
  const escaped = name.replace(/__|[-./]|[^a-zA-Z0-9\-./_]/g, s => {
    const spelled = SPELLED_OUT[s];
    if (spelled === undefined) ok = false;
    return spelled ?? '';
  });
  return ok ? escaped : undefined;
}
