import { celMethod, CelScalar, celType, celUint, listType, type CelFunc, type CelList, type CelValue } from '@bufbuild/cel';
import { create } from '@bufbuild/protobuf';
import { reflect } from '@bufbuild/protobuf/reflect';
import { DurationSchema } from '@bufbuild/protobuf/wkt';
import { celAdd, celEquals, celGreater, celLess } from './std-operators';

// Kubernetes' list library (k8s.io/apiserver/pkg/cel/library/lists.go) as the 1.33 API server
// enables it: unversioned, so without the later `includes`. Kubernetes picks an overload per
// element type at compile time; this runtime-typed port decides by the elements themselves.

const COMPARABLE = new Set([
  'int',
  'uint',
  'double',
  'bool',
  'string',
  'bytes',
  'google.protobuf.Duration',
  'google.protobuf.Timestamp',
]);

/** The additive identity per summable element type, as Kubernetes' zeroValuesOfSummableTypes. */
const SUM_ZEROS: Record<string, () => CelValue> = {
  int: () => 0n,
  uint: () => celUint(0n),
  double: () => 0,
  'google.protobuf.Duration': () => reflect(DurationSchema, create(DurationSchema)),
};

function noSuchOverload(): Error {
  return new Error('no such overload');
}

function comparable(value: CelValue): CelValue {
  if (!COMPARABLE.has(celType(value).name)) throw noSuchOverload();
  return value;
}

function isSorted(list: CelList): boolean {
  let previous: CelValue | undefined;
  for (const element of list) {
    comparable(element);
    // cel-go only fails on an explicit "greater": pairs that cannot be ordered are skipped.
    if (previous !== undefined && celGreater(previous, element) === true) return false;
    previous = element;
  }
  return true;
}

function sum(list: CelList): CelValue {
  const first = list.get(0);
  // An empty list has no element to tell int from double; Kubernetes would know the static type.
  if (first === undefined) return 0n;
  const zero = SUM_ZEROS[celType(first).name];
  if (!zero) throw noSuchOverload();
  let total = zero();
  for (const element of list) {
    const next = celAdd(total, element);
    if (next === undefined) throw noSuchOverload();
    total = next;
  }
  return total;
}

function extreme(list: CelList, name: 'min' | 'max'): CelValue {
  let result: CelValue | undefined;
  for (const element of list) {
    comparable(element);
    if (result === undefined) {
      result = element;
    } else {
      const replace = name === 'min' ? celGreater(result, element) : celLess(result, element);
      if (replace === true) result = element;
    }
  }
  if (result === undefined) throw new Error(`${name} called on empty list`);
  return result;
}

function indexOf(list: CelList, item: CelValue): bigint {
  for (let i = 0; i < list.size; i++) {
    if (celEquals(list.get(i) as CelValue, item)) return BigInt(i);
  }
  return -1n;
}

function lastIndexOf(list: CelList, item: CelValue): bigint {
  for (let i = list.size - 1; i >= 0; i--) {
    if (celEquals(list.get(i) as CelValue, item)) return BigInt(i);
  }
  return -1n;
}

const { BOOL, INT, DYN } = CelScalar;
const LIST = listType(DYN);

/** Kubernetes' list library: `isSorted`, `sum`, `min`, `max`, `indexOf`, `lastIndexOf`. */
export const LIST_FUNCTIONS: readonly CelFunc[] = [
  celMethod('isSorted', LIST, [], BOOL, function () {
    return isSorted(this);
  }),
  celMethod('sum', LIST, [], DYN, function () {
    return sum(this);
  }),
  celMethod('min', LIST, [], DYN, function () {
    return extreme(this, 'min');
  }),
  celMethod('max', LIST, [], DYN, function () {
    return extreme(this, 'max');
  }),
  celMethod('indexOf', LIST, [DYN], INT, function (item) {
    return indexOf(this, item);
  }),
  celMethod('lastIndexOf', LIST, [DYN], INT, function (item) {
    return lastIndexOf(this, item);
  }),
];
