import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/errors/app-error.js';
import { declinedAnswer, modelDeclined } from '../../../src/nl/declined-answer.js';

describe('declinedAnswer', () => {
  it('takes a sentence saying the tables cannot answer, on one line', () => {
    expect(declinedAnswer('The tables provided do not contain information about employees.')).toBe('The tables provided do not contain information about employees.');
    expect(declinedAnswer("I can't answer this:\nthere is no column for the weather.")).toBe("I can't answer this: there is no column for the weather.");
    expect(declinedAnswer('Sorry, this is not possible with the given schema.')).not.toBeNull();
    expect(declinedAnswer('<think>They want salaries. Not in the schema.</think>The schema has no salary data; I am unable to answer.')).toBe(
      'The schema has no salary data; I am unable to answer.',
    );
  });

  it('leaves replies that are not a refusal for a repair: junk, doubt, SQL, long prose', () => {
    expect(declinedAnswer('I am not sure what you mean.')).toBeNull();
    expect(declinedAnswer('¯\\_(ツ)_/¯')).toBeNull();
    expect(declinedAnswer('SELECT FROM WHERE')).toBeNull();
    expect(declinedAnswer('I cannot be sure, but:\n```sql\nselect 1\n```')).toBeNull();
    expect(declinedAnswer(`${'This cannot be answered. '.repeat(40)}`)).toBeNull();
  });

  it('cuts a long sentence to 300 characters', () => {
    const sentence = declinedAnswer(`The data does not include ${'x'.repeat(500)}`.slice(0, 590));
    expect(sentence?.length).toBe(300);
  });
});

describe('modelDeclined', () => {
  it('is NEEDS_CLARIFICATION with the model’s sentence and the tables it was shown', () => {
    const error = modelDeclined('No table holds the weather.', ['public.orders']);
    expect(error.code).toBe(ErrorCode.NEEDS_CLARIFICATION);
    expect(error.details).toEqual({ modelAnswer: 'No table holds the weather.', linkedTables: ['public.orders'] });
    expect(error.message).toContain('"No table holds the weather."');
  });
});
