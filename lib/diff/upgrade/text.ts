import { fieldGroups, SchemaFieldChange, shownPath } from './crd-fields';
import { IstioVersions } from './detect';
import { splitImage, usesText } from './images';
import { Upgrade } from './analyse';

/** The versions of one side: `1.30.3`, or `1.29.6, 1.30.3` mid-way through a revision upgrade. */
export function versionsText(v: IstioVersions): string {
  return v.versions.join(', ');
}

/** Where the versions were read from, in words. */
export function sourceText(u: Upgrade): string {
  const sources = [...new Set([u.before.source, u.after.source])];
  return sources.map(s => (s === 'labels' ? 'the chart labels of Istio objects' : "istiod's image tag")).join(' (before) and ') + (sources.length > 1 ? ' (after)' : '');
}

/** `docker.io/istio/pilot: 1.29.6 → 1.30.3`, or both images in full when their names differ; `(none)` for a side without. */
export function imageChangeText(before: string | undefined, after: string | undefined): { readonly name?: string; readonly before: string; readonly after: string } {
  if (before !== undefined && after !== undefined) {
    const a = splitImage(before);
    const b = splitImage(after);
    if (a.name === b.name) return { name: a.name, before: a.ref || '(no tag)', after: b.ref || '(no tag)' };
  }
  // Added or removed: the image's name still heads the row, its reference shows on one side.
  const only = before ?? after;
  if (only !== undefined && (before === undefined || after === undefined)) {
    const i = splitImage(only);
    const ref = i.ref || '(no tag)';
    return { name: i.name, before: before === undefined ? '(none)' : ref, after: after === undefined ? '(none)' : ref };
  }
  return { before: before ?? '(none)', after: after ?? '(none)' };
}

/** What follows an added or removed field's path: ` ([]string)`, ` (object, and 3 fields below)`, or ''. */
export function schemaFieldAbout(f: SchemaFieldChange): string {
  const parts = [...(f.type ? [f.type] : []), ...(f.nested ? [`and ${f.nested} field${f.nested === 1 ? '' : 's'} below`] : [])];
  return parts.length ? ` (${parts.join(', ')})` : '';
}

/** One schema field change: `+ spec.x (object, and 3 fields below)`, `- spec.y (string)`, `~ spec.z: type: "string" → "integer"`. */
export function schemaFieldText(f: SchemaFieldChange): string {
  const mark = f.kind === 'added' ? '+' : f.kind === 'removed' ? '-' : '~';
  const details = f.details?.length ? `: ${f.details.join('; ')}` : '';
  return `${mark} ${shownPath(f.path)}${schemaFieldAbout(f)}${details}`;
}

/**
 * The upgrade sections in plain text, shorter than the Markdown: one heading line, then
 * one line per image, kind, CRD field, webhook change and permission; sections without
 * changes are one `none` line.
 */
export function upgradeText(u: Upgrade): string[] {
  const out = [`Istio upgrade: ${versionsText(u.before)} → ${versionsText(u.after)} (versions from ${sourceText(u)})`];

  out.push('  images:');
  if (!u.images.length) out.push('    none changed');
  for (const i of u.images) {
    const t = imageChangeText(i.before, i.after);
    out.push(`    ${t.name ? `${t.name}: ` : ''}${t.before} → ${t.after}  (${usesText(i.where).join('; ')})`);
  }

  out.push('  objects added and removed:');
  if (!u.objects.length) out.push('    none');
  for (const k of u.objects) {
    if (k.added.length) out.push(`    + ${k.kind} (${k.added.length}): ${k.added.join(', ')}`);
    if (k.removed.length) out.push(`    - ${k.kind} (${k.removed.length}): ${k.removed.join(', ')}`);
  }

  out.push('  CRD schemas:');
  if (!u.crds.length) out.push('    none changed');
  for (const crd of u.crds) {
    out.push(`    ${crd.name}`);
    for (const v of crd.versions) {
      if (v.status !== 'changed') out.push(`      ${v.version}: version ${v.status}`);
      for (const flag of v.flags) out.push(`      ${v.version}: ${flag}`);
    }
    for (const g of fieldGroups(crd)) {
      out.push(`      ${g.versions.join(', ')}:`);
      for (const f of g.fields) out.push(`        ${schemaFieldText(f)}`);
    }
  }

  out.push('  webhooks:');
  if (!u.webhooks.length) out.push('    none changed');
  for (const w of u.webhooks) {
    out.push(`    ${w.ref}${w.status ? ` (${w.status})` : ''}`);
    for (const name of w.added) out.push(`      + webhook ${name}`);
    for (const name of w.removed) out.push(`      - webhook ${name}`);
    for (const c of w.changed) {
      out.push(`      ~ webhook ${c.name}`);
      for (const r of c.rulesAdded) out.push(`          + rule ${r}`);
      for (const r of c.rulesRemoved) out.push(`          - rule ${r}`);
      for (const f of c.fields) out.push(`          ${f}`);
    }
  }

  out.push('  RBAC rules:');
  if (!u.rbac.length) out.push('    none changed');
  for (const r of u.rbac) {
    out.push(`    ${r.ref}${r.status ? ` (${r.status})` : ''}`);
    for (const line of r.added) out.push(`      + ${line}`);
    for (const line of r.removed) out.push(`      - ${line}`);
  }
  return out;
}
