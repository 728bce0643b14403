import { cell, codeSpan } from '../markdown-syntax';
import { Upgrade } from './analyse';
import { usesText } from './images';
import { fieldGroups, SchemaFieldChange, shownPath } from './crd-fields';
import { imageChangeText, schemaFieldAbout, sourceText, versionsText } from './text';

function code(text: string): string {
  return codeSpan(text);
}

function imagesSection(u: Upgrade): string[] {
  const out = ['', '##### Images', ''];
  if (!u.images.length) return [...out, 'No image changed.'];
  out.push('| image | before | after | used by |', '|---|---|---|---|');
  for (const i of u.images) {
    const t = imageChangeText(i.before, i.after);
    const where = usesText(i.where).map(code).join('<br>');
    out.push(`| ${cell(t.name ? code(t.name) : '')} | ${cell(code(t.before))} | ${cell(code(t.after))} | ${cell(where)} |`);
  }
  return out;
}

function objectsSection(u: Upgrade): string[] {
  const out = ['', '##### Objects added and removed', ''];
  if (!u.objects.length) return [...out, 'No object added or removed.'];
  const names = (list: readonly string[]) => (list.length ? `${list.length}: ${list.map(code).join(', ')}` : '0');
  out.push('| kind | added | removed |', '|---|---|---|');
  for (const k of u.objects) out.push(`| ${cell(code(k.kind))} | ${cell(names(k.added))} | ${cell(names(k.removed))} |`);
  return out;
}

function fieldLine(f: SchemaFieldChange): string {
  const details = f.details?.length ? `: ${f.details.map(code).join(', ')}` : '';
  return `${f.kind} ${code(shownPath(f.path))}${schemaFieldAbout(f)}${details}`;
}

function counts(fields: readonly SchemaFieldChange[]): string {
  return (['added', 'removed', 'changed'] as const)
    .map(kind => [kind, fields.filter(f => f.kind === kind).length] as const)
    .filter(([, n]) => n > 0)
    .map(([kind, n], i) => (i ? `${n} ${kind}` : `${n} field${n === 1 ? '' : 's'} ${kind}`))
    .join(', ');
}

function crdSection(u: Upgrade): string[] {
  const out = ['', '##### CRD schema changes', ''];
  if (!u.crds.length) return [...out, 'No CRD version or schema field changed (descriptions are not compared).'];
  for (const crd of u.crds) {
    out.push(`- ${code(crd.name)}`);
    for (const v of crd.versions) {
      if (v.status !== 'changed') out.push(`  - ${code(v.version)}: version ${v.status}`);
      for (const flag of v.flags) out.push(`  - ${code(v.version)}: ${code(flag)}`);
    }
    for (const g of fieldGroups(crd)) {
      out.push(`  - ${g.versions.map(code).join(', ')}: ${counts(g.fields)}`);
      for (const f of g.fields) out.push(`    - ${fieldLine(f)}`);
    }
  }
  return out;
}

function webhookSection(u: Upgrade): string[] {
  const out = ['', '##### Webhook changes', ''];
  if (!u.webhooks.length) return [...out, 'No webhook changed (the CA bundle is not compared).'];
  for (const w of u.webhooks) {
    out.push(`- ${code(w.ref)}${w.status ? ` (configuration ${w.status})` : ''}`);
    for (const name of w.added) out.push(`  - webhook added ${code(name)}`);
    for (const name of w.removed) out.push(`  - webhook removed ${code(name)}`);
    for (const c of w.changed) {
      out.push(`  - webhook changed ${code(c.name)}`);
      for (const r of c.rulesAdded) out.push(`    - rule added ${code(r)}`);
      for (const r of c.rulesRemoved) out.push(`    - rule removed ${code(r)}`);
      for (const f of c.fields) out.push(`    - ${code(f)}`);
    }
  }
  return out;
}

function rbacSection(u: Upgrade): string[] {
  const out = ['', '##### RBAC rule changes', ''];
  if (!u.rbac.length) return [...out, 'No ClusterRole or Role grants more or less than before.'];
  for (const r of u.rbac) {
    out.push(`- ${code(r.ref)}${r.status ? ` (role ${r.status})` : ''}`);
    for (const line of r.added) out.push(`  - added ${code(line)}`);
    for (const line of r.removed) out.push(`  - removed ${code(line)}`);
  }
  return out;
}

/**
 * The upgrade sections of `npm run diff -- --markdown`: a heading with the versions,
 * then images (a table), objects added and removed (a table per kind), CRD schema
 * changes, webhook changes and RBAC rule changes (nested lists). Every name and value
 * is in a code span; a section without changes says so in one line.
 */
export function upgradeMarkdown(u: Upgrade): string[] {
  return [
    `#### Istio upgrade: ${code(versionsText(u.before))} → ${code(versionsText(u.after))}`,
    '',
    `Versions read from ${sourceText(u)}. What the upgrade changes, section by section; the objects follow file by file below.`,
    ...imagesSection(u),
    ...objectsSection(u),
    ...crdSection(u),
    ...webhookSection(u),
    ...rbacSection(u),
  ];
}
