import { sharedKeys } from '@verified-onboard/contracts';
import { waitFor } from '@verified-onboard/devstack';
import { topicNames, type EnrollmentState } from '@verified-onboard/events';
import { ProjectionRebuild, ReadModel } from '@verified-onboard/adapters';
import { describe, expect, it } from 'vitest';
import { rebuildProjection } from '../src/consumers/projector.js';
import { usePipeline } from './support/pipeline.js';

// The worker pipeline against the emulator: the read model rebuilt from the enrollment log equals the live one.
// In a file of its own: the ops rebuild switches this file's readers to a new keyspace for good.

describe('worker pipeline: projection rebuild', () => {
  const p = usePipeline('worker-pipeline-rebuild');
  const { h } = p;

  it('the projection rebuilt from offset zero equals the live one', async () => {
    await p.scenario();
    const { e: completed } = await p.completedCapture();
    const { e: failed } = await p.failedAtAccount();
    await p.scenario();
    const enrollments = [completed.subject, failed.subject];
    const live = new Map<string, EnrollmentState | null>();
    for (const id of enrollments) live.set(id, await h.readModel.get(id));
    const prefix = `${h.names.queuePrefix}-rebuild:`;
    const stats = await rebuildProjection(h.config(), {
      prefix,
      logger: p.logs.logger('warn'),
      timeoutMs: 30_000,
    });
    expect(stats.applied).toBeGreaterThan(0);
    const rebuilt = new ReadModel(h.redis, { prefix });
    for (const id of enrollments) {
      expect(await rebuilt.get(id)).toEqual(live.get(id));
      expect(await rebuilt.events(id)).toEqual(await h.readModel.events(id));
    }

    // An ops rebuild switches readers to a new keyspace: the live projector feeds it during the rebuild and follows it after.
    const rebuild = new ProjectionRebuild(h.redis, h.kafka, {
      basePrefix: sharedKeys(h.names.queuePrefix).readModelBase,
      topic: topicNames(h.names.topicPrefix).enrollmentEvents,
      observeMs: 1500,
    });
    const { done } = await rebuild.start('test');
    const finished = await done;
    expect(finished.state).toBe('completed');
    const switched = new ReadModel(h.redis, { prefix: finished.targetPrefix });
    for (const id of enrollments) expect(await switched.get(id)).toEqual(live.get(id));
    const e = await p.submit();
    await waitFor(
      'the new enrollment in the switched keyspace',
      async () => (await switched.get(e.subject))?.status === 'completed',
    );
  });
});
