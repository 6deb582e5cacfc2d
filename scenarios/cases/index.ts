// The catalog of scenario cases: one file per documented race, plus the demonstration case.
import type { ScenarioCase } from '../engine/types.ts';
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
];

export function findCase(name: string): ScenarioCase | undefined {
  return cases.find((c) => c.name === name);
}
