import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { isValidIccid, luhnValid, withCheckDigit } from '../../src/domain/iccid.js';

const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^[0-9]{${min},${max}}$`));

describe('ICCID validation', () => {
  it('checks the Luhn digit of known numbers', () => {
    assert.equal(luhnValid('79927398713'), true);
    assert.equal(luhnValid('79927398710'), false);
    assert.equal(luhnValid('0'), true);
    assert.equal(luhnValid('18'), true);
    assert.equal(luhnValid('19'), false);
  });

  it('accepts 19 and 20 digits with a valid check digit, and nothing else', () => {
    const nineteen = withCheckDigit('890126000000000000');
    const twenty = withCheckDigit('8901260000000000000');
    assert.equal(nineteen.length, 19);
    assert.equal(twenty.length, 20);
    assert.equal(isValidIccid(nineteen), true);
    assert.equal(isValidIccid(twenty), true);
    assert.equal(isValidIccid(withCheckDigit('89012600000000000')), false, '18 digits');
    assert.equal(isValidIccid(withCheckDigit('89012600000000000000')), false, '21 digits');
    assert.equal(isValidIccid(nineteen.slice(0, -1) + 'F'), false, 'a hex check digit');
    assert.equal(isValidIccid(` ${nineteen}`), false, 'surrounding space');
    assert.equal(isValidIccid(`${nineteen}\n`), false, 'trailing newline');
    assert.equal(isValidIccid(''), false);
  });

  it('withCheckDigit always yields a valid number', () => {
    fc.assert(fc.property(digits(18, 19), (body) => isValidIccid(withCheckDigit(body))));
  });

  it('catches every single-digit typo', () => {
    fc.assert(
      fc.property(digits(18, 19), fc.nat(), fc.integer({ min: 1, max: 9 }), (body, at, delta) => {
        const iccid = withCheckDigit(body);
        const i = at % iccid.length;
        const typo = iccid.slice(0, i) + String((Number(iccid[i]) + delta) % 10) + iccid.slice(i + 1);
        return !isValidIccid(typo);
      }),
    );
  });

  it('catches swapped neighbours, except the 0/9 pair Luhn cannot see', () => {
    fc.assert(
      fc.property(digits(18, 19), fc.nat(), (body, at) => {
        const iccid = withCheckDigit(body);
        const i = at % (iccid.length - 1);
        const [x, y] = [iccid[i], iccid[i + 1]];
        fc.pre(x !== y && !((x === '0' && y === '9') || (x === '9' && y === '0')));
        const swapped = iccid.slice(0, i) + y + x + iccid.slice(i + 2);
        return !isValidIccid(swapped);
      }),
    );
  });
});
