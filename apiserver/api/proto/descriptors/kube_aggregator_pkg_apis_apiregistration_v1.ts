// Message descriptors of k8s.io.kube_aggregator.pkg.apis.apiregistration.v1: field numbers and types from upstream's generated.proto, JSON names,
// pointers and omitempty from its Go types (written by ../generate.ts; see the format in ../descriptor.ts).
export const pkg = 'k8s.io.kube_aggregator.pkg.apis.apiregistration.v1';

export const messages: Record<string, string> = {
  APIService: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.kube_aggregator.pkg.apis.apiregistration.v1.APIServiceSpec; 3 status k8s.io.kube_aggregator.pkg.apis.apiregistration.v1.APIServiceStatus',
  APIServiceCondition: '1 type string k; 2 status string k; 3 lastTransitionTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 4 reason string; 5 message string',
  APIServiceList: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta; 2 items k8s.io.kube_aggregator.pkg.apis.apiregistration.v1.APIService rk',
  APIServiceSpec: '1 service k8s.io.kube_aggregator.pkg.apis.apiregistration.v1.ServiceReference; 2 group string; 3 version string; 4 insecureSkipTLSVerify bool; 5 caBundle bytes; 7 groupPriorityMinimum int32 k; 8 versionPriority int32 k',
  APIServiceStatus: '1 conditions k8s.io.kube_aggregator.pkg.apis.apiregistration.v1.APIServiceCondition r',
  ServiceReference: '1 namespace string; 2 name string; 3 port int32 k',
};
