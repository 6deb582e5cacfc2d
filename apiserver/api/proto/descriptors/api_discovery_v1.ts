// Message descriptors of k8s.io.api.discovery.v1: field numbers and types from upstream's generated.proto, JSON names,
// pointers and omitempty from its Go types (written by ../generate.ts; see the format in ../descriptor.ts).
export const pkg = 'k8s.io.api.discovery.v1';

export const messages: Record<string, string> = {
  Endpoint: '1 addresses string rk; 2 conditions k8s.io.api.discovery.v1.EndpointConditions; 3 hostname string k; 4 targetRef k8s.io.api.core.v1.ObjectReference; 5 deprecatedTopology map<string,string>; 6 nodeName string k; 7 zone string k; 8 hints k8s.io.api.discovery.v1.EndpointHints',
  EndpointConditions: '1 ready bool k; 2 serving bool k; 3 terminating bool k',
  EndpointHints: '1 forZones k8s.io.api.discovery.v1.ForZone r; 2 forNodes k8s.io.api.discovery.v1.ForNode r',
  EndpointPort: '1 name string k; 2 protocol string k; 3 port int32 k; 4 appProtocol string k',
  EndpointSlice: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 4 addressType string k; 2 endpoints k8s.io.api.discovery.v1.Endpoint rk; 3 ports k8s.io.api.discovery.v1.EndpointPort rk',
  EndpointSliceList: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta; 2 items k8s.io.api.discovery.v1.EndpointSlice rk',
  ForNode: '1 name string k',
  ForZone: '1 name string k',
};
