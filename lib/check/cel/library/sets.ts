import { celFunc, CelScalar, listType, type CelFunc, type CelList } from '@bufbuild/cel';
import { celEquals } from './std-operators';

// cel-go's sets extension (ext/sets.go), which Kubernetes enables unversioned from 1.29. Lists
// stand in for sets: duplicates and order do not matter, and elements compare with CEL `==`.

function contains(list: CelList, sublist: CelList): boolean {
  for (const wanted of sublist) {
    let found = false;
    for (const element of list) {
      if (celEquals(wanted, element)) {
        found = true;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

function intersects(a: CelList, b: CelList): boolean {
  for (const x of a) {
    for (const y of b) {
      if (celEquals(x, y)) return true;
    }
  }
  return false;
}

const { BOOL, DYN } = CelScalar;
const LIST = listType(DYN);

/** cel-go's sets extension: `sets.contains`, `sets.equivalent`, `sets.intersects`. */
export const SET_FUNCTIONS: readonly CelFunc[] = [
  celFunc('sets.contains', [LIST, LIST], BOOL, (list, sublist) => contains(list, sublist)),
  celFunc('sets.equivalent', [LIST, LIST], BOOL, (a, b) => contains(a, b) && contains(b, a)),
  celFunc('sets.intersects', [LIST, LIST], BOOL, (a, b) => intersects(a, b)),
];
