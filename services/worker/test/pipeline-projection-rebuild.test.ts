import { sharedKeys } from '@verified-onboard/contracts';
import { waitFor } from '@verified-onboard/devstack';
import { topicNames, type EnrollmentEvent, type EnrollmentState } from '@verified-onboard/events';
import { ProjectionRebuild, ReadModel } from '@verified-onboard/adapters';
import { describe, expect, it } from 'vitest';
import { usePipeline } from './support/pipeline.js';

// The worker pipeline against the emulator: the read model rebuilt from the enrollment log equals the live one.
// In a file of its own: the ops rebuild switches this file's readers to a new keyspace for good.

describe('worker pipeline: projection rebuild', () => {
  const p = usePipeline('worker-pipeline-rebuild');
  const { h } = p;

  it('the projection rebuilt from offset zero equals the live one, and the live projector follows it', async () => {
    await p.scenario();
    const { e: completed } = await p.completedCapture();
    const { e: failed } = await p.failedAtAccount();
    await p.scenario();
    const enrollments = [completed.subject, failed.subject];
    const live = new Map<string, { state: EnrollmentState | null; events: EnrollmentEvent[] }>();
    for (const id of enrollments)
      live.set(id, { state: await h.readModel.get(id), events: await h.readModel.events(id) });

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
    for (const id of enrollments) {
      expect(await switched.get(id)).toEqual(live.get(id)?.state);
      expect(await switched.events(id)).toEqual(live.get(id)?.events);
    }
    const e = await p.submit();
    await waitFor(
      'the new enrollment in the switched keyspace',
      async () => (await switched.get(e.subject))?.status === 'completed',
    );
  });
});
