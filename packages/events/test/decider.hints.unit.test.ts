import { describe, it } from 'vitest';
import { given } from './support/given.js';
import { capturing, events, stream } from './support/lifecycle.js';

// The specification of an enrollment (reading order in docs/events.md). This file: hints (the upstream's
// webhooks), which only prompt the pipeline to look again; the poll is what records a result.

describe('hints: prompts to look again, never facts', () => {
  it('a hint before the capture began records nothing and the next work is still to begin', () => {
    given(events(stream())).when({ type: 'HintReceived' }).then([]).andNext({ step: 'begin' });
  });

  it('a hint while the capture is pending records nothing; the poll decides', () => {
    given(events(capturing())).when({ type: 'HintReceived' }).then([]).andNext({ step: 'poll' });
  });
});
