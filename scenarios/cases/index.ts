// The catalog of scenario cases: one file per documented race, plus the demonstration case.
import type { ScenarioCase } from '../engine/types.ts';
import { lostUpdate } from './lostupdate.ts';

export const cases: readonly ScenarioCase[] = [lostUpdate];

export function findCase(name: string): ScenarioCase | undefined {
  return cases.find((c) => c.name === name);
}
