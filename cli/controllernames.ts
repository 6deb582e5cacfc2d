// The controllers `racelab up` and `racelab controllers` can run (--only), apart from their heavy code.
/** Every controller process, in start order; kwok is the simulated nodes' agent, scheduler kube-scheduler. */
export const controllerNames = ['kwok', 'scheduler', 'replicaset', 'replicationcontroller', 'deployment', 'statefulset', 'daemonset', 'job', 'cronjob', 'endpoint', 'endpointslice', 'serviceaccount', 'disruption', 'podgc', 'clusterapi', 'devicetainteviction', 'capsule'] as const;
export type ControllerName = (typeof controllerNames)[number];
