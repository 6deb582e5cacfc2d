// Message descriptors of k8s.io.api.resource.v1alpha3: field numbers and types from upstream's generated.proto, JSON names,
// pointers and omitempty from its Go types (written by ../generate.ts; see the format in ../descriptor.ts).
export const pkg = 'k8s.io.api.resource.v1alpha3';

export const messages: Record<string, string> = {
  CELDeviceSelector: '1 expression string k',
  DeviceSelector: '1 cel k8s.io.api.resource.v1alpha3.CELDeviceSelector',
  DeviceTaint: '1 key string k; 2 value string; 3 effect string k; 4 timeAdded k8s.io.apimachinery.pkg.apis.meta.v1.Time',
  DeviceTaintRule: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.resource.v1alpha3.DeviceTaintRuleSpec; 3 status k8s.io.api.resource.v1alpha3.DeviceTaintRuleStatus',
  DeviceTaintRuleList: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta; 2 items k8s.io.api.resource.v1alpha3.DeviceTaintRule rk',
  DeviceTaintRuleSpec: '1 deviceSelector k8s.io.api.resource.v1alpha3.DeviceTaintSelector; 2 taint k8s.io.api.resource.v1alpha3.DeviceTaint',
  DeviceTaintRuleStatus: '1 conditions k8s.io.apimachinery.pkg.apis.meta.v1.Condition r',
  DeviceTaintSelector: '2 driver string k; 3 pool string k; 4 device string k',
  PartitionTypeStatus: '4 attribute string; 1 type string; 2 total int32 k; 3 allocatable int32 k',
  PoolStatus: '1 driver string; 2 poolName string; 9 generation int64 k; 8 resourceSliceCount int32 k; 4 totalDevices int32 k; 5 allocatedDevices int32 k; 6 availableDevices int32 k; 7 unavailableDevices int32 k; 3 nodeName string k; 10 validationError string k; 11 partitionSummary k8s.io.api.resource.v1alpha3.PartitionTypeStatus r; 13 shareableSummary k8s.io.api.resource.v1alpha3.ShareableSummaryStatus',
  ResourcePoolStatusRequest: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.resource.v1alpha3.ResourcePoolStatusRequestSpec; 3 status k8s.io.api.resource.v1alpha3.ResourcePoolStatusRequestStatus',
  ResourcePoolStatusRequestList: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta; 2 items k8s.io.api.resource.v1alpha3.ResourcePoolStatusRequest rk',
  ResourcePoolStatusRequestSpec: '1 driver string k; 2 poolName string k; 3 limit int32 k; 4 defaultPartitionTypeAttribute string k',
  ResourcePoolStatusRequestStatus: '6 poolCount int32 k; 2 pools k8s.io.api.resource.v1alpha3.PoolStatus r; 3 conditions k8s.io.apimachinery.pkg.apis.meta.v1.Condition r',
  ShareableCapacityStatus: '1 name string; 2 total k8s.io.apimachinery.pkg.api.resource.Quantity; 3 consumed k8s.io.apimachinery.pkg.api.resource.Quantity; 4 available k8s.io.apimachinery.pkg.api.resource.Quantity',
  ShareableSummaryStatus: '1 fullyAvailableDevices int32 k; 2 partiallyAvailableDevices int32 k; 3 capacity k8s.io.api.resource.v1alpha3.ShareableCapacityStatus r',
};
