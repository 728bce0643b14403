/**
 * How one item of the old list relates to the new list: kept (equal item found in both),
 * removed (only in the old list), added (only in the new list), or changed (an old and a
 * new item at the same place between two kept ones, so one most likely became the other).
 * Indexes are positions in the old list (`from`) and in the new list (`to`).
 */
export type ListStep =
  | { readonly kind: 'kept'; readonly from: number; readonly to: number }
  | { readonly kind: 'changed'; readonly from: number; readonly to: number }
  | { readonly kind: 'removed'; readonly from: number }
  | { readonly kind: 'added'; readonly to: number };

/**
 * Above this many cells the longest-common-subsequence table is not built and the
 * middle of the lists is compared position by position: no manifest list comes near it
 * (the largest, CRD enums, have tens of items), and a bound keeps a pathological input
 * from taking quadratic memory.
 */
const MAX_TABLE_CELLS = 4_000_000;

/**
 * Aligns two lists on a longest common subsequence of equal items, so that one item
 * inserted at the front is one addition rather than every index changed.
 *
 * Between two kept items, the removed and the added items are paired in order as
 * changes, and what is left over on either side is removed or added: `[a, b, c]` →
 * `[a, x, c]` is `b` changed to `x`, which lets the caller show what changed inside it.
 * Steps come in list order.
 */
export function alignLists<T>(before: readonly T[], after: readonly T[], equal: (a: T, b: T) => boolean): ListStep[] {
  // Common ends first: cheap, and usually all that is needed.
  let start = 0;
  while (start < before.length && start < after.length && equal(before[start], after[start])) start++;
  let endA = before.length;
  let endB = after.length;
  while (endA > start && endB > start && equal(before[endA - 1], after[endB - 1])) {
    endA--;
    endB--;
  }

  const steps: ListStep[] = [];
  for (let i = 0; i < start; i++) steps.push({ kind: 'kept', from: i, to: i });
  const pairs = middlePairs(before, after, start, endA, endB, equal);
  let i = start;
  let j = start;
  for (const [mi, mj] of [...pairs, [endA, endB] as const]) {
    gap(steps, i, mi, j, mj);
    if (mi < endA) steps.push({ kind: 'kept', from: mi, to: mj });
    i = mi + 1;
    j = mj + 1;
  }
  for (let k = 0; endA + k < before.length; k++) steps.push({ kind: 'kept', from: endA + k, to: endB + k });
  return steps;
}

/** The items between two kept ones: pairs in order become changes, the rest removals or additions. */
function gap(steps: ListStep[], fromA: number, toA: number, fromB: number, toB: number): void {
  const paired = Math.min(toA - fromA, toB - fromB);
  for (let k = 0; k < paired; k++) steps.push({ kind: 'changed', from: fromA + k, to: fromB + k });
  for (let k = fromA + paired; k < toA; k++) steps.push({ kind: 'removed', from: k });
  for (let k = fromB + paired; k < toB; k++) steps.push({ kind: 'added', to: k });
}

/** Index pairs of a longest common subsequence of before[start, endA) and after[start, endB), in order. */
function middlePairs<T>(before: readonly T[], after: readonly T[], start: number, endA: number, endB: number, equal: (a: T, b: T) => boolean): [number, number][] {
  const n = endA - start;
  const m = endB - start;
  if (n === 0 || m === 0 || (n + 1) * (m + 1) > MAX_TABLE_CELLS) return [];
  // lengths[i][j]: LCS length of the suffixes from start+i and start+j (stored row by row).
  const width = m + 1;
  const lengths = new Uint32Array((n + 1) * width);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lengths[i * width + j] = equal(before[start + i], after[start + j])
        ? lengths[(i + 1) * width + j + 1] + 1
        : Math.max(lengths[(i + 1) * width + j], lengths[i * width + j + 1]);
    }
  }
  const pairs: [number, number][] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (equal(before[start + i], after[start + j]) && lengths[i * width + j] === lengths[(i + 1) * width + j + 1] + 1) {
      pairs.push([start + i, start + j]);
      i++;
      j++;
    } else if (lengths[(i + 1) * width + j] >= lengths[i * width + j + 1]) {
      i++;
    } else {
      j++;
    }
  }
  return pairs;
}
