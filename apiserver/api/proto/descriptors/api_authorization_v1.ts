// Message descriptors of k8s.io.api.authorization.v1: field numbers and types from upstream's generated.proto, JSON names,
// pointers and omitempty from its Go types (written by ../generate.ts; see the format in ../descriptor.ts).
export const pkg = 'k8s.io.api.authorization.v1';

export const messages: Record<string, string> = {
  ExtraValue: '@list 1 items string r',
  FieldSelectorAttributes: '1 rawSelector string; 2 requirements k8s.io.apimachinery.pkg.apis.meta.v1.FieldSelectorRequirement r',
  LabelSelectorAttributes: '1 rawSelector string; 2 requirements k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement r',
  LocalSubjectAccessReview: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.authorization.v1.SubjectAccessReviewSpec; 3 status k8s.io.api.authorization.v1.SubjectAccessReviewStatus',
  NonResourceAttributes: '1 path string; 2 verb string',
  NonResourceRule: '1 verbs string rk; 2 nonResourceURLs string r',
  ResourceAttributes: '1 namespace string; 2 verb string; 3 group string; 4 version string; 5 resource string; 6 subresource string; 7 name string; 8 fieldSelector k8s.io.api.authorization.v1.FieldSelectorAttributes; 9 labelSelector k8s.io.api.authorization.v1.LabelSelectorAttributes',
  ResourceRule: '1 verbs string rk; 2 apiGroups string r; 3 resources string r; 4 resourceNames string r',
  SelfSubjectAccessReview: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.authorization.v1.SelfSubjectAccessReviewSpec; 3 status k8s.io.api.authorization.v1.SubjectAccessReviewStatus',
  SelfSubjectAccessReviewSpec: '1 resourceAttributes k8s.io.api.authorization.v1.ResourceAttributes; 2 nonResourceAttributes k8s.io.api.authorization.v1.NonResourceAttributes',
  SelfSubjectRulesReview: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.authorization.v1.SelfSubjectRulesReviewSpec; 3 status k8s.io.api.authorization.v1.SubjectRulesReviewStatus',
  SelfSubjectRulesReviewSpec: '1 namespace string',
  SubjectAccessReview: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.authorization.v1.SubjectAccessReviewSpec; 3 status k8s.io.api.authorization.v1.SubjectAccessReviewStatus',
  SubjectAccessReviewSpec: '1 resourceAttributes k8s.io.api.authorization.v1.ResourceAttributes; 2 nonResourceAttributes k8s.io.api.authorization.v1.NonResourceAttributes; 3 user string; 4 groups string r; 5 extra map<string,k8s.io.api.authorization.v1.ExtraValue>; 6 uid string',
  SubjectAccessReviewStatus: '1 allowed bool k; 4 denied bool; 2 reason string; 3 evaluationError string',
  SubjectRulesReviewStatus: '1 resourceRules k8s.io.api.authorization.v1.ResourceRule rk; 2 nonResourceRules k8s.io.api.authorization.v1.NonResourceRule rk; 3 incomplete bool k; 4 evaluationError string',
};
