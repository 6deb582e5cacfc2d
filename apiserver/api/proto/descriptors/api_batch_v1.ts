// Message descriptors of k8s.io.api.batch.v1: field numbers and types from upstream's generated.proto, JSON names,
// pointers and omitempty from its Go types (written by ../generate.ts; see the format in ../descriptor.ts).
export const pkg = 'k8s.io.api.batch.v1';

export const messages: Record<string, string> = {
  CronJob: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.batch.v1.CronJobSpec; 3 status k8s.io.api.batch.v1.CronJobStatus',
  CronJobList: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta; 2 items k8s.io.api.batch.v1.CronJob rk',
  CronJobSpec: '1 schedule string k; 8 timeZone string k; 2 startingDeadlineSeconds int64 k; 3 concurrencyPolicy string; 4 suspend bool k; 5 jobTemplate k8s.io.api.batch.v1.JobTemplateSpec; 6 successfulJobsHistoryLimit int32 k; 7 failedJobsHistoryLimit int32 k',
  CronJobStatus: '1 active k8s.io.api.core.v1.ObjectReference r; 4 lastScheduleTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 5 lastSuccessfulTime k8s.io.apimachinery.pkg.apis.meta.v1.Time',
  Job: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.batch.v1.JobSpec; 3 status k8s.io.api.batch.v1.JobStatus',
  JobCondition: '1 type string k; 2 status string k; 3 lastProbeTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 4 lastTransitionTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 5 reason string; 6 message string',
  JobList: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ListMeta; 2 items k8s.io.api.batch.v1.Job rk',
  JobSchedulingConfiguration: '1 schedulingPolicy k8s.io.api.scheduling.v1alpha3.WorkloadPodGroupSchedulingPolicy; 2 schedulingConstraints k8s.io.api.scheduling.v1alpha3.WorkloadPodGroupSchedulingConstraints; 3 disruptionMode k8s.io.api.scheduling.v1alpha3.WorkloadPodGroupDisruptionMode; 4 resourceClaims k8s.io.api.scheduling.v1alpha3.WorkloadPodGroupResourceClaim r',
  JobSpec: '1 parallelism int32 k; 2 completions int32 k; 3 activeDeadlineSeconds int64 k; 11 podFailurePolicy k8s.io.api.batch.v1.PodFailurePolicy; 16 successPolicy k8s.io.api.batch.v1.SuccessPolicy; 7 backoffLimit int32 k; 12 backoffLimitPerIndex int32 k; 13 maxFailedIndexes int32 k; 4 selector k8s.io.apimachinery.pkg.apis.meta.v1.LabelSelector; 5 manualSelector bool k; 6 template k8s.io.api.core.v1.PodTemplateSpec; 8 ttlSecondsAfterFinished int32 k; 9 completionMode string k; 10 suspend bool k; 14 podReplacementPolicy string k; 15 managedBy string k; 17 scheduling k8s.io.api.batch.v1.JobSchedulingConfiguration',
  JobStatus: '1 conditions k8s.io.api.batch.v1.JobCondition r; 2 startTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 3 completionTime k8s.io.apimachinery.pkg.apis.meta.v1.Time; 4 active int32; 5 succeeded int32; 6 failed int32; 11 terminating int32 k; 7 completedIndexes string; 10 failedIndexes string k; 8 uncountedTerminatedPods k8s.io.api.batch.v1.UncountedTerminatedPods; 9 ready int32 k',
  JobTemplateSpec: '1 metadata k8s.io.apimachinery.pkg.apis.meta.v1.ObjectMeta; 2 spec k8s.io.api.batch.v1.JobSpec',
  PodFailurePolicy: '1 rules k8s.io.api.batch.v1.PodFailurePolicyRule rk',
  PodFailurePolicyOnExitCodesRequirement: '1 containerName string k; 2 operator string k; 3 values int32 rk',
  PodFailurePolicyOnPodConditionsPattern: '1 type string k; 2 status string k',
  PodFailurePolicyRule: '1 action string k; 2 onExitCodes k8s.io.api.batch.v1.PodFailurePolicyOnExitCodesRequirement; 3 onPodConditions k8s.io.api.batch.v1.PodFailurePolicyOnPodConditionsPattern r',
  SuccessPolicy: '1 rules k8s.io.api.batch.v1.SuccessPolicyRule rk',
  SuccessPolicyRule: '1 succeededIndexes string k; 2 succeededCount int32 k',
  UncountedTerminatedPods: '1 succeeded string r; 2 failed string r',
};
