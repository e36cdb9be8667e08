import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { DISPLAY_TEXT_REASONS, displayText, displayTextProblem } from '../src/enrollments/display-text.js';

describe('displayTextProblem', () => {
  it('refuses NUL, ESC, DEL and C1 controls; tab and line breaks only in multi-line text', () => {
    for (const text of ['a\u0000b', 'a\u001b[31mb', 'a\u007fb', 'a\u0085b', 'a\u009bb'])
      expect(displayTextProblem(text, true), JSON.stringify(text)).toBe(DISPLAY_TEXT_REASONS.control);
    for (const text of ['a\tb', 'a\nb', 'a\r\nb']) {
      expect(displayTextProblem(text, true)).toBeNull();
      expect(displayTextProblem(text, false)).toBe(DISPLAY_TEXT_REASONS.control);
    }
  });

  it('refuses bidi overrides and isolates', () => {
    for (const mark of [
      '\u202a',
      '\u202b',
      '\u202c',
      '\u202d',
      '\u202e',
      '\u2066',
      '\u2067',
      '\u2068',
      '\u2069',
    ])
      expect(displayTextProblem(`invoice${mark}gpj.exe`, false)).toBe(DISPLAY_TEXT_REASONS.bidi);
  });

  it('refuses text of only zero-width and blank characters, accepts real names in any script', () => {
    for (const text of ['\u200b', '\u200b\u200c\u200d', ' \u2060 ', '\ufeff'])
      expect(displayTextProblem(text, false)).toBe(DISPLAY_TEXT_REASONS.invisible);
    for (const text of ['Ada Lovelace', 'Zoë', 'محمد', '李小龙', 'a\u200db', ''])
      expect(displayTextProblem(text, false)).toBeNull();
  });
});

describe('displayText', () => {
  it('NFC-normalises what it accepts', () => {
    const schema = displayText(z.string());
    expect(schema.parse('Zoe\u0308')).toBe('Zo\u00eb');
  });
});
