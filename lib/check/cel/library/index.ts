// The CEL function libraries a Kubernetes 1.33 API server adds for CRD validation rules
// (k8s.io/apiserver/pkg/cel/environment/base.go), as @bufbuild/cel functions.
//
// Object types. Kubernetes' libraries return values of their own CEL types (`net.IP`,
// `kubernetes.Quantity`, …) with methods and `==`. @bufbuild/cel 0.6.1 accepts only protobuf
// messages as object values: `celType` of anything else throws. So each type is a protobuf
// message declared at run time (opaque.ts) with one string field holding a canonical key: method
// dispatch then applies only to that message type (overloads match on the type name), and
// @bufbuild/cel's field-by-field message equality gives Kubernetes' `Equal` because the key is
// chosen to be equal exactly when Kubernetes calls two values equal (a quantity's normalized value,
// a URL's Go String(), an IP's canonical text, a semver without build metadata). The parsed native
// value travels beside the message in a WeakMap, so methods do not re-parse. `type(ip('::1'))`
// prints `net.IP`; naming the type in an expression (`type(x) == net.IP`) needs
// KUBERNETES_CEL_REGISTRY passed as `celEnv({ registry })`. The one field is visible to selection
// (`ip('::1').value` is the key) where Kubernetes would reject the expression.
//
// Not here:
// - library.Image (1.33): it parses references with go-containerregistry's name.ParseReference
//   (default registry, `library/` repositories, digest and tag grammar), too large to port here.
// - library.Authz: CRD rules have no `authorizer` variable.
// - CEL optionals (cel.OptionalTypes) and ext.TwoVarComprehensions are language features of the
//   evaluator, not functions; format.ts returns a stand-in optional (see there).
// - Quantity's mul/div/divInt arrived after 1.33.

import type { Registry } from '@bufbuild/protobuf';
import { createRegistry } from '@bufbuild/protobuf';
import { strings } from '@bufbuild/cel/ext';
import type { CelFunc } from '@bufbuild/cel';
import { FORMAT_FUNCTIONS, FORMAT_TYPE, OPTIONAL_TYPE } from './format';
import { CIDR_FUNCTIONS, CIDR_TYPE, IP_FUNCTIONS, IP_TYPE } from './ip';
import { LIST_FUNCTIONS } from './lists';
import { QUANTITY_FUNCTIONS, QUANTITY_TYPE } from './quantity';
import { REGEX_FUNCTIONS, RE2_MATCHER } from './regex';
import { SEMVER_FUNCTIONS, SEMVER_TYPE } from './semver';
import { SET_FUNCTIONS } from './sets';
import { STRINGS_V2_OVERRIDES } from './strings';
import { URL_FUNCTIONS, URL_TYPE } from './urls';

/** Every function a Kubernetes 1.33 API server adds to CEL's standard library for CRD validation rules. */
export const KUBERNETES_CEL_FUNCTIONS: readonly CelFunc[] = [
  // cel-go strings v2: bufbuild's extension, then the overloads whose behaviour differs, which
  // replace bufbuild's (same ids, later wins).
  ...strings,
  ...STRINGS_V2_OVERRIDES,
  ...SET_FUNCTIONS,
  ...URL_FUNCTIONS,
  ...REGEX_FUNCTIONS,
  ...LIST_FUNCTIONS,
  ...QUANTITY_FUNCTIONS,
  ...IP_FUNCTIONS,
  ...CIDR_FUNCTIONS,
  ...FORMAT_FUNCTIONS,
  ...SEMVER_FUNCTIONS,
];

/**
 * The message types behind the libraries' object types (`kubernetes.URL`, `net.IP`, `net.CIDR`,
 * `kubernetes.Quantity`, `kubernetes.Semver`, `kubernetes.NamedFormat`, `kubernetes.Optional`),
 * for `celEnv({ registry })` so that expressions can name them, as in `type(x) == net.IP`.
 */
export const KUBERNETES_CEL_REGISTRY: Registry = createRegistry(
  URL_TYPE.desc,
  IP_TYPE.desc,
  CIDR_TYPE.desc,
  QUANTITY_TYPE.desc,
  SEMVER_TYPE.desc,
  FORMAT_TYPE.desc,
  OPTIONAL_TYPE.desc,
);

/**
 * RE2 for `celEnv({ re2 })`: cel-go's `matches` takes RE2 syntax, while @bufbuild/cel's default
 * `matches` uses JavaScript's RegExp.
 */
export const KUBERNETES_CEL_RE2 = RE2_MATCHER;
