// Message descriptors of k8s.io.api.autoscaling.v1: field numbers and types from upstream's generated.proto, JSON names,
// pointers and omitempty from its Go types (written by ../generate.ts; see the format in ../descriptor.ts).
export const pkg = 'k8s.io.api.autoscaling.v1';

export const messages: Record<string, string> = {
  ContainerResourceMetricSource: '1 name string k; 2 targetAverageUtilization int32 k; 3 targetAverageValue k8s.io.apimachinery.pkg.api.resource.Quantity; 5 container string k',
  ContainerResourceMetricStatus: '1 name string k; 2 currentAverageUtilization int32 k; 3 currentAverageValue k8s.io.apimachinery.pkg.api.resource.Quantity; 4 container string k',
  CrossVersionObjectReference: '1 kind string k; 2 name string k; 3 apiVersion string',
  ExternalMetricSource: '1 metricName string k; 2 metricSelector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector; 3 targetValue k8s.io.apimachinery.pkg.api.resource.Quantity; 4 targetAverageValue k8s.io.apimachinery.pkg.api.resource.Quantity',
  ExternalMetricStatus: '1 metricName string k; 2 metricSelector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector; 3 currentValue k8s.io.apimachinery.pkg.api.resource.Quantity; 4 currentAverageValue k8s.io.apimachinery.pkg.api.resource.Quantity',
  HorizontalPodAutoscaler: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.autoscaling.v1.HorizontalPodAutoscalerSpec; 3 status k8s.io.api.autoscaling.v1.HorizontalPodAutoscalerStatus',
  HorizontalPodAutoscalerCondition: '1 type string k; 2 status string k; 3 lastTransitionTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 4 reason string; 5 message string; 6 observedGeneration int64 k',
  HorizontalPodAutoscalerList: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta; 2 items k8s.io.api.autoscaling.v1.HorizontalPodAutoscaler rk',
  HorizontalPodAutoscalerSpec: '1 scaleTargetRef k8s.io.api.autoscaling.v1.CrossVersionObjectReference; 2 minReplicas int32 k; 3 maxReplicas int32 k; 4 targetCPUUtilizationPercentage int32 k',
  HorizontalPodAutoscalerStatus: '1 observedGeneration int64 k; 2 lastScaleTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 3 currentReplicas int32 k; 4 desiredReplicas int32 k; 5 currentCPUUtilizationPercentage int32 k',
  MetricSpec: '1 type string k; 2 object k8s.io.api.autoscaling.v1.ObjectMetricSource; 3 pods k8s.io.api.autoscaling.v1.PodsMetricSource; 4 resource k8s.io.api.autoscaling.v1.ResourceMetricSource; 7 containerResource k8s.io.api.autoscaling.v1.ContainerResourceMetricSource; 5 external k8s.io.api.autoscaling.v1.ExternalMetricSource',
  MetricStatus: '1 type string k; 2 object k8s.io.api.autoscaling.v1.ObjectMetricStatus; 3 pods k8s.io.api.autoscaling.v1.PodsMetricStatus; 4 resource k8s.io.api.autoscaling.v1.ResourceMetricStatus; 7 containerResource k8s.io.api.autoscaling.v1.ContainerResourceMetricStatus; 5 external k8s.io.api.autoscaling.v1.ExternalMetricStatus',
  ObjectMetricSource: '1 target k8s.io.api.autoscaling.v1.CrossVersionObjectReference; 2 metricName string k; 3 targetValue k8s.io.apimachinery.pkg.api.resource.Quantity; 4 selector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector; 5 averageValue k8s.io.apimachinery.pkg.api.resource.Quantity',
  ObjectMetricStatus: '1 target k8s.io.api.autoscaling.v1.CrossVersionObjectReference; 2 metricName string k; 3 currentValue k8s.io.apimachinery.pkg.api.resource.Quantity; 4 selector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector; 5 averageValue k8s.io.apimachinery.pkg.api.resource.Quantity',
  PodsMetricSource: '1 metricName string k; 2 targetAverageValue k8s.io.apimachinery.pkg.api.resource.Quantity; 3 selector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector',
  PodsMetricStatus: '1 metricName string k; 2 currentAverageValue k8s.io.apimachinery.pkg.api.resource.Quantity; 3 selector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector',
  ResourceMetricSource: '1 name string k; 2 targetAverageUtilization int32 k; 3 targetAverageValue k8s.io.apimachinery.pkg.api.resource.Quantity',
  ResourceMetricStatus: '1 name string k; 2 currentAverageUtilization int32 k; 3 currentAverageValue k8s.io.apimachinery.pkg.api.resource.Quantity',
  Scale: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.autoscaling.v1.ScaleSpec; 3 status k8s.io.api.autoscaling.v1.ScaleStatus',
  ScaleSpec: '1 replicas int32',
  ScaleStatus: '1 replicas int32 k; 2 selector string',
};
