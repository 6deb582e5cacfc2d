// Message descriptors of k8s.io.api.policy.v1: field numbers and types from upstream's generated.proto, JSON names,
// pointers and omitempty from its Go types (written by ../generate.ts; see the format in ../descriptor.ts).
export const pkg = 'k8s.io.api.policy.v1';

export const messages: Record<string, string> = {
  Eviction: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 deleteOptions k8s.io.apimachinery.pkg.apis.meta.v1.DeleteOptions',
  PodDisruptionBudget: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.policy.v1.PodDisruptionBudgetSpec; 3 status k8s.io.api.policy.v1.PodDisruptionBudgetStatus',
  PodDisruptionBudgetList: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta; 2 items k8s.io.api.policy.v1.PodDisruptionBudget rk',
  PodDisruptionBudgetSpec: '1 minAvailable k8s.io.apimachinery.pkg.util.intstr.IntOrString; 2 selector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector; 3 maxUnavailable k8s.io.apimachinery.pkg.util.intstr.IntOrString; 4 unhealthyPodEvictionPolicy string k',
  PodDisruptionBudgetStatus: '1 observedGeneration int64; 2 disruptedPods map<string,k8s.io.apimachinery.pkg.apis.meta.v1.Time>; 3 disruptionsAllowed int32 k; 4 currentHealthy int32 k; 5 desiredHealthy int32 k; 6 expectedPods int32 k; 7 conditions k8s.io.apimachinery.pkg.apis.meta.v1.Condition r',
};
