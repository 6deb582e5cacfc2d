// Message descriptors of k8s.io.api.scheduling.v1: field numbers and types from upstream's generated.proto, JSON names,
// pointers and omitempty from its Go types (written by ../generate.ts; see the format in ../descriptor.ts).
export const pkg = 'k8s.io.api.scheduling.v1';

export const messages: Record<string, string> = {
  PriorityClass: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 value int32 k; 3 globalDefault bool; 4 description string; 5 preemptionPolicy string k',
  PriorityClassList: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta; 2 items k8s.io.api.scheduling.v1.PriorityClass rk',
};
