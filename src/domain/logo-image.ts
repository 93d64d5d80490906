import { crc32 } from 'node:zlib';
import { invalidField } from './errors.js';

/** The largest logo voucherd keeps: a print logo is at most 175 px wide, so 512 KiB is ample. */
export const MAX_LOGO_BYTES = 512 * 1024;
/** The widest and tallest logo, in pixels either way. */
export const MAX_LOGO_DIMENSION = 4096;

export interface ImageFacts {
  readonly mediaType: 'image/png' | 'image/jpeg';
  readonly width: number;
  readonly height: number;
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const notAnImage = (what: string) => invalidField(`file is not a valid ${what} image.`);

/** Bit depths each PNG colour type allows (PNG spec, IHDR). */
const PNG_DEPTHS: Readonly<Record<number, readonly number[]>> = {
  0: [1, 2, 4, 8, 16],
  2: [8, 16],
  3: [1, 2, 4, 8],
  4: [8, 16],
  6: [8, 16],
};

/**
 * A PNG's size from its IHDR, after walking every chunk: each must fit the file and pass its CRC,
 * IHDR must come first, an IDAT must come, and IEND must end the file. A PNG signature followed by
 * anything else is refused.
 */
function inspectPng(bytes: Buffer): ImageFacts {
  let at = PNG_SIGNATURE.length;
  let width = 0;
  let height = 0;
  let sawData = false;
  for (let index = 0; ; index++) {
    if (at + 12 > bytes.length) throw notAnImage('PNG');
    const length = bytes.readUInt32BE(at);
    const type = bytes.toString('latin1', at + 4, at + 8);
    const end = at + 12 + length;
    if (length > 0x7fffffff || end > bytes.length) throw notAnImage('PNG');
    if (crc32(bytes.subarray(at + 4, at + 8 + length)) !== bytes.readUInt32BE(at + 8 + length)) throw notAnImage('PNG');
    if (index === 0) {
      if (type !== 'IHDR' || length !== 13) throw notAnImage('PNG');
      width = bytes.readUInt32BE(at + 8);
      height = bytes.readUInt32BE(at + 12);
      const depth = bytes[at + 16]!;
      const colour = bytes[at + 17]!;
      if (!PNG_DEPTHS[colour]?.includes(depth)) throw notAnImage('PNG');
      // Compression, filter and interlace methods: 0, 0 and 0 or 1 are all the spec defines.
      if (bytes[at + 18] !== 0 || bytes[at + 19] !== 0 || bytes[at + 20]! > 1) throw notAnImage('PNG');
    } else if (type === 'IHDR') {
      throw notAnImage('PNG');
    }
    if (type === 'IDAT') sawData = true;
    at = end;
    if (type === 'IEND') {
      if (at !== bytes.length || !sawData) throw notAnImage('PNG');
      return { mediaType: 'image/png', width, height };
    }
  }
}

/** Start-of-frame markers (SOF0–SOF15 but DHT, JPG and DAC): they carry the frame's size. */
const isStartOfFrame = (marker: number) => marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc;

/**
 * A JPEG's size from its start-of-frame segment, after walking the segments before the scan:
 * each must fit the file, a frame header must come before the first scan, and EOI must end it.
 */
function inspectJpeg(bytes: Buffer): ImageFacts {
  if (bytes.length < 4 || bytes[bytes.length - 2] !== 0xff || bytes[bytes.length - 1] !== 0xd9) throw notAnImage('JPEG');
  let at = 2;
  let frame: { width: number; height: number } | undefined;
  for (;;) {
    if (at + 4 > bytes.length || bytes[at] !== 0xff) throw notAnImage('JPEG');
    const marker = bytes[at + 1]!;
    // Fill bytes (0xFF 0xFF) may pad between segments.
    if (marker === 0xff) {
      at += 1;
      continue;
    }
    const length = bytes.readUInt16BE(at + 2);
    if (length < 2 || at + 2 + length > bytes.length) throw notAnImage('JPEG');
    if (isStartOfFrame(marker)) {
      if (frame || length < 8) throw notAnImage('JPEG');
      frame = { height: bytes.readUInt16BE(at + 5), width: bytes.readUInt16BE(at + 7) };
    }
    if (marker === 0xda) {
      if (!frame) throw notAnImage('JPEG');
      return { mediaType: 'image/jpeg', ...frame };
    }
    if (marker === 0xd9 || marker === 0xd8) throw notAnImage('JPEG');
    at += 2 + length;
  }
}

/**
 * What an uploaded logo is, judged by its bytes alone (a declared Content-Type proves nothing):
 * a PNG or a JPEG of 1–4096 px each way, no larger than MAX_LOGO_BYTES. −1001 otherwise, with a
 * sentence that says why.
 */
export function inspectLogo(bytes: Buffer): ImageFacts {
  if (bytes.length === 0) throw invalidField('file must not be empty.');
  if (bytes.length > MAX_LOGO_BYTES) throw invalidField(`file must not exceed ${MAX_LOGO_BYTES} bytes.`);
  let facts: ImageFacts;
  if (bytes.length >= PNG_SIGNATURE.length && bytes.subarray(0, PNG_SIGNATURE.length).equals(PNG_SIGNATURE)) {
    facts = inspectPng(bytes);
  } else if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) {
    facts = inspectJpeg(bytes);
  } else {
    throw invalidField('file must be a PNG or JPEG image.');
  }
  const { width, height } = facts;
  if (width < 1 || height < 1 || width > MAX_LOGO_DIMENSION || height > MAX_LOGO_DIMENSION) {
    throw invalidField(`file must be an image of 1-${MAX_LOGO_DIMENSION} pixels each way.`);
  }
  return facts;
}
