// The schedule arithmetic of the CronJob controller (kubernetes pkg/controller/cronjob/utils.go:
// mostRecentScheduleTime, nextScheduleTimeDuration, getJobFromTemplate2, getTimeHashInMinutes), on
// cron-parser in place of robfig/cron. Times are milliseconds since the epoch from the injected Clock.
import { CronExpressionParser, type CronExpression } from 'cron-parser';

/** batchv1.CronJobScheduledTimestampAnnotation. */
export const CronJobScheduledTimestampAnnotation = 'batch.kubernetes.io/cronjob-scheduled-timestamp';

/** A parsed schedule: the next and previous fire times around a moment. */
export interface Schedule {
  /** The first fire time strictly after t. */
  next(t: number): number;
  /** The last fire time strictly before t. */
  prev(t: number): number;
}

/**
 * Parses a standard 5-field schedule (or @hourly, @daily, …) in timeZone. A CronJob without spec.timeZone
 * is read in UTC here (upstream uses the kube-controller-manager's local zone; racelab's is UTC by choice).
 */
export function parseSchedule(schedule: string, timeZone = 'UTC'): Schedule {
  const parse = (t: number): CronExpression => CronExpressionParser.parse(schedule, { currentDate: t, tz: timeZone });
  parse(0); // throws on a bad schedule or zone
  return { next: (t) => parse(t).next().getTime(), prev: (t) => parse(t).prev().getTime() };
}

/** How many missed times mostRecentScheduleTime counts before it gives up counting (upstream: 100). */
export const tooManyMissed = 100;

/**
 * mostRecentScheduleTime: the latest fire time in (earliest, now], with how many fire times lie in that span
 * (capped a little past tooManyMissed). `earliest` is lastScheduleTime or creationTimestamp, moved up to now −
 * startingDeadlineSeconds when that is later.
 */
export function mostRecentScheduleTime(sched: Schedule, earliest: number, now: number): { time: number | undefined; missed: number } {
  let missed = 0;
  for (let t = sched.next(earliest); t <= now && missed <= tooManyMissed; t = sched.next(t)) missed++;
  if (missed === 0) return { time: undefined, missed };
  return { time: sched.prev(now + 1), missed };
}

/** getTimeHashInMinutes: the scheduled time in minutes since the epoch, the suffix of the Job's name. */
export function getTimeHashInMinutes(scheduledTime: number): number {
  return Math.floor(scheduledTime / 60000);
}

/** getJobName: `<cronjob>-<scheduled time in minutes>`. */
export function getJobName(cronJobName: string, scheduledTime: number): string {
  return `${cronJobName}-${getTimeHashInMinutes(scheduledTime)}`;
}
