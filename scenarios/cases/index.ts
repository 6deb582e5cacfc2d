// The catalog of scenario cases: one file per documented race, plus the demonstration case, then the
// re-implemented controllers' property cases (scenarios/controllers).
import type { ScenarioCase } from '../engine/types.ts';
import { controllerCases } from '../controllers/index.ts';
import { capsuleConcurrentMapWrites } from './capsuleconcurrentmapwrites.ts';
import { clusterMoveFinalizer } from './clustermovefinalizer.ts';
import { deviceTaintAsyncEvents } from './devicetaintasyncevents.ts';
import { deviceTaintNilWorker } from './devicetaintnilworker.ts';
import { draRegistrationWipe } from './draregistrationwipe.ts';
import { lostUpdate } from './lostupdate.ts';
import { machineSetInfraFailure } from './machinesetinfrafailure.ts';
import { machineSetSharedScheme } from './machinesetsharedscheme.ts';
import { machineSetStaleCache } from './machinesetstalecache.ts';

export const cases: readonly ScenarioCase[] = [
  clusterMoveFinalizer,
  machineSetInfraFailure,
  machineSetSharedScheme,
  deviceTaintNilWorker,
  deviceTaintAsyncEvents,
  draRegistrationWipe,
  capsuleConcurrentMapWrites,
  machineSetStaleCache,
  lostUpdate,
  ...controllerCases,
];

export function findCase(name: string): ScenarioCase | undefined {
  return cases.find((c) => c.name === name);
}
