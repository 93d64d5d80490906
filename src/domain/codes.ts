import type { Random } from './clock.js';

/**
 * Voucher codes (CONTRACT §4): digits for codeForm [0]; upper-case letters without I, L and O
 * (easily misread) for [1]; for [0, 1] both, every code holding at least one of each. Codes come
 * from a CSPRNG with rejection sampling, so every code of a form is equally likely.
 */
export interface CodeAlphabet {
  readonly digits: string;
  readonly letters: string;
}

export const DEFAULT_ALPHABET: CodeAlphabet = {
  digits: '0123456789',
  letters: 'ABCDEFGHJKMNPQRSTUVWXYZ',
};

/** codeForm as stored: "0" digits, "1" letters, "01" both. */
export type CodeForm = '0' | '1' | '01';

export function codeFormOf(values: readonly number[]): CodeForm {
  const digits = values.includes(0);
  const letters = values.includes(1);
  return digits && letters ? '01' : digits ? '0' : '1';
}

export function codeFormValues(form: CodeForm): number[] {
  return form === '01' ? [0, 1] : [Number(form)];
}

/** How many distinct codes of this length and form exist. */
export function codeSpace(length: number, form: CodeForm, alphabet: CodeAlphabet = DEFAULT_ALPHABET): number {
  const d = alphabet.digits.length;
  const l = alphabet.letters.length;
  if (form === '0') return d ** length;
  if (form === '1') return l ** length;
  return (d + l) ** length - d ** length - l ** length;
}

export class CodeDrawer {
  private readonly chars: string;
  private readonly digitSet: ReadonlySet<string>;
  /** Bytes at or above this would bias the draw and are thrown away. */
  private readonly cutoff: number;

  constructor(
    private readonly random: Random,
    readonly length: number,
    readonly form: CodeForm,
    readonly alphabet: CodeAlphabet = DEFAULT_ALPHABET,
  ) {
    this.chars = form === '0' ? alphabet.digits : form === '1' ? alphabet.letters : alphabet.digits + alphabet.letters;
    this.digitSet = new Set(alphabet.digits);
    this.cutoff = 256 - (256 % this.chars.length);
  }

  get space(): number {
    return codeSpace(this.length, this.form, this.alphabet);
  }

  /** `count` codes, distinct from each other and from every code in `taken` (which it extends). */
  draw(count: number, taken: Set<string>): string[] {
    const codes: string[] = [];
    let buffer = this.random.bytes(count * this.length * 2 + 16);
    let at = 0;
    while (codes.length < count) {
      let code = '';
      while (code.length < this.length) {
        if (at >= buffer.length) {
          buffer = this.random.bytes(buffer.length);
          at = 0;
        }
        const byte = buffer[at++]!;
        if (byte < this.cutoff) code += this.chars[byte % this.chars.length];
      }
      if (this.form === '01' && !this.mixed(code)) continue;
      if (taken.has(code)) continue;
      taken.add(code);
      codes.push(code);
    }
    return codes;
  }

  private mixed(code: string): boolean {
    let digits = 0;
    for (const char of code) if (this.digitSet.has(char)) digits++;
    return digits > 0 && digits < code.length;
  }
}
