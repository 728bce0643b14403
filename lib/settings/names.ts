// Name rules, and the limits of what names become (helm release names, labels).
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
export const DNS_1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
export const RFC1123_RULE = "RFC 1123 label: lowercase letters, digits and '-', starting and ending with a letter or digit, at most 63 characters";
export const RFC1035_RULE = "RFC 1035 label: lowercase letters, digits and '-', starting with a letter and ending with a letter or digit";
/** Helm refuses longer release names (they end up in labels with suffixes). */
export const HELM_RELEASE_NAME_MAX = 53;
/** istiod's release is `istiod-<revision>`, so the revision gets what is left. */
export const REVISION_MAX = HELM_RELEASE_NAME_MAX - 'istiod-'.length;
