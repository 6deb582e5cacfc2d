// Message descriptors of k8s.io.api.rbac.v1: field numbers and types from upstream's generated.proto, JSON names,
// pointers and omitempty from its Go types (written by ../generate.ts; see the format in ../descriptor.ts).
export const pkg = 'k8s.io.api.rbac.v1';

export const messages: Record<string, string> = {
  AggregationRule: '1 clusterRoleSelectors k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector r',
  ClusterRole: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 rules k8s.io.api.rbac.v1.PolicyRule rk; 3 aggregationRule k8s.io.api.rbac.v1.AggregationRule',
  ClusterRoleBinding: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 subjects k8s.io.api.rbac.v1.Subject r; 3 roleRef k8s.io.api.rbac.v1.RoleRef',
  ClusterRoleBindingList: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta; 2 items k8s.io.api.rbac.v1.ClusterRoleBinding rk',
  ClusterRoleList: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta; 2 items k8s.io.api.rbac.v1.ClusterRole rk',
  PolicyRule: '1 verbs string rk; 2 apiGroups string r; 3 resources string r; 4 resourceNames string r; 5 nonResourceURLs string r',
  Role: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 rules k8s.io.api.rbac.v1.PolicyRule rk',
  RoleBinding: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 subjects k8s.io.api.rbac.v1.Subject r; 3 roleRef k8s.io.api.rbac.v1.RoleRef',
  RoleBindingList: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta; 2 items k8s.io.api.rbac.v1.RoleBinding rk',
  RoleList: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta; 2 items k8s.io.api.rbac.v1.Role rk',
  RoleRef: '1 apiGroup string k; 2 kind string k; 3 name string k',
  Subject: '1 kind string k; 2 apiGroup string; 3 name string k; 4 namespace string',
};
