import { IsInt, IsString, validateSync } from 'class-validator';
import { createValidationPipe } from './validation.pipe';

describe('memoised class-validator rules', () => {
  createValidationPipe(); // installs the memo on the process-wide metadata storage

  it('validates as before, repeatedly, and sees rules of classes declared later', () => {
    class First {
      @IsString()
      name!: unknown;
    }
    const bad = Object.assign(new First(), { name: 1 });
    const good = Object.assign(new First(), { name: 'x' });
    for (let i = 0; i < 3; i++) {
      expect(validateSync(bad).map((e) => e.property)).toEqual(['name']);
      expect(validateSync(good)).toEqual([]);
    }
    // Declared after First was looked up: its rules (and an inherited one) are found.
    class Second extends First {
      @IsInt()
      count!: unknown;
    }
    const second = Object.assign(new Second(), { name: 2, count: 'x' });
    expect(
      validateSync(second)
        .map((e) => e.property)
        .sort(),
    ).toEqual(['count', 'name']);
  });
});
