// Message descriptors of k8s.io.api.authentication.v1: field numbers and types from upstream's generated.proto, JSON names,
// pointers and omitempty from its Go types (written by ../generate.ts; see the format in ../descriptor.ts).
export const pkg = 'k8s.io.api.authentication.v1';

export const messages: Record<string, string> = {
  AttestationValue: '@list 1 items string r',
  BoundObjectReference: '1 kind string; 2 apiVersion string; 3 name string; 4 uid string',
  ExtraValue: '@list 1 items string r',
  SelfSubjectReview: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 status k8s.io.api.authentication.v1.SelfSubjectReviewStatus',
  SelfSubjectReviewStatus: '1 userInfo k8s.io.api.authentication.v1.UserInfo',
  TokenRequest: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.authentication.v1.TokenRequestSpec; 3 status k8s.io.api.authentication.v1.TokenRequestStatus',
  TokenRequestSpec: '1 audiences string rk; 4 expirationSeconds int64 k; 3 boundObjectRef k8s.io.api.authentication.v1.BoundObjectReference k; 5 attestations map<string,k8s.io.api.authentication.v1.AttestationValue>',
  TokenRequestStatus: '1 token string k; 2 expirationTimestamp k8s.io.apimachinery.pkg.apis.meta.v1.Time',
  TokenReview: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.authentication.v1.TokenReviewSpec; 3 status k8s.io.api.authentication.v1.TokenReviewStatus',
  TokenReviewSpec: '1 token string; 2 audiences string r',
  TokenReviewStatus: '1 authenticated bool; 2 user k8s.io.api.authentication.v1.UserInfo; 4 audiences string r; 3 error string',
  UserInfo: '1 username string; 2 uid string; 3 groups string r; 4 extra map<string,k8s.io.api.authentication.v1.ExtraValue>',
};
