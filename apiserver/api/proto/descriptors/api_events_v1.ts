// Message descriptors of k8s.io.api.events.v1: field numbers and types from upstream's generated.proto, JSON names,
// pointers and omitempty from its Go types (written by ../generate.ts; see the format in ../descriptor.ts).
export const pkg = 'k8s.io.api.events.v1';

export const messages: Record<string, string> = {
  Event: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 eventTime k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime; 3 series k8s.io.api.events.v1.EventSeries; 4 reportingController string; 5 reportingInstance string; 6 action string; 7 reason string; 8 regarding k8s.io.api.core.v1.ObjectReference; 9 related k8s.io.api.core.v1.ObjectReference; 10 note string; 11 type string; 12 deprecatedSource k8s.io.api.core.v1.EventSource; 13 deprecatedFirstTimestamp k8s.io.apimachinery.pkg.apis.meta.v1.Time; 14 deprecatedLastTimestamp k8s.io.apimachinery.pkg.apis.meta.v1.Time; 15 deprecatedCount int32',
  EventList: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta; 2 items k8s.io.api.events.v1.Event rk',
  EventSeries: '1 count int32 k; 2 lastObservedTime k8s.io.apimachinery.pkg.apis.meta.v1.MicroTime',
};
