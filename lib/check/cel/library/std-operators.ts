import { celEnv, isCelError, type CelValue } from '@bufbuild/cel';

// The list and set libraries compare, order and add elements exactly as the expression's own
// `==`, `<` and `+` would. @bufbuild/cel does not export those operators, so they are borrowed
// from a standard environment's function table: one implementation of CEL equality (cross-type
// numbers, lists, maps, protobuf messages) rather than a second one that could drift.
const STANDARD = celEnv().funcs;

type Binary = (left: CelValue, right: CelValue) => CelValue | undefined;

function operator(name: string): Binary {
  const group = STANDARD.find(name);
  if (!group) throw new Error(`@bufbuild/cel has no ${name} operator`);
  return (left, right) => {
    const result = group.call(0, undefined, [left, right]);
    if (isCelError(result)) throw result;
    return result;
  };
}

const equalsOp = operator('_==_');
const lessOp = operator('_<_');
const greaterOp = operator('_>_');
const addOp = operator('_+_');

/** CEL `==`, heterogeneous: values of different types are unequal, numbers compare across types. */
export function celEquals(left: CelValue, right: CelValue): boolean {
  return equalsOp(left, right) === true;
}

/** CEL `<`; undefined when no overload orders the two values (e.g. an int and a string). */
export function celLess(left: CelValue, right: CelValue): boolean | undefined {
  return lessOp(left, right) as boolean | undefined;
}

/** CEL `>`; undefined when no overload orders the two values. */
export function celGreater(left: CelValue, right: CelValue): boolean | undefined {
  return greaterOp(left, right) as boolean | undefined;
}

/** CEL `+` (overflow is an error); undefined when no overload adds the two values. */
export function celAdd(left: CelValue, right: CelValue): CelValue | undefined {
  return addOp(left, right);
}
