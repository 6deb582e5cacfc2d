// Eviction time from NoExecute device taints and the allocation's tolerations (device_taint_eviction.go
// evictionTime), table-driven as the upstream unit tests are.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evictionTimeOf } from './controller.ts';
import type { Device, DeviceTaint, DeviceToleration } from './resourceapi.ts';

const added = '2025-03-20T12:00:00Z';
const addedMs = Date.parse(added);
const noExecute: DeviceTaint = { key: 'example.com/broken', value: 'yes', effect: 'NoExecute', timeAdded: added };
const noSchedule: DeviceTaint = { ...noExecute, effect: 'NoSchedule' };
const tolerate = (seconds?: number, extra: Partial<DeviceToleration> = {}): DeviceToleration => ({ key: 'example.com/broken', operator: 'Exists', effect: 'NoExecute', ...(seconds === undefined ? {} : { tolerationSeconds: seconds }), ...extra });

function evictionTime(taints: DeviceTaint[][], tolerations: DeviceToleration[] = []): number | undefined {
  const devices: Device[] = taints.map((t, i) => ({ name: `gpu-${i}`, basic: { taints: t } }));
  const results = devices.map((d) => ({ request: 'gpu', driver: 'd', pool: 'p', device: d.name, tolerations }));
  return evictionTimeOf(results, (r) => devices.find((d) => d.name === r.device));
}

const cases: { name: string; taints: DeviceTaint[][]; tolerations?: DeviceToleration[]; want: number | undefined }[] = [
  { name: 'no taint: never', taints: [[]], want: undefined },
  { name: 'NoExecute without toleration: at timeAdded', taints: [[noExecute]], want: addedMs },
  { name: 'NoSchedule is ignored', taints: [[noSchedule]], want: undefined },
  { name: 'a toleration without tolerationSeconds tolerates for ever', taints: [[noExecute]], tolerations: [tolerate()], want: undefined },
  { name: 'tolerationSeconds delays the eviction', taints: [[noExecute]], tolerations: [tolerate(30)], want: addedMs + 30_000 },
  { name: 'the minimum of several tolerationSeconds', taints: [[noExecute]], tolerations: [tolerate(300), tolerate(60), tolerate(120)], want: addedMs + 60_000 },
  { name: 'a negative tolerationSeconds counts as zero', taints: [[noExecute]], tolerations: [tolerate(-5)], want: addedMs },
  { name: 'a NoSchedule toleration does not tolerate NoExecute', taints: [[noExecute]], tolerations: [tolerate(undefined, { effect: 'NoSchedule' })], want: addedMs },
  { name: 'a toleration for another key does not match', taints: [[noExecute]], tolerations: [tolerate(undefined, { key: 'other' })], want: addedMs },
  { name: 'Equal needs the same value', taints: [[noExecute]], tolerations: [tolerate(undefined, { operator: 'Equal', value: 'no' })], want: addedMs },
  { name: 'the earliest over several devices', taints: [[{ ...noExecute, timeAdded: '2025-03-20T12:00:10Z' }], [noExecute]], want: addedMs },
  { name: 'a taint without timeAdded is ignored', taints: [[{ ...noExecute, timeAdded: undefined }]], want: undefined },
];

for (const c of cases) {
  test(`evictionTime: ${c.name}`, () => {
    assert.equal(evictionTime(c.taints, c.tolerations), c.want);
  });
}
