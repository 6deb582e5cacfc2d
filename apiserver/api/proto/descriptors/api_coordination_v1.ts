// Message descriptors of k8s.io.api.coordination.v1: field numbers and types from upstream's generated.proto, JSON names,
// pointers and omitempty from its Go types (written by ../generate.ts; see the format in ../descriptor.ts).
export const pkg = 'k8s.io.api.coordination.v1';

export const messages: Record<string, string> = {
  Lease: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.coordination.v1.LeaseSpec',
  LeaseList: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta; 2 items k8s.io.api.coordination.v1.Lease rk',
  LeaseSpec: '1 holderIdentity string k; 2 leaseDurationSeconds int32 k; 3 acquireTime k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime; 4 renewTime k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime; 5 leaseTransitions int32 k; 6 strategy string k; 7 preferredHolder string k',
};
