// An ICCID is 19 or 20 digits whose last digit is a Luhn check digit (ITU-T E.118).

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

export function isValidIccid(value: string): boolean {
  return /^\d{19,20}$/.test(value) && luhnValid(value);
}

/** Appends the Luhn check digit to a digit string (used for demo and generated inventory). */
export function withCheckDigit(body: string): string {
  for (let d = 0; d <= 9; d++) {
    if (luhnValid(body + d)) return body + d;
  }
  throw new Error('unreachable');
}
