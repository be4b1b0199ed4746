/**
 * Positions in a checked text. The parser's AST locations and scanner offsets are UTF-8 byte offsets,
 * its error cursors are characters (code points), and findings are reported as line and column in
 * characters: this converts between them in constant or logarithmic time, so a large text with many
 * findings stays linear.
 */
export class SourceText {
  /** byteAt[i]: UTF-8 byte offset of UTF-16 index i (length + 1 entries). */
  private readonly byteAt: Uint32Array;
  private readonly lineStarts: number[] = [0];
  /** pairsBefore[i]: surrogate pairs before UTF-16 index i; undefined when the text has none. */
  private readonly pairsBefore: Uint32Array | undefined;

  constructor(readonly text: string) {
    this.byteAt = new Uint32Array(text.length + 1);
    let pairs: Uint32Array | undefined;
    let pairCount = 0;
    let bytes = 0;
    for (let i = 0; i < text.length; i++) {
      this.byteAt[i] = bytes;
      if (pairs) pairs[i] = pairCount;
      const code = text.charCodeAt(i);
      if (code === 10) this.lineStarts.push(i + 1);
      if (code < 0x80) bytes += 1;
      else if (code < 0x800) bytes += 2;
      else if (code >= 0xd800 && code <= 0xdbff && isLowSurrogate(text.charCodeAt(i + 1))) {
        pairs ??= new Uint32Array(text.length + 1);
        pairs[i] = pairCount;
        this.byteAt[i + 1] = bytes + 2;
        pairs[i + 1] = pairCount;
        pairCount++;
        bytes += 4;
        i++;
      } else bytes += 3;
    }
    this.byteAt[text.length] = bytes;
    if (pairs) pairs[text.length] = pairCount;
    this.pairsBefore = pairs;
  }

  get byteLength(): number {
    return this.byteAt[this.text.length]!;
  }

  /** UTF-8 byte offset of UTF-16 index `index`. */
  byteOf(index: number): number {
    return this.byteAt[Math.max(0, Math.min(index, this.text.length))]!;
  }

  /** The UTF-16 index of the character holding UTF-8 byte `byte`. */
  indexOfByte(byte: number): number {
    let low = 0;
    let high = this.text.length;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.byteAt[mid]! <= byte) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  /** The UTF-16 index `count` code points after `start`. */
  advanceCodePoints(start: number, count: number): number {
    let index = start;
    for (let n = 0; n < count && index < this.text.length; n++) {
      index += (this.text.codePointAt(index) ?? 0) > 0xffff ? 2 : 1;
    }
    return index;
  }

  /** 1-based line of UTF-16 index `index`. */
  lineOf(index: number): number {
    let low = 0;
    let high = this.lineStarts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.lineStarts[mid]! <= index) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  }

  /** UTF-16 index where the line holding `index` ends (its newline, or the end of the text). */
  lineEnd(index: number): number {
    const end = this.lineStarts[this.lineOf(index)];
    return end === undefined ? this.text.length : end - 1;
  }

  lineColumn(index: number): { line: number; column: number } {
    const line = this.lineOf(index);
    const lineStart = this.lineStarts[line - 1]!;
    const pairs = this.pairsBefore ? this.pairsBefore[index]! - this.pairsBefore[lineStart]! : 0;
    return { line, column: index - lineStart - pairs + 1 };
  }
}

function isLowSurrogate(code: number): boolean {
  return code >= 0xdc00 && code <= 0xdfff;
}
