// The controllers `racelab up` and `racelab controllers` can run (--only), apart from their heavy code.
export const controllerNames = ['clusterapi', 'devicetainteviction', 'capsule'] as const;
export type ControllerName = (typeof controllerNames)[number];
