#!/usr/bin/env node
// Generates the JavaScript reference tables that src/core's tests compare against:
//
//   js-numbers.json        Number.prototype.toString and JSON.stringify of doubles (bit patterns)
//                          and of 64-bit integers (what JS prints after Number(BigInt(x))).
//   js-json.json           JSON.stringify of strings given as UTF-16 code units (lone surrogates
//                          included), of UTF-8 byte strings decoded the WHATWG way (TextDecoder,
//                          U+FFFD for ill-formed bytes), and the key order of objects.
//   js-locale-compare.json String.prototype.localeCompare on ASCII strings (signs of pairs, the
//                          order of all 128 ASCII characters, stable sorts of small lists).
//   js-utf16.json          UTF-16 lengths of UTF-8 inputs and their truncation to N code units.
//
// Regenerate (from the repository root, with Node 20):
//   LC_ALL=C.UTF-8 node tests/vectors/generate-js-reference.mjs
// The generator is deterministic (seeded PRNG), so re-running it with the same Node/ICU version
// rewrites identical files; a diff after a Node upgrade is a behaviour change worth reading.
import {writeFileSync} from 'node:fs';
import {dirname, join} from 'node:path';
import {fileURLToPath} from 'node:url';

const outDir = dirname(fileURLToPath(import.meta.url));

// localeCompare() without arguments uses the process's default locale, which Node takes from
// LANG/LC_ALL. protifer's reference vectors were made under en-US (root collation for ASCII);
// other locales tailor ASCII too (e.g. Danish sorts upper case first), so refuse them here.
const defaultLocale = new Intl.Collator().resolvedOptions().locale;
if (defaultLocale !== 'en-US') {
  throw new Error(`default collation locale is ${defaultLocale}; run with LC_ALL=C.UTF-8 or en_US.UTF-8`);
}

// ---- deterministic randomness (mulberry32) ------------------------------------------------
function makeRandom(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = makeRandom(20260620);
const randomInt = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));  // inclusive
const pick = (list) => list[randomInt(0, list.length - 1)];
const randomUint32 = () => Math.floor(random() * 4294967296) >>> 0;

// ---- bit helpers ----------------------------------------------------------------------------
const f64 = new Float64Array(1);
const u64 = new BigUint64Array(f64.buffer);
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const doubleFromBits = (bits) => { u64[0] = bits; return f64[0]; };
const bitsOfDouble = (x) => { f64[0] = x; return u64[0]; };
const floatFromBits = (bits) => { u32[0] = bits >>> 0; return f32[0]; };
const hex64 = (bits) => '0x' + bits.toString(16).padStart(16, '0');

function writeTable(name, header, sections) {
  // One entry per line keeps the files reviewable and diffs small.
  const parts = Object.entries(header).map(([k, v]) => ` ${JSON.stringify(k)}: ${JSON.stringify(v)}`);
  for (const [key, entries] of Object.entries(sections)) {
    parts.push(` ${JSON.stringify(key)}: [\n  ` + entries.map((e) => JSON.stringify(e)).join(',\n  ') +
               '\n ]');
  }
  writeFileSync(join(outDir, name), '{\n' + parts.join(',\n') + '\n}\n');
}

const header = (about) => ({
  about,
  generator: 'tests/vectors/generate-js-reference.mjs',
  node: process.version,
  icu: process.versions.icu,
});

// ---- numbers ----------------------------------------------------------------------------------
function generateNumbers() {
  const doubles = new Map();  // bits (BigInt) -> true, insertion-ordered and deduplicated
  const addDouble = (x) => doubles.set(bitsOfDouble(x), true);
  const addBits = (bits) => doubles.set(BigInt.asUintN(64, bits), true);
  const addWithNeighbours = (x) => {
    const bits = bitsOfDouble(x);
    addBits(bits);
    if (Number.isFinite(x) && x !== 0) {
      addBits(bits + 1n);
      addBits(bits - 1n);
    }
  };

  // Special values and the layout boundaries of Number::toString (n = 21 and n = -6).
  for (const x of [0, -0, NaN, Infinity, -Infinity, Number.MIN_VALUE, -Number.MIN_VALUE,
                   Number.MAX_VALUE, -Number.MAX_VALUE, Number.EPSILON, Number.MAX_SAFE_INTEGER,
                   Number.MIN_SAFE_INTEGER, 2 ** 53, 2 ** 53 + 2, 2 ** 63, 2 ** 64, -(2 ** 64),
                   1e21, 1e-7, 1e-6, 1e20, 123e-20, 1.5, -0.5, 0.1, 0.2, 0.30000000000000004,
                   123456789012345680000, 12345678901234567e5, 1.7976931348623157e308,
                   2.2250738585072014e-308, 2.225073858507201e-308, 4.9406564584124654e-324,
                   9007199254740993, 0.000001, 0.0000012345, 0.00000012345, 1234567.125,
                   5e-324, 1e23, 8.41e21, 5.0e-310, 100, 1e15, 1e16, 1e17, 4.35, 0.000123]) {
    addWithNeighbours(x);
  }
  addBits(0x7ff8000000000001n);  // NaN with a payload
  addBits(0xfff8000000000000n);  // negative quiet NaN

  // Every power of ten and its two neighbours: exercises the fixed/exponent switch everywhere.
  for (let e = -324; e <= 308; ++e) addWithNeighbours(Number(`1e${e}`));
  // Powers of two across the whole exponent range, subnormals included.
  for (let e = -1074; e <= 1023; e += 7) addWithNeighbours(2 ** e);
  // Integers around 2^53, where doubles stop being consecutive integers.
  for (let k = -12; k <= 12; ++k) {
    addDouble(2 ** 53 + k);
    addDouble(-(2 ** 53) + k);
  }
  // Uniformly random bit patterns (finite and not).
  for (let i = 0; i < 500; ++i) addBits((BigInt(randomUint32()) << 32n) | BigInt(randomUint32()));
  // Random subnormals.
  for (let i = 0; i < 150; ++i) {
    addBits((BigInt(randomUint32() & 0xfffff) << 32n) | BigInt(randomUint32()));
  }
  // float32 values widened to double, as the model outputs are: random bit patterns, uniformly
  // random exponents, and Math.fround of short decimals (0.1f prints 0.10000000149011612).
  for (let i = 0; i < 600; ++i) addDouble(floatFromBits(randomUint32()));
  for (let i = 0; i < 300; ++i) {
    const exponent = randomInt(0, 254);
    addDouble(floatFromBits((randomInt(0, 1) << 31) | (exponent << 23) | (randomUint32() & 0x7fffff)));
  }
  for (let i = 0; i < 300; ++i) {
    addDouble(Math.fround(Number(`${randomInt(1, 999999)}e${randomInt(-45, 38)}`)));
  }
  for (const x of [0.1, 0.2, 0.3, 1e-8, 1e-7, 1e-6, 1e-3, 1 / 3, 2 / 3, 123.456, 3.4028234663852886e38]) {
    addDouble(Math.fround(x));
    addDouble(-Math.fround(x));
  }
  // Short decimals (1..17 significant digits) with small and large exponents: the shortest
  // representation is the decimal itself, so any digit-generation slip shows.
  for (let i = 0; i < 600; ++i) {
    let digits = String(randomInt(1, 9));
    const count = randomInt(0, 16);
    for (let d = 0; d < count; ++d) digits += String(randomInt(0, 9));
    const exponent = i % 3 === 0 ? randomInt(-340, 310) : randomInt(-30, 30);
    addDouble((randomInt(0, 1) ? -1 : 1) * Number(`${digits}e${exponent}`));
  }

  // Rows are [bits, String(x), JSON.stringify(x)]: arrays parse much faster than objects in
  // the Debug/sanitizer builds of the tests.
  const doubleRows = [...doubles.keys()].map((bits) => {
    const x = doubleFromBits(bits);
    return [hex64(bits), String(x), JSON.stringify(x)];
  });

  // 64-bit integers as a C++ writer holds them: JS only has doubles, so the JS text is that of
  // Number(BigInt(value)) (round to nearest, ties to even).
  const integers = new Set();
  const i64min = -(2n ** 63n), i64max = 2n ** 63n - 1n, u64max = 2n ** 64n - 1n;
  for (const v of [0n, 1n, -1n, 9n, 10n, 999999n, i64min, i64max, u64max, i64min + 1n, i64max - 1n,
                   2n ** 53n, 2n ** 53n + 1n, 2n ** 53n - 1n, -(2n ** 53n) - 1n, 2n ** 54n + 2n,
                   2n ** 54n + 6n, 10n ** 18n, 10n ** 19n, 123456789012345678n]) {
    integers.add(v);
  }
  for (let k = -20n; k <= 20n; ++k) {
    integers.add(2n ** 53n + k);
    integers.add(-(2n ** 53n) + k);
  }
  for (let i = 0; i < 200; ++i) {
    const bits = randomInt(1, 64);
    let v = 0n;
    for (let b = 0; b < bits; ++b) v = (v << 1n) | BigInt(randomInt(0, 1));
    integers.add(bits < 64 && randomInt(0, 1) ? -v : v);
  }
  const integerRows = [...integers].map((v) => [v.toString(), JSON.stringify(Number(v))]);

  writeTable('js-numbers.json',
             header('doubles: [IEEE-754 bits, String(x), JSON.stringify(x)]; integers: [decimal ' +
                    'int64/uint64, JSON.stringify(Number(BigInt(decimal)))].'),
             {doubles: doubleRows, integers: integerRows});
  return doubleRows.length + integerRows.length;
}

// ---- JSON.stringify of strings and objects ---------------------------------------------------
function generateJson() {
  const utf16 = [];
  const addUnits = (units) => utf16.push({units, json: JSON.stringify(String.fromCharCode(...units))});
  addUnits([]);
  for (let c = 0; c < 0x80; ++c) addUnits([c]);
  for (const c of [0x80, 0x9f, 0xa0, 0xe9, 0xff, 0x100, 0x7ff, 0x800, 0xfff, 0x2028, 0x2029, 0xd7ff,
                   0xe000, 0xfeff, 0xfffd, 0xfffe, 0xffff]) {
    addUnits([c]);
  }
  for (const units of [[0xd800], [0xdbff], [0xdc00], [0xdfff], [0xd83d, 0xde00], [0xd800, 0xdc00],
                       [0xdbff, 0xdfff], [0xde00, 0xd83d], [0xd83d, 0xd83d, 0xde00],
                       [0xd83d, 0xde00, 0xde00], [0x61, 0xd83d], [0xdc00, 0x61], [0xd800, 0x22],
                       [0x5c, 0xdfff, 0x0a]]) {
    addUnits(units);
  }
  const palette = [0x00, 0x01, 0x08, 0x09, 0x0a, 0x0c, 0x0d, 0x1f, 0x20, 0x22, 0x27, 0x2f, 0x3c, 0x5c,
                   0x61, 0x41, 0x7e, 0x7f, 0x80, 0xe9, 0x2028, 0x20ac, 0xd800, 0xdbff, 0xdc00, 0xdfff,
                   0xd83d, 0xde00, 0xfffd, 0xffff];
  for (let i = 0; i < 400; ++i) {
    const units = [];
    const length = randomInt(1, 12);
    for (let j = 0; j < length; ++j) units.push(pick(palette));
    addUnits(units);
  }

  const decoder = new TextDecoder('utf-8');
  const utf8 = [];
  const addBytes = (hex) => {
    const bytes = Buffer.from(hex, 'hex');
    const text = decoder.decode(bytes);
    if (text !== bytes.toString('utf8')) throw new Error(`TextDecoder and Buffer disagree on ${hex}`);
    utf8.push({hex, json: JSON.stringify(text)});
  };
  for (const hex of ['', '61', '00', '1f', '7f', 'c3a9', 'e282ac', 'f09f9880', 'efbfbd', 'e280a8',
                     // ill-formed: stray continuations, bad leads, truncations, overlongs,
                     // surrogates, beyond U+10FFFF, and valid bytes right after a broken sequence
                     '80', 'bf', 'c0', 'c1', 'c080', 'c1bf', 'c2', 'c27f', 'e0', 'e080', 'e08080',
                     'e09f80', 'e0a0', 'e282', 'e28228', 'ed9fbf', 'eda080', 'edbfbf', 'eda0', 'f0',
                     'f08f8080', 'f09080', 'f09f98', 'f09f9822', 'f48fbfbf', 'f4908080', 'f5808080',
                     'f8808080', 'fc8080808080', 'fe', 'ff', '61ff62', 'e2c3a9', 'f09fc3a9',
                     '0ae2828261', 'c3a9c3', 'eda080edb080']) {
    addBytes(hex);
  }
  const bytePalette = [0x00, 0x0a, 0x22, 0x5c, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0,
                       0xc2, 0xc3, 0xdf, 0xe0, 0xe2, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
  for (let i = 0; i < 400; ++i) {
    let hex = '';
    const length = randomInt(1, 10);
    for (let j = 0; j < length; ++j) hex += pick(bytePalette).toString(16).padStart(2, '0');
    addBytes(hex);
  }

  // Objects: JS emits array-index keys ("0".."4294967294", canonical form) first in numeric
  // order, then the other keys in insertion order.
  const objects = [];
  const addObject = (keys) => {
    const object = {};
    keys.forEach((key, index) => { object[key] = index; });
    objects.push({keys, json: JSON.stringify(object)});
  };
  const keyPalette = ['name', 'version', 'b', 'a', '0', '1', '2', '10', '9', '01', '00', '-1', '1.5',
                      '1e3', '+1', ' 1', '1 ', '', '4294967294', '4294967295', '4294967296',
                      '9007199254740993', '\u00e9', '\u0000', '\ud83d\ude00'];
  addObject([]);
  addObject(['schemaVersion', 'versions', 'outputs', 'modelErrors']);
  addObject(keyPalette);
  for (let i = 0; i < 150; ++i) {
    const keys = new Set();
    const count = randomInt(1, 8);
    for (let j = 0; j < count; ++j) keys.add(pick(keyPalette));
    addObject([...keys]);
  }

  writeTable('js-json.json',
             header('JSON.stringify of strings given as UTF-16 code units, of UTF-8 bytes decoded ' +
                    'by TextDecoder (WHATWG, U+FFFD for ill-formed subsequences), and of objects ' +
                    'whose keys were inserted in the listed order with value = index.'),
             {utf16Strings: utf16, utf8Strings: utf8, objectKeyOrder: objects});
  return utf16.length + utf8.length + objects.length;
}

// ---- localeCompare ---------------------------------------------------------------------------
function generateLocaleCompare() {
  const sign = (x) => (x < 0 ? -1 : x > 0 ? 1 : 0);
  const ascii = [];
  for (let c = 0; c < 0x80; ++c) ascii.push(String.fromCharCode(c));
  const asciiSorted = [...ascii].sort((a, b) => a.localeCompare(b));  // stable: ties keep code order

  const printable = [];
  for (let c = 0x20; c < 0x7f; ++c) printable.push(String.fromCharCode(c));
  const alphabet = [...printable, '\u0000', '\u0001', '\t', '\n', '\r', '\u007f', 'a', 'A', 'b', 'B',
                    '_', '-', '.', ' ', '1', '2'];
  const randomString = () => {
    let s = '';
    const length = randomInt(0, 7);
    for (let i = 0; i < length; ++i) s += pick(alphabet);
    return s;
  };
  const mutate = (s) => {
    const chars = [...s];
    const at = randomInt(0, Math.max(0, chars.length - 1));
    switch (randomInt(0, 4)) {
      case 0: chars.splice(at, 0, pick(alphabet)); break;
      case 1: chars.splice(at, 1); break;
      case 2: chars[at] = pick(alphabet); break;
      case 3: chars[at] = chars[at] === undefined ? 'a'
                          : (chars[at] === chars[at].toUpperCase() ? chars[at].toLowerCase()
                                                                    : chars[at].toUpperCase());
        break;
      default: chars.push(pick(alphabet));
    }
    return chars.join('');
  };
  const pairs = [];
  const names = ['prott5_secondary_structure', 'tmbed', 'seth', 'bindembed', 'prott5_conservation',
                 'light_attention_subcellular', 'light_attention_membrane', 'variation', 'esm2_650m',
                 'esm2_3b', 'prott5_xl_u50', 'Tmbed', 'tm-bed', 'tm.bed', 'tm bed', 'tmbed2', 'tmbed10'];
  for (const a of names) for (const b of names) pairs.push([a, b, sign(a.localeCompare(b))]);
  for (let i = 0; i < 3000; ++i) {
    const a = randomString();
    const b = i % 4 === 0 ? randomString() : mutate(a);
    pairs.push([a, b, sign(a.localeCompare(b))]);
  }
  const sorts = [];
  for (let i = 0; i < 60; ++i) {
    const input = [];
    const count = randomInt(2, 12);
    for (let j = 0; j < count; ++j) input.push(j > 0 && randomInt(0, 2) === 0 ? mutate(pick(input)) : randomString());
    sorts.push({input, sorted: [...input].sort((a, b) => a.localeCompare(b))});
  }
  writeTable('js-locale-compare.json',
             header(`String.prototype.localeCompare (default locale ${
                 new Intl.Collator().resolvedOptions().locale}) on ASCII strings: signs of ` +
                    'a.localeCompare(b), all 128 ASCII characters stably sorted, and stable sorts.'),
             {asciiSorted: [asciiSorted], pairs, sorts});
  return pairs.length + sorts.length + 1;
}

// ---- UTF-16 length and truncation ------------------------------------------------------------
function generateUtf16() {
  const decoder = new TextDecoder('utf-8');
  const isHigh = (u) => u >= 0xd800 && u <= 0xdbff;
  const cases = [];
  const addCase = (hex, maxima) => {
    const text = decoder.decode(Buffer.from(hex, 'hex'));
    const truncations = maxima.map((max) => {
      // protifer cuts with text.slice(0, max), which can end in the high half of a pair (stored
      // as a lone surrogate). The C++ port drops that half instead (DESIGN.md 4.7).
      const jsSlice = text.slice(0, max);
      const splitsPair = jsSlice.length > 0 && isHigh(jsSlice.charCodeAt(jsSlice.length - 1));
      const expected = splitsPair ? jsSlice.slice(0, -1) : jsSlice;
      return {max, hex: Buffer.from(expected, 'utf8').toString('hex'), jsSplitsPair: splitsPair};
    });
    cases.push({hex, utf16Length: text.length, truncations});
  };
  const upTo = (n) => Array.from({length: n + 1}, (_, i) => i);
  for (const hex of ['', '61', '616263', 'c3a9', 'e282ac', 'f09f9880', '61f09f988062', 'f09f9880f09f9881',
                     'ff', '61e282', 'e28261', 'eda080', 'f4908080', 'c3a9e282acf09f9880',
                     '0a09225c']) {
    addCase(hex, upTo(Buffer.from(hex, 'hex').length + 2));
  }
  // Realistic error messages around the 200-unit cut of ModelErrorEntry.message.
  const ascii199 = Buffer.from('x'.repeat(199)).toString('hex');
  addCase(ascii199 + 'f09f9880' + '6162', [198, 199, 200, 201, 202]);
  addCase(Buffer.from('e'.repeat(198)).toString('hex') + 'c3a9e282ac' + 'f09f9880', [199, 200, 201]);
  addCase(Buffer.from('Triton modelInfer timed out after 90000 ms '.repeat(6)).toString('hex'), [200]);
  const charPalette = ['61', '7a', '20', '0a', 'c3a9', 'd0b4', 'e282ac', 'e4b8ad', 'f09f9880', 'f0908080',
                       'ff', 'e282', 'c0', 'eda080'];
  for (let i = 0; i < 200; ++i) {
    let hex = '';
    const length = randomInt(0, 14);
    for (let j = 0; j < length; ++j) hex += pick(charPalette);
    const max = randomInt(0, 20);
    addCase(hex, [max, randomInt(0, 20)]);
  }
  writeTable('js-utf16.json',
             header('For UTF-8 inputs (hex; decoded by TextDecoder): the JS string length in UTF-16 ' +
                    'code units and its truncation to `max` units as UTF-8 hex, where a cut that ' +
                    'would split a surrogate pair drops the high half (jsSplitsPair marks the cases ' +
                    'where protifer\'s text.slice(0, max) keeps a lone surrogate instead).'),
             {cases});
  return cases.length;
}

const counts = {
  'js-numbers.json': generateNumbers(),
  'js-json.json': generateJson(),
  'js-locale-compare.json': generateLocaleCompare(),
  'js-utf16.json': generateUtf16(),
};
for (const [file, count] of Object.entries(counts)) console.log(`${file}: ${count} entries`);
