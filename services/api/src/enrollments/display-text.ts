import { z } from 'zod';

/*
 * Text a person reads (on the capture page, in the vendor's messages, in ops tools). Control characters can
 * corrupt or hide what is shown, bidi overrides and isolates can make it read differently than it is stored
 * (U+202E turns "gpj.exe" into "exe.jpg"), and a name of zero-width characters shows as nothing at all.
 */
// eslint-disable-next-line no-control-regex
const SINGLE_LINE_CONTROLS = /[\u0000-\u001f\u007f-\u009f]/u;
// eslint-disable-next-line no-control-regex
const MULTI_LINE_CONTROLS = /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/u;
const BIDI_CONTROLS = /[\u202a-\u202e\u2066-\u2069]/u;
const INVISIBLE = /[\s\u200b-\u200d\u2060\ufeff\u180e]/gu;

export const DISPLAY_TEXT_REASONS = {
  control: 'contains a control character',
  bidi: 'contains a bidirectional override or isolate',
  invisible: 'has no visible character',
} as const;

/** Why `text` is refused, or null. Multi-line text may hold tab, line feed and carriage return. */
export function displayTextProblem(text: string, multiLine: boolean): string | null {
  if ((multiLine ? MULTI_LINE_CONTROLS : SINGLE_LINE_CONTROLS).test(text))
    return DISPLAY_TEXT_REASONS.control;
  if (BIDI_CONTROLS.test(text)) return DISPLAY_TEXT_REASONS.bidi;
  if (text !== '' && text.replace(INVISIBLE, '') === '') return DISPLAY_TEXT_REASONS.invisible;
  return null;
}

/**
 * A human-readable request field: refused when displayTextProblem finds one (reported on the field), stored
 * NFC-normalised so the same name is the same bytes however the client composed it.
 */
export function displayText(schema: z.ZodString, options: { multiLine?: boolean } = {}) {
  const multiLine = options.multiLine ?? false;
  return schema
    .superRefine((text, ctx) => {
      const problem = displayTextProblem(text, multiLine);
      if (problem !== null) ctx.addIssue({ code: 'custom', message: problem });
    })
    .overwrite((text) => text.normalize('NFC'));
}
