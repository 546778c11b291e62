/** AAM inbound trait token shapes (DOMAIN.md), one case each, and the comma split that respects quotes. */
import { describe, expect, it } from 'vitest';
import { textTokenShape, tokenEnd, TOKEN_ADD, TOKEN_INVALID, TOKEN_REMOVE, TOKEN_SIGNAL } from '../src/formats/aam-inbound/tokens.js';

describe('token shapes', () => {
  const cases: Array<[string, number]> = [
    ['d_sid=123', TOKEN_ADD],
    [' d_sid = 123 ', TOKEN_ADD],
    ['123', TOKEN_ADD],
    ['d_unsid=456', TOKEN_REMOVE],
    ['d_unsid =456', TOKEN_REMOVE],
    ['456:0', TOKEN_REMOVE],
    ['456:-1', TOKEN_REMOVE],
    ['age=32', TOKEN_SIGNAL],
    ['"age"="32"', TOKEN_SIGNAL],
    ['age = "New York, NY"', TOKEN_SIGNAL],
    ['"my key"=v', TOKEN_SIGNAL],
    ['city=São Paulo', TOKEN_SIGNAL],
    ['', TOKEN_INVALID],
    ['   ', TOKEN_INVALID],
    ['d_sid=', TOKEN_INVALID],
    ['d_sid=12a', TOKEN_INVALID],
    ['d_unsid=x', TOKEN_INVALID],
    ['456:1', TOKEN_INVALID],
    ['456:', TOKEN_INVALID],
    ['a:b', TOKEN_INVALID],
    ['=v', TOKEN_INVALID],
    ['k=', TOKEN_INVALID],
    ['k=""', TOKEN_INVALID],
    ['"k=v', TOKEN_INVALID],
    ['k="v', TOKEN_INVALID],
    ['my key=v', TOKEN_INVALID],
    ['k=v\tw', TOKEN_INVALID],
    ['k=a"b', TOKEN_INVALID],
    ['abc', TOKEN_INVALID],
    ['1,2', TOKEN_INVALID],
  ];
  for (const [text, shape] of cases) {
    it(`'${text.replace('\t', '\\t')}' is ${['invalid', 'add', 'remove', 'signal'][shape]}`, () => {
      expect(textTokenShape(text)).toBe(shape);
    });
  }
});

describe('tokenEnd', () => {
  it('ends a token at a comma outside quotes, never inside', () => {
    const b = Buffer.from('"k"="a,b",d_sid=1');
    expect(tokenEnd(b, 0, b.length)).toBe(9);
    expect(tokenEnd(b, 10, b.length)).toBe(b.length);
    expect(tokenEnd(Buffer.from('"open,x'), 0, 7)).toBe(-1);
  });
});
